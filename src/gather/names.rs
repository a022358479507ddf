//! Which feeds a record belongs to, and what each feed is called.
//!
//! Names that differ only in case or spacing are one feed ([`name_key`]),
//! shown under their most common spelling (ties: the smallest in byte
//! order), so the choice does not depend on the order records were read in.
//! Each family's feeds then get slugs, unique within the family.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::slug;
use crate::model::{Facets, Family, Feed, Item, name_key};

/// The (key, display name) pairs of the feeds an item belongs to in
/// `family`, each key once.
pub(crate) fn memberships(facets: Facets<'_>, family: Family) -> Vec<(String, &str)> {
    let named = |name| (name_key(name), name);
    let pairs: Vec<(String, &str)> = match family {
        Family::All => vec![(String::new(), "")],
        Family::Topics => facets.topics.iter().map(|topic| named(topic)).collect(),
        Family::Providers => facets
            .provider
            .iter()
            .filter_map(|provider| Some((provider.domain.clone()?, provider.name.as_str())))
            .collect(),
        Family::Categories => facets.category.map(named).into_iter().collect(),
        Family::Types => facets.kind.map(named).into_iter().collect(),
    };
    let mut unique: Vec<(String, &str)> = Vec::with_capacity(pairs.len());
    for pair in pairs {
        if !unique.iter().any(|(key, _)| *key == pair.0) {
            unique.push(pair);
        }
    }
    unique
}

/// How often each spelling of one feed's name occurs.
pub(crate) type Spellings = BTreeMap<String, usize>;

/// The name a feed is shown under: its most common spelling, ties to the
/// smallest in byte order.
pub(crate) fn display_name(spellings: &Spellings) -> String {
    let best = spellings.iter().max_by(|(a, m), (b, n)| m.cmp(n).then_with(|| b.cmp(a)));
    best.map(|(name, _)| name.clone()).unwrap_or_default()
}

/// Topic names replaced by their display names (looked up by [`name_key`]),
/// without repeats.
pub(crate) fn canonical_topics(topics: &[String], display: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut canonical: Vec<String> = Vec::new();
    for topic in topics {
        let name = display(&name_key(topic)).unwrap_or_else(|| topic.clone());
        if !canonical.contains(&name) {
            canonical.push(name);
        }
    }
    canonical
}

/// One feed of a family, before it has a slug.
#[derive(Debug)]
pub(crate) struct Unnamed {
    /// The grouping key ([`name_key`], or the provider's domain).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Newest first, at most `limit`.
    pub items: Vec<Arc<Item>>,
    /// The logo of the newest item that has one (provider feeds only).
    pub icon: Option<String>,
}

/// A family's feeds with slugs, in slug order.
pub(crate) fn name_feeds(family: Family, feeds: Vec<Unnamed>) -> Vec<Feed> {
    let slugs = slug::assign(feeds.iter().map(|feed| feed.key.as_str()));
    let mut named: Vec<Feed> = feeds
        .into_iter()
        .map(|feed| Feed {
            family,
            slug: if family == Family::All { "all".to_owned() } else { slugs[&feed.key].clone() },
            key: feed.key,
            name: feed.name,
            items: feed.items,
            icon: if family == Family::Providers { feed.icon } else { None },
        })
        .collect();
    named.sort_by(|a, b| a.slug.cmp(&b.slug));
    named
}

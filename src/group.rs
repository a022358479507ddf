//! Stage 4: grouping items into feeds: the firehose, and one feed per topic,
//! provider, category or type, each with its newest `limit` items.
//!
//! Items are shared (`Arc`) between the feeds that hold them rather than
//! copied. Names that differ only in case or spacing are one feed, shown
//! under their most common spelling (ties: the smallest in byte order), so
//! the choice does not depend on the order records were read in.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use crate::item::{Facets, Item};
use crate::site::{Family, Format};
use crate::slug;

/// One feed: which items it holds and what it is called.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The family it belongs to.
    pub family: Family,
    /// File name stem, unique within the family.
    pub slug: String,
    /// The grouping key the feed was made for: the [`name_key`] of its topic,
    /// category or type, or the provider's domain; empty for `all`. Pages
    /// look topic and provider feeds up by it.
    pub key: String,
    /// Display name: the topic, provider, category or type; empty for `all`.
    pub name: String,
    /// Newest first (ties by id), at most `limit`.
    pub items: Vec<Arc<Item>>,
    /// A logo for the feed (provider feeds: the provider's).
    pub icon: Option<String>,
}

impl Feed {
    /// Path of this feed's file in `format`, relative to the output folder,
    /// `/`-separated (it is also the URL path under `base_url`).
    pub fn path(&self, format: Format) -> String {
        self.file_path(format.extension())
    }

    /// Path of this feed's files without an extension (`topics/rust`), as
    /// `feedgen list` names the feed.
    pub fn stem(&self) -> String {
        self.file_path("")
    }

    /// Path of this feed's page for people (`<slug>.html`, beside its feeds).
    pub fn page_path(&self) -> String {
        self.file_path(".html")
    }

    fn file_path(&self, extension: &str) -> String {
        match self.family.folder() {
            Some(folder) => format!("{folder}/{}{extension}", self.slug),
            None => format!("{}{extension}", self.slug),
        }
    }
}

/// How to group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOptions {
    /// Which families to build, in output order.
    pub families: Vec<Family>,
    /// Items per feed; 0 keeps all.
    pub limit: usize,
}

/// A name as a grouping key: Unicode-normalised (NFC), lowercase, inner
/// whitespace collapsed. Punctuation counts: `C++`, `C#` and `C` differ.
pub fn name_key(name: &str) -> String {
    if name.is_ascii() {
        // ASCII is already NFC; the common case skips two allocations.
        let mut key = String::with_capacity(name.len());
        for word in name.split_whitespace() {
            if !key.is_empty() {
                key.push(' ');
            }
            key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        }
        return key;
    }
    name.nfc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Newest first; on equal dates, by id, so the order is total.
fn newest_first(a: &Item, b: &Item) -> std::cmp::Ordering {
    b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id))
}

/// The (key, display name) pairs of the feeds an item belongs to in
/// `family`, each key once.
pub fn memberships(facets: Facets<'_>, family: Family) -> Vec<(String, &str)> {
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
pub type Spellings = BTreeMap<String, usize>;

/// The name a feed is shown under: its most common spelling, ties to the
/// smallest in byte order.
pub fn display_name(spellings: &Spellings) -> String {
    let best = spellings.iter().max_by(|(a, m), (b, n)| m.cmp(n).then_with(|| b.cmp(a)));
    best.map(|(name, _)| name.clone()).unwrap_or_default()
}

/// Topic names replaced by their display names (looked up by [`name_key`]),
/// without repeats.
pub fn canonical_topics(topics: &[String], display: impl Fn(&str) -> Option<String>) -> Vec<String> {
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
pub struct Unnamed {
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
pub fn name_feeds(family: Family, feeds: Vec<Unnamed>) -> Vec<Feed> {
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

/// The feeds of one family.
fn family_feeds(items: &[Arc<Item>], family: Family, limit: usize) -> Vec<Feed> {
    let mut spellings: HashMap<String, Spellings> = HashMap::new();
    let mut members: HashMap<String, Vec<Arc<Item>>> = HashMap::new();
    for item in items {
        for (key, name) in memberships(item.facets(), family) {
            *spellings.entry(key.clone()).or_default().entry(name.to_owned()).or_default() += 1;
            members.entry(key).or_default().push(Arc::clone(item));
        }
    }
    if family == Family::All {
        members.entry(String::new()).or_default();
    }
    let feeds = members
        .into_iter()
        .map(|(key, mut feed_items)| {
            let icon = feed_items.iter().find_map(|item| item.provider.as_ref()?.logo.clone());
            if limit > 0 {
                feed_items.truncate(limit);
            }
            let name = spellings.get(&key).map(display_name).unwrap_or_default();
            Unnamed { key, name, items: feed_items, icon }
        })
        .collect();
    name_feeds(family, feeds)
}

/// Group `items` into the feeds of every requested family, all in memory:
/// the reference the streaming build ([`crate::gather`]) must match.
pub fn group(mut items: Vec<Item>, options: &GroupOptions) -> Vec<Feed> {
    let mut topic_spellings: HashMap<String, Spellings> = HashMap::new();
    for item in &items {
        for topic in &item.topics {
            *topic_spellings.entry(name_key(topic)).or_default().entry(topic.clone()).or_default() += 1;
        }
    }
    for item in &mut items {
        item.topics = canonical_topics(&item.topics, |key| topic_spellings.get(key).map(display_name));
    }
    items.sort_by(newest_first);
    let shared: Vec<Arc<Item>> = items.into_iter().map(Arc::new).collect();
    options.families.iter().flat_map(|&family| family_feeds(&shared, family, options.limit)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_get_the_same_key_as_the_general_rule() {
        let general =
            |name: &str| name.nfc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
        for name in ["AI", "  Machine\tLearning \n", "a\u{b}b", "C++", "", "x\u{c}y  Z"] {
            assert_eq!(name_key(name), general(name), "{name:?}");
        }
        assert_eq!(name_key("Ａ Ｉ"), general("Ａ Ｉ"));
    }
}

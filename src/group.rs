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

use crate::item::Item;
use crate::site::{Family, Format};
use crate::slug;

/// One feed: which items it holds and what it is called.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The family it belongs to.
    pub family: Family,
    /// File name stem, unique within the family.
    pub slug: String,
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
        match self.family.folder() {
            Some(folder) => format!("{folder}/{}{}", self.slug, format.extension()),
            None => format!("{}{}", self.slug, format.extension()),
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
    name.nfc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Newest first; on equal dates, by id, so the order is total.
fn newest_first(a: &Item, b: &Item) -> std::cmp::Ordering {
    b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id))
}

/// The (key, display name) pairs an item belongs to in `family`.
fn memberships(item: &Item, family: Family) -> Vec<(String, String)> {
    let named = |name: &String| (name_key(name), name.clone());
    match family {
        Family::All => vec![(String::new(), String::new())],
        Family::Topics => item.topics.iter().map(named).collect(),
        Family::Providers => item
            .provider
            .iter()
            .filter_map(|provider| Some((provider.domain.clone()?, provider.name.clone())))
            .collect(),
        Family::Categories => item.category.iter().map(named).collect(),
        Family::Types => item.kind.iter().map(named).collect(),
    }
}

/// Display name for each key: its most common spelling, ties to the smallest.
fn display_names(spellings: HashMap<String, BTreeMap<String, usize>>) -> HashMap<String, String> {
    spellings
        .into_iter()
        .map(|(key, counts)| {
            let best = counts.into_iter().max_by(|(a, m), (b, n)| m.cmp(n).then_with(|| b.cmp(a)));
            (key, best.map(|(name, _)| name).unwrap_or_default())
        })
        .collect()
}

/// Replace each item's topic names by their display names, without repeats.
fn canonicalise_topics(items: &mut [Item], topic_names: &HashMap<String, String>) {
    for item in items {
        let mut canonical: Vec<String> = Vec::new();
        for topic in &item.topics {
            let name = topic_names.get(&name_key(topic)).unwrap_or(topic);
            if !canonical.contains(name) {
                canonical.push(name.clone());
            }
        }
        item.topics = canonical;
    }
}

/// The feeds of one family, in slug order.
fn family_feeds(items: &[Arc<Item>], family: Family, limit: usize) -> Vec<Feed> {
    let mut spellings: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    let mut members: HashMap<String, Vec<Arc<Item>>> = HashMap::new();
    for item in items {
        for (key, name) in memberships(item, family) {
            *spellings.entry(key.clone()).or_default().entry(name).or_default() += 1;
            members.entry(key).or_default().push(Arc::clone(item));
        }
    }
    if family == Family::All {
        members.entry(String::new()).or_default();
    }
    let names = display_names(spellings);
    let slugs = slug::assign(members.keys().map(String::as_str));
    let mut feeds: Vec<Feed> = members
        .into_iter()
        .map(|(key, mut feed_items)| {
            let icon = feed_items.iter().find_map(|item| item.provider.as_ref()?.logo.clone());
            if limit > 0 {
                feed_items.truncate(limit);
            }
            Feed {
                family,
                slug: if family == Family::All { "all".to_owned() } else { slugs[&key].clone() },
                name: names.get(&key).cloned().unwrap_or_default(),
                items: feed_items,
                icon: if family == Family::Providers { icon } else { None },
            }
        })
        .collect();
    feeds.sort_by(|a, b| a.slug.cmp(&b.slug));
    feeds
}

/// Group `items` into the feeds of every requested family.
pub fn group(mut items: Vec<Item>, options: &GroupOptions) -> Vec<Feed> {
    let mut topic_spellings: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for item in &items {
        for (key, name) in memberships(item, Family::Topics) {
            *topic_spellings.entry(key).or_default().entry(name).or_default() += 1;
        }
    }
    canonicalise_topics(&mut items, &display_names(topic_spellings));
    items.sort_by(newest_first);
    let shared: Vec<Arc<Item>> = items.into_iter().map(Arc::new).collect();
    options.families.iter().flat_map(|&family| family_feeds(&shared, family, options.limit)).collect()
}

//! The in-memory pipeline: select, prepare, group and render every record
//! at once, one stage after another, holding the whole corpus. It is the
//! reference the streaming build (stage 2, `gather`) must match byte for
//! byte; only tests and the fuzz target compile it (the `reference`
//! feature), never the build. Beside [`render_records`] it lends the tests
//! the few internals they compare output against ([`plain_text`],
//! [`canonical`], [`is_temporary_name`], [`MAX_SLUG_BYTES`]).
//!
//! Selection: future-dated records wait (unless asked for), then records
//! sharing a link collapse into one, the one updated last (on a tie, the
//! later path): a link is an item's identity in every format, so two items
//! with one link would be duplicates to every reader. A record with an
//! `id` of its own must also be the one updated last among the records
//! sharing that id (as their `id`, or as their link). Grouping: the
//! firehose and one feed per topic, provider, category or type, each with
//! its newest `limit` items, named by the most common spelling of its name.

use std::collections::HashMap;
use std::sync::Arc;

use url::Url;

use crate::gather::SelectOptions;
use crate::gather::names::{Spellings, Unnamed, canonical_topics, display_name, memberships, name_feeds};
use crate::model::{Duplicate, Family, Feed, Item, Record, name_key, sort_duplicates};
use crate::{BuildError, Plan, Report, Settings, prepare, render};

/// The longest slug, in bytes: feed file names stay short on every file system.
pub const MAX_SLUG_BYTES: usize = crate::gather::MAX_SLUG_BYTES;

/// A value as plain text, cleaned as titles and names are.
pub fn plain_text(text: &str) -> String {
    crate::markup::plain_text(text)
}

/// A link in the canonical form every id and link is written in.
pub fn canonical(url: &Url) -> String {
    crate::uri::canonical(url)
}

/// Whether `name` is the name of a temporary file a build may leave behind
/// (`.feedgen-XXXXXX.tmp`).
pub fn is_temporary_name(name: &str) -> bool {
    crate::write::is_temporary_name(name)
}

/// The records that become items, and what was left out.
#[derive(Debug, Default)]
struct Selection {
    /// One record per link (and per id), in load order.
    records: Vec<Record>,
    /// How many future-dated records wait.
    future: usize,
    /// Every record left out for a duplicate link or id, sorted by link,
    /// then by the path left out.
    duplicates: Vec<Duplicate>,
}

/// Whether `challenger` replaces `incumbent` for a shared link or id.
fn supersedes(challenger: &Record, incumbent: &Record) -> bool {
    (challenger.updated, &challenger.source) > (incumbent.updated, &incumbent.source)
}

/// The keys a record must hold to be an item: its link, and its `id` when
/// it has one that is not its link. An id and a link are one key when they
/// are the same text.
fn keys(record: &Record) -> (String, Option<String>) {
    let link = record.link.as_str().to_owned();
    let own = record.id.is_some().then(|| prepare::item_id(record).into_owned()).filter(|id| *id != link);
    (link, own)
}

/// Select from `records` (in load order): a record is an item when no
/// record sharing its link, or its id, supersedes it.
fn select(records: Vec<Record>, options: SelectOptions) -> Selection {
    let mut selection = Selection::default();
    let mut candidates: Vec<Record> = Vec::new();
    for record in records {
        if !options.include_future && record.published > options.now {
            selection.future += 1;
        } else {
            candidates.push(record);
        }
    }
    let mut best: HashMap<String, usize> = HashMap::new();
    for (index, record) in candidates.iter().enumerate() {
        let (link, own) = keys(record);
        for key in std::iter::once(link).chain(own) {
            match best.get(&key) {
                Some(&holder) if !supersedes(record, &candidates[holder]) => {}
                _ => {
                    best.insert(key, index);
                }
            }
        }
    }
    for (index, record) in candidates.iter().enumerate() {
        let (link, own) = keys(record);
        let lost = |key: &String| best[key] != index;
        // A record that lost its link is reported for its link, else for its id.
        let (key, shared_id) = match own {
            _ if lost(&link) => (link, None),
            Some(own) if lost(&own) => (own.clone(), Some(own)),
            _ => continue,
        };
        let kept = candidates[best[&key]].source.clone();
        let link = match &shared_id {
            Some(id) => Url::parse(id).unwrap_or_else(|_| record.link.clone()),
            None => record.link.clone(),
        };
        selection.duplicates.push(Duplicate { link, id: shared_id, kept, dropped: record.source.clone() });
    }
    selection.records = candidates
        .into_iter()
        .enumerate()
        .filter(|(index, record)| {
            let (link, own) = keys(record);
            best[&link] == *index && own.is_none_or(|own| best[&own] == *index)
        })
        .map(|(_, record)| record)
        .collect();
    sort_duplicates(&mut selection.duplicates);
    selection
}

/// How to group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupOptions {
    /// Which families to build, in output order.
    families: Vec<Family>,
    /// Items per feed; 0 keeps all.
    limit: usize,
}

/// Newest first; on equal dates, by id, so the order is total.
fn newest_first(a: &Item, b: &Item) -> std::cmp::Ordering {
    b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id))
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

/// Group `items` into the feeds of every requested family, all in memory.
fn group(mut items: Vec<Item>, options: &GroupOptions) -> Vec<Feed> {
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

/// The whole in-memory pipeline over `records` already loaded. The report
/// counts only what these stages decide (future, duplicates, feeds, files).
pub fn render_records(records: Vec<Record>, settings: &Settings) -> Result<Plan, BuildError> {
    let selection = select(records, SelectOptions { include_future: settings.include_future, now: settings.now });
    let items = selection.records.iter().map(prepare::prepare).collect();
    let feeds = group(items, &GroupOptions { families: settings.families.clone(), limit: settings.limit });
    let files = render::render_all(&feeds, &settings.site, &settings.formats, None)?;
    let report = Report {
        published: selection.records.len(),
        future: selection.future,
        duplicates: selection.duplicates,
        feeds: feeds.len(),
        files: files.len(),
        ..Report::default()
    };
    Ok(Plan { files, report })
}

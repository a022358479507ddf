//! Stage 2: choosing which loaded records become feed items.
//!
//! Future-dated records wait (unless asked for), then records sharing a link
//! collapse into one: a link is an item's identity in every format, so two
//! items with one link would be duplicates to every reader.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use url::Url;

use crate::record::Record;

/// How to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectOptions {
    /// Keep records dated after `now`.
    pub include_future: bool,
    /// The moment that decides what is "future"; from `SOURCE_DATE_EPOCH`
    /// when set, so that a build can be reproduced.
    pub now: DateTime<Utc>,
}

/// Two records with one link: which one was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The shared link.
    pub link: Url,
    /// The record finally kept for the link (updated last; on a tie, the
    /// later path).
    pub kept: PathBuf,
    /// The record left out.
    pub dropped: PathBuf,
}

/// The records that become items, and what was left out.
#[derive(Debug, Default)]
pub struct Selection {
    /// One record per link, in load order.
    pub records: Vec<Record>,
    /// How many future-dated records wait.
    pub future: usize,
    /// Every record left out for a duplicate link, sorted by link, then by
    /// the path left out.
    pub duplicates: Vec<Duplicate>,
}

/// Whether `challenger` replaces `incumbent` for a shared link.
fn supersedes(challenger: &Record, incumbent: &Record) -> bool {
    (challenger.updated, &challenger.source) > (incumbent.updated, &incumbent.source)
}

/// Select from `records` (in load order).
pub fn select(records: Vec<Record>, options: SelectOptions) -> Selection {
    let mut selection = Selection::default();
    let mut slot_of_link: HashMap<Url, usize> = HashMap::new();
    for record in records {
        if !options.include_future && record.published > options.now {
            selection.future += 1;
            continue;
        }
        let Some(&slot) = slot_of_link.get(&record.link) else {
            slot_of_link.insert(record.link.clone(), selection.records.len());
            selection.records.push(record);
            continue;
        };
        let incumbent = &mut selection.records[slot];
        let (kept, dropped) = if supersedes(&record, incumbent) {
            let dropped = std::mem::replace(incumbent, record);
            (incumbent.source.clone(), dropped.source)
        } else {
            (incumbent.source.clone(), record.source)
        };
        selection.duplicates.push(Duplicate { link: incumbent.link.clone(), kept, dropped });
    }
    // Each record left out is reported with the record finally kept.
    for duplicate in &mut selection.duplicates {
        duplicate.kept = selection.records[slot_of_link[&duplicate.link]].source.clone();
    }
    selection.duplicates.sort_by(|a, b| (a.link.as_str(), &a.dropped).cmp(&(b.link.as_str(), &b.dropped)));
    selection
}

//! Archive pages' items, read once for all of a page's documents.
//!
//! An archive page is rendered as up to four documents (RSS, Atom, JSON
//! Feed, HTML) that show the same items, usually one after the other on
//! one thread. Reading its items from the temporary file and decoding them
//! for each document cost about a third of rendering, so the first reads
//! them and the others take them from here. A page leaves once each of its
//! documents has taken its items, so only pages being rendered are held
//! (and, until rendering ends, the rare page one of whose files the writer
//! renders twice: a file it finds unlisted, to see whether to adopt it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::history::{Archive, Page, PageError, Reread};
use crate::model::Item;

/// One page's items, and how many of its documents have yet to take them.
type Open = (Arc<[Arc<Item>]>, usize);

/// Pages read and not yet rendered in every document, by (feed, page).
#[derive(Debug, Default)]
pub(super) struct ReadPages {
    open: Mutex<HashMap<(usize, usize), Open>>,
}

impl ReadPages {
    /// The items of page `number` of feed `feed` (`page`, in `archive`),
    /// newest first, for one of its `documents` documents.
    pub(super) fn take(
        &self,
        archive: &Archive,
        (feed, number): (usize, usize),
        page: &Page,
        documents: usize,
        reread: Option<&dyn Reread>,
    ) -> Result<Arc<[Arc<Item>]>, PageError> {
        let lock = || self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(items) = Self::take_open(&mut lock(), (feed, number)) {
            return Ok(items);
        }
        let items: Arc<[Arc<Item>]> = archive.items(page, reread)?.into();
        let mut open = lock();
        // Another thread may have read the page meanwhile: this document
        // counts against its entry.
        if Self::take_open(&mut open, (feed, number)).is_none() && documents > 1 {
            open.insert((feed, number), (Arc::clone(&items), documents - 1));
        }
        Ok(items)
    }

    /// The items of an open page, counting one more document as served and
    /// letting the page go after its last.
    fn take_open(open: &mut HashMap<(usize, usize), Open>, key: (usize, usize)) -> Option<Arc<[Arc<Item>]>> {
        let (items, left) = open.get_mut(&key)?;
        let items = Arc::clone(items);
        *left -= 1;
        if *left == 0 {
            open.remove(&key);
        }
        Some(items)
    }
}

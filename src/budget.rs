//! Stage 2c, with `max_bytes` set: every feed's subscription document
//! within a size budget.
//!
//! Mobile readers and aggregators give up on large feeds, and a count
//! limit does not bound size: fifty items with full bodies can weigh
//! megabytes. A feed whose document would exceed the budget in any format
//! keeps its newest items that fit in every format (at least one, however
//! large), so that a reader switching formats sees the same list. The
//! items left out are older than every item kept, so with archives on they
//! go to the archive documents like any other older item.
//!
//! A document's size grows with its items, so the largest count that fits
//! is found by bisection, each step rendering the feed in every format.
//! With archives on, each step measures the document with a link to the
//! longest archive name there can be, since which archive it will link to
//! is only known once the feed is cut.

use std::sync::Arc;

use rayon::iter::{IndexedParallelIterator, IntoParallelRefMutIterator, ParallelIterator};

use crate::model::{Feed, Format, Item, Site};
use crate::render::{RenderError, subscription_size};

/// The budget and what the documents are measured with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget<'a> {
    /// The largest a subscription document may be, in bytes.
    pub max_bytes: u64,
    /// Feed-level facts the documents show.
    pub site: &'a Site,
    /// The formats built: every one must fit.
    pub formats: &'a [Format],
    /// Whether documents link to archives.
    pub archives: bool,
}

impl Budget<'_> {
    /// Cut every feed to its newest items that fit, on all cores; returns
    /// how many items each feed left out, by feed. Where `known` says how
    /// many to leave out (the build cache knows, from the last build of
    /// the same items), that many are, unmeasured.
    pub(crate) fn trim(&self, feeds: &mut [Feed], known: &[Option<usize>]) -> Result<Vec<usize>, RenderError> {
        feeds
            .par_iter_mut()
            .enumerate()
            .map(|(index, feed)| {
                let keep = match known.get(index).copied().flatten() {
                    Some(left_out) => feed.items.len().saturating_sub(left_out),
                    None => self.items_that_fit(feed)?,
                };
                let left_out = feed.items.len() - keep;
                feed.items.truncate(keep);
                Ok(left_out)
            })
            .collect()
    }

    /// How many of `feed`'s newest items fit: all of them, or the largest
    /// count from 1 that fits in every format.
    fn items_that_fit(&self, feed: &Feed) -> Result<usize, RenderError> {
        let count = feed.items.len();
        if count <= 1 || self.fits(feed, &feed.items)? {
            return Ok(count);
        }
        // `fits` holds at `low` (or `low` is 1, kept whatever its size) and
        // fails at `high`.
        let (mut low, mut high) = (1, count);
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if self.fits(feed, &feed.items[..middle])? {
                low = middle;
            } else {
                high = middle;
            }
        }
        Ok(low)
    }

    /// Whether `feed` holding only `items` fits in every format.
    fn fits(&self, feed: &Feed, items: &[Arc<Item>]) -> Result<bool, RenderError> {
        let cut = Feed { items: items.to_vec(), ..feed.without_items() };
        for &format in self.formats {
            if subscription_size(&cut, self.site, format, self.archives)? as u64 > self.max_bytes {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

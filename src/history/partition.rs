//! How a feed's archive is split into documents: one per calendar month,
//! and a month with more items than a document holds (`archive_items`)
//! into several.
//!
//! A page's items depend only on the items of its own month, so a new
//! record (dated after the rest) changes no page but the newest, and a
//! back-dated or deleted one only the pages of its month. Pages of one
//! month are counted from its oldest item, so they too fill up in order.

use chrono::{DateTime, Datelike, Utc};

/// One archive document of a feed, before its items are placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sheet {
    /// The document's name in its feed's archive folder: `2026-03` for the
    /// month's first page, `2026-03.2` for the next.
    pub name: String,
    /// How many items it holds.
    pub count: usize,
}

/// Split items, given by their publication dates oldest first, into pages
/// of at most `per_page` items (at least one): oldest page first.
pub(crate) fn partition(dates: impl IntoIterator<Item = DateTime<Utc>>, per_page: usize) -> Vec<Sheet> {
    let per_page = per_page.max(1);
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut current: Option<((i32, u32), usize)> = None;
    for date in dates {
        let month = (date.year(), date.month());
        match &mut current {
            Some((open, part)) if *open == month => {
                let last = sheets.last_mut().expect("a page of this month is open");
                if last.count < per_page {
                    last.count += 1;
                    continue;
                }
                *part += 1;
                sheets.push(Sheet { name: format!("{}.{part}", month_name(month)), count: 1 });
            }
            _ => {
                current = Some((month, 1));
                sheets.push(Sheet { name: month_name(month), count: 1 });
            }
        }
    }
    sheets
}

/// `2026-03`: the year (records' years have four digits) and the month.
fn month_name((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{text}T12:00:00Z")).unwrap().into()
    }

    fn names(sheets: &[Sheet]) -> Vec<(&str, usize)> {
        sheets.iter().map(|sheet| (sheet.name.as_str(), sheet.count)).collect()
    }

    #[test]
    fn each_month_is_a_page_and_a_full_month_goes_on_over_numbered_pages() {
        let dates = ["2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-03-01"];
        let sheets = partition(dates.map(day), 2);
        assert_eq!(
            names(&sheets),
            [("2025-12", 1), ("2026-01", 2), ("2026-01.2", 2), ("2026-01.3", 1), ("2026-03", 1)]
        );
    }

    #[test]
    fn a_newer_item_changes_only_the_newest_page() {
        let dates: Vec<_> = ["2026-01-01", "2026-01-02", "2026-02-01", "2026-02-02", "2026-02-03"].map(day).into();
        let before = partition(dates.clone(), 2);
        let after = partition(dates.iter().copied().chain([day("2026-02-04")]), 2);
        assert_eq!(before[..before.len() - 1], after[..before.len() - 1]);
        assert_eq!(names(&after[before.len() - 1..]), [("2026-02.2", 2)]);
    }

    #[test]
    fn a_back_dated_item_changes_only_its_month() {
        let dates: Vec<_> = ["2026-01-01", "2026-01-02", "2026-02-01", "2026-03-01"].map(day).into();
        let mut back_dated = dates.clone();
        back_dated.insert(2, day("2026-01-20"));
        let (before, after) = (partition(dates, 2), partition(back_dated, 2));
        assert_eq!(names(&before), [("2026-01", 2), ("2026-02", 1), ("2026-03", 1)]);
        assert_eq!(names(&after), [("2026-01", 2), ("2026-01.2", 1), ("2026-02", 1), ("2026-03", 1)]);
    }

    #[test]
    fn no_items_make_no_pages() {
        assert!(partition([], 200).is_empty());
    }
}

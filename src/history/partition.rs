//! How a feed's archive is split into documents: one per calendar year,
//! and a year with more items than a document holds (`archive_items`)
//! into several, counted from the year's oldest item.
//!
//! A page's items depend only on the items of its own year, so a new
//! record (dated after the rest) changes no page but the newest, and a
//! back-dated or deleted one only the pages of its year from its place on.
//! Years rather than months: most feeds of a site (a topic, a provider)
//! publish a few items a month, and a page per month would make many small
//! documents, each one more file to write and one more request for a
//! reader walking the history.

use chrono::{DateTime, Datelike, Utc};

/// One archive document of a feed, before its items are placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sheet {
    /// The document's name in its feed's archive folder: `2026` for the
    /// year's first page, `2026.2` for the next.
    pub name: String,
    /// How many items it holds.
    pub count: usize,
}

/// Split items, given by their publication dates oldest first, into pages
/// of at most `per_page` items (at least one): oldest page first.
pub(crate) fn partition(dates: impl IntoIterator<Item = DateTime<Utc>>, per_page: usize) -> Vec<Sheet> {
    let per_page = per_page.max(1);
    let mut sheets: Vec<Sheet> = Vec::new();
    let mut current: Option<(i32, usize)> = None;
    for date in dates {
        let year = date.year();
        match &mut current {
            Some((open, part)) if *open == year => {
                let last = sheets.last_mut().expect("a page of this year is open");
                if last.count < per_page {
                    last.count += 1;
                    continue;
                }
                *part += 1;
                sheets.push(Sheet { name: format!("{year}.{part}"), count: 1 });
            }
            _ => {
                current = Some((year, 1));
                sheets.push(Sheet { name: year.to_string(), count: 1 });
            }
        }
    }
    sheets
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
    fn each_year_is_a_page_and_a_full_year_goes_on_over_numbered_pages() {
        let dates = ["2024-12-31", "2025-01-01", "2025-03-02", "2025-06-03", "2025-09-04", "2025-12-05", "2027-03-01"];
        let sheets = partition(dates.map(day), 2);
        assert_eq!(names(&sheets), [("2024", 1), ("2025", 2), ("2025.2", 2), ("2025.3", 1), ("2027", 1)]);
    }

    #[test]
    fn a_newer_item_changes_only_the_newest_page() {
        let dates: Vec<_> = ["2025-01-01", "2025-02-02", "2026-02-01", "2026-03-02", "2026-04-03"].map(day).into();
        let before = partition(dates.clone(), 2);
        let after = partition(dates.iter().copied().chain([day("2026-05-04")]), 2);
        assert_eq!(before[..before.len() - 1], after[..before.len() - 1]);
        assert_eq!(names(&after[before.len() - 1..]), [("2026.2", 2)]);
    }

    #[test]
    fn a_back_dated_item_changes_only_its_year() {
        let dates: Vec<_> = ["2025-01-01", "2025-02-02", "2026-02-01", "2027-03-01"].map(day).into();
        let mut back_dated = dates.clone();
        back_dated.insert(2, day("2025-07-20"));
        let (before, after) = (partition(dates, 2), partition(back_dated, 2));
        assert_eq!(names(&before), [("2025", 2), ("2026", 1), ("2027", 1)]);
        assert_eq!(names(&after), [("2025", 2), ("2025.2", 1), ("2026", 1), ("2027", 1)]);
    }

    #[test]
    fn no_items_make_no_pages() {
        assert!(partition([], 200).is_empty());
    }
}

//! How a feed's archive is split into documents: one per calendar year,
//! and a year with more items than a document holds (`archive_items`, and
//! with `max_bytes`, as many bytes as fit) into several, counted from the
//! year's oldest item.
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

/// Split items, given by their publication dates and weights (bytes they
/// add to a document) oldest first, into pages of at most `per_page` items
/// (at least one) whose weights add up to at most `room`, unless one item
/// alone weighs more: oldest page first.
pub(crate) fn partition(
    items: impl IntoIterator<Item = (DateTime<Utc>, u64)>,
    per_page: usize,
    room: u64,
) -> Vec<Sheet> {
    let per_page = per_page.max(1);
    let mut sheets: Vec<Sheet> = Vec::new();
    // The year of the open page, its number in the year and its weight.
    let mut current: Option<(i32, usize, u64)> = None;
    for (date, weight) in items {
        let year = date.year();
        match &mut current {
            Some((open, part, used)) if *open == year => {
                let last = sheets.last_mut().expect("a page of this year is open");
                if last.count < per_page && used.saturating_add(weight) <= room {
                    last.count += 1;
                    *used += weight;
                    continue;
                }
                *part += 1;
                *used = weight;
                sheets.push(Sheet { name: format!("{year}.{part}"), count: 1 });
            }
            _ => {
                current = Some((year, 1, weight));
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

    fn unweighted(date: DateTime<Utc>) -> (DateTime<Utc>, u64) {
        (date, 0)
    }

    fn names(sheets: &[Sheet]) -> Vec<(&str, usize)> {
        sheets.iter().map(|sheet| (sheet.name.as_str(), sheet.count)).collect()
    }

    #[test]
    fn each_year_is_a_page_and_a_full_year_goes_on_over_numbered_pages() {
        let dates = ["2024-12-31", "2025-01-01", "2025-03-02", "2025-06-03", "2025-09-04", "2025-12-05", "2027-03-01"];
        let sheets = partition(dates.map(day).map(unweighted), 2, u64::MAX);
        assert_eq!(names(&sheets), [("2024", 1), ("2025", 2), ("2025.2", 2), ("2025.3", 1), ("2027", 1)]);
    }

    #[test]
    fn a_newer_item_changes_only_the_newest_page() {
        let dates: Vec<_> = ["2025-01-01", "2025-02-02", "2026-02-01", "2026-03-02", "2026-04-03"].map(day).into();
        let before = partition(dates.clone().into_iter().map(unweighted), 2, u64::MAX);
        let after = partition(dates.iter().copied().chain([day("2026-05-04")]).map(unweighted), 2, u64::MAX);
        assert_eq!(before[..before.len() - 1], after[..before.len() - 1]);
        assert_eq!(names(&after[before.len() - 1..]), [("2026.2", 2)]);
    }

    #[test]
    fn a_back_dated_item_changes_only_its_year() {
        let dates: Vec<_> = ["2025-01-01", "2025-02-02", "2026-02-01", "2027-03-01"].map(day).into();
        let mut back_dated = dates.clone();
        back_dated.insert(2, day("2025-07-20"));
        let unweighted_pages = |dates: Vec<DateTime<Utc>>| partition(dates.into_iter().map(unweighted), 2, u64::MAX);
        let (before, after) = (unweighted_pages(dates), unweighted_pages(back_dated));
        assert_eq!(names(&before), [("2025", 2), ("2026", 1), ("2027", 1)]);
        assert_eq!(names(&after), [("2025", 2), ("2025.2", 1), ("2026", 1), ("2027", 1)]);
    }

    #[test]
    fn a_page_holds_what_fits_in_its_room_and_at_least_one_item() {
        let items =
            [("2025-01-01", 40), ("2025-02-01", 50), ("2025-03-01", 20), ("2025-04-01", 500), ("2025-05-01", 1)];
        let sheets = partition(items.map(|(date, weight)| (day(date), weight)), 10, 100);
        assert_eq!(names(&sheets), [("2025", 2), ("2025.2", 1), ("2025.3", 1), ("2025.4", 1)]);
    }

    #[test]
    fn no_items_make_no_pages() {
        assert!(partition([], 200, u64::MAX).is_empty());
    }
}

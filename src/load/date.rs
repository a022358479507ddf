//! Timestamps in the three spellings records use.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};

/// What a date error tells the user to write instead.
pub(super) const EXPECTED_DATE: &str = "expected an RFC 3339 date such as 2020-11-12T20:30:00Z, \
     `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999";

/// The years a feed can state: RSS dates (RFC 822/2822) start at 1900 and
/// both RSS and Atom dates have four-digit years. chrono parses wider years
/// (`-025-11-20`), which no feed format can write.
pub(super) const YEARS: RangeInclusive<i32> = 1900..=9999;

/// Parse RFC 3339 (`2020-11-12T20:30:00Z`), Jekyll's `2020-11-12 20:30:00 +0100`
/// or a bare date (midnight UTC). A date and time without an offset is taken
/// as UTC, since records carry no time zone setting.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    parse_any_year(text.trim()).filter(|at| YEARS.contains(&at.year()))
}

fn parse_any_year(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.to_utc());
    }
    for format in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.to_utc());
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        parse_timestamp(text).map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn accepts_the_three_documented_spellings() {
        assert_eq!(utc("2020-11-12T20:30:00Z"), "2020-11-12T20:30:00+00:00");
        assert_eq!(utc("2020-11-12 21:30:00 +0100"), "2020-11-12T20:30:00+00:00");
        assert_eq!(utc("2020-11-12"), "2020-11-12T00:00:00+00:00");
    }

    #[test]
    fn accepts_offsets_and_times_without_zone() {
        assert_eq!(utc("2020-11-12T22:30:00+02:00"), "2020-11-12T20:30:00+00:00");
        assert_eq!(utc("2020-11-12 20:30:00"), "2020-11-12T20:30:00+00:00");
    }

    #[test]
    fn accepts_the_first_and_last_years_a_feed_can_state() {
        assert_eq!(utc("1900-01-01"), "1900-01-01T00:00:00+00:00");
        assert_eq!(utc("9999-12-31T23:59:59+00:00"), "9999-12-31T23:59:59+00:00");
        assert_eq!(parse_timestamp("+10000-01-01T00:00:00Z"), None);
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in ["yesterday", "", "2020-13-01", "12/11/2020", "2020-11-12T25:00:00Z", "-025-11-20", "1899-12-31"] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}

//! Timestamps in the three spellings records use.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// What a date error tells the user to write instead.
pub const EXPECTED_DATE: &str =
    "expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12";

/// Parse RFC 3339 (`2020-11-12T20:30:00Z`), Jekyll's `2020-11-12 20:30:00 +0100`
/// or a bare date (midnight UTC). A date and time without an offset is taken
/// as UTC, since records carry no time zone setting.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
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
    fn refuses_what_is_not_a_date() {
        for text in ["yesterday", "", "2020-13-01", "12/11/2020", "2020-11-12T25:00:00Z"] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}

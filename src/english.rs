//! Counts in messages, worded as English reads them: `1 record`, `2 records`.

/// `count` and `noun`, plural unless the count is one: "1 file", "2 files",
/// "0 warnings". For nouns whose plural adds an `s`, as every noun feedgen
/// counts does.
pub fn counted(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1, "record"), "1 record");
        assert_eq!(counted(0, "problem"), "0 problems");
        assert_eq!(counted(2, "duplicate"), "2 duplicates");
    }
}

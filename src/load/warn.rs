//! What `feedgen check` warns about in a record that is valid: keys
//! feedgen does not know, and a date in the future. A build would go ahead
//! with either, but probably not as the author meant.

use super::WarnOptions;
use super::front_matter::{Locator, Position};
use super::problem::RecordProblem;
use super::unknown::SkippedKey;
use crate::model::Record;

/// The warnings about `record`, whose front matter is `yaml` and whose
/// deserialising skipped the keys `skipped`.
pub(super) fn warnings(
    record: &Record,
    yaml: &str,
    skipped: &[SkippedKey],
    options: WarnOptions,
) -> Vec<RecordProblem> {
    let path = &record.source;
    let mut warnings: Vec<RecordProblem> =
        skipped.iter().filter(|key| !key.is_known()).map(|key| key.warning(path, yaml)).collect();
    if let Some(now) = options.future_after.filter(|now| record.published > *now) {
        let at = Locator::new(yaml).key("publishedDateTime").unwrap_or(Position::START);
        let message = format!(
            "publishedDateTime: {} is in the future (now is {}); a build leaves the record out until then",
            record.published.format("%Y-%m-%dT%H:%M:%SZ"),
            now.format("%Y-%m-%dT%H:%M:%SZ")
        );
        let hint = "pass --future, or set `future: true` in feedgen.yaml, to build it anyway";
        warnings.push(RecordProblem::new(path, Some(at), message).with_hint(hint));
    }
    warnings
}

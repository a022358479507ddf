//! Keys in a record that feedgen does not know. A build ignores them (the
//! contract says unknown fields are ignored), but a typo such as
//! `publishedDatetime` silently leaves a field unset, so `feedgen check`
//! warns about each, at its line, with the key it was probably meant to be;
//! and when the field it leaves unset is a required one, the error about
//! the missing field points at the typo ([`SkippedKey::misspelling_of`]).

use std::path::Path;

use super::excerpt::{line_may_show_secret, opens_secret};
use super::front_matter::{Position, YAML_FIRST_LINE};
use super::problem::RecordProblem;
use super::raw::{IMAGE_KEYS, PROVIDER_KEYS, RECORD_KEYS, RawRecord};
use super::yaml;

/// Hints list the keys feedgen reads when there are at most this many.
const SHORT_LIST: usize = 6;

/// One step from the top of the front matter to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A key that deserialising skipped, as the path to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SkippedKey {
    steps: Vec<Step>,
}

impl SkippedKey {
    /// The key at `path`, as `serde_ignored` reports it.
    pub(super) fn from_path(path: &serde_ignored::Path) -> Self {
        let mut steps = Vec::new();
        let mut at = path;
        loop {
            at = match at {
                serde_ignored::Path::Root => break,
                serde_ignored::Path::Seq { parent, index } => {
                    steps.push(Step::Index(*index));
                    parent
                }
                serde_ignored::Path::Map { parent, key } => {
                    steps.push(Step::Key(key.clone()));
                    parent
                }
                serde_ignored::Path::Some { parent }
                | serde_ignored::Path::NewtypeStruct { parent }
                | serde_ignored::Path::NewtypeVariant { parent } => parent,
            };
        }
        steps.reverse();
        SkippedKey { steps }
    }

    /// The names of the keys on the path, without list indexes.
    fn keys(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|step| match step {
                Step::Key(key) => Some(key.as_str()),
                Step::Index(_) => None,
            })
            .collect()
    }

    /// The keys feedgen knows in the mapping that holds this key.
    fn known_here(&self) -> &'static [&'static str] {
        let keys = self.keys();
        match keys.split_last().map(|(_, parents)| parents) {
            Some([] | ["related"]) => RECORD_KEYS,
            Some([.., "provider"]) => PROVIDER_KEYS,
            Some([.., "images"]) => IMAGE_KEYS,
            _ => &[],
        }
    }

    /// Whether the key is one feedgen knows and skips on purpose: `secured`,
    /// and the fields of a `related` entry that feeds do not show.
    pub(super) fn is_known(&self) -> bool {
        self.keys().last().is_some_and(|key| self.known_here().contains(key))
    }

    /// `provider.nmae`, `related[1].provider.nmae`: the path as messages
    /// name fields, cut short if a key is very long.
    /// With `key_shown` false, the key itself is `…`.
    fn name(&self, key_shown: bool) -> String {
        let mut name = String::new();
        for (index, step) in self.steps.iter().enumerate() {
            let key =
                |key: &str| if key_shown || index + 1 < self.steps.len() { shortened(key) } else { "…".to_owned() };
            match step {
                Step::Key(text) if name.is_empty() => name.push_str(&key(text)),
                Step::Key(text) => name.push_str(&format!(".{}", key(text))),
                Step::Index(index) => name.push_str(&format!("[{index}]")),
            }
        }
        name
    }

    /// The known key this one is probably a misspelling of ([`nearest`]).
    fn meant(&self) -> Option<&'static str> {
        nearest(self.keys().last()?, self.known_here())
    }

    /// Where this key is written in the front matter `yaml`, and whether it
    /// may be named there: only when it is found on a line that cannot be
    /// part of a `secured` value (a broken record can turn a secured
    /// value's line into a key of its own).
    fn placed(&self, yaml: &str) -> (Option<Position>, bool) {
        let (position, exact) = locate(yaml, &self.keys());
        let nameable =
            exact && position.is_some_and(|at| !line_may_show_secret(yaml, at.line.saturating_sub(YAML_FIRST_LINE)));
        (position, nameable)
    }

    /// Where the front matter `yaml` writes this key, when it is a
    /// top-level key that is probably a misspelling of one of `wanted`
    /// (and which), and may be named.
    pub(super) fn misspelling_of(&self, wanted: &[&str], yaml: &str) -> Option<(Position, &'static str)> {
        let meant = self.meant().filter(|meant| self.steps.len() == 1 && wanted.contains(meant))?;
        match self.placed(yaml) {
            (Some(at), true) => Some((at, meant)),
            _ => None,
        }
    }

    /// The warning for this key in the record at `path`, whose front matter
    /// is `yaml`. The key is named only where [`SkippedKey::placed`] allows.
    pub(super) fn warning(&self, path: &Path, yaml: &str) -> RecordProblem {
        let (position, key_shown) = self.placed(yaml);
        let message = format!("{}: unknown key, ignored", self.name(key_shown));
        let hint = match self.meant() {
            _ if !key_shown => "its name is not shown: it may be part of a `secured` value".to_owned(),
            Some(known) => format!("did you mean `{known}`?"),
            None if self.known_here().is_empty() => "feedgen reads no keys here".to_owned(),
            None if self.known_here().len() > SHORT_LIST => {
                "feedgen reads only the keys listed in docs/records.md; remove it unless another tool reads it"
                    .to_owned()
            }
            None => format!("the keys feedgen reads here are {}", self.known_here().join(", ")),
        };
        RecordProblem::new(path, position, message).with_hint(hint).about_key()
    }
}

/// The key of `known` that `key` is probably a misspelling of: the same
/// but for case, or at most two edits away (the closest; on a tie, the
/// first in byte order).
pub(crate) fn nearest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let key = key.to_lowercase();
    known
        .iter()
        .map(|known| (strsim::levenshtein(&key, &known.to_lowercase()), *known))
        .filter(|&(distance, _)| distance <= 2)
        .min()
        .map(|(_, known)| known)
}

/// The keys of the front matter `yaml` that a record does not read, as
/// deserialising it finds them (none when it does not deserialise). For
/// the rare look a record with a missing field needs; a valid record's
/// keys are collected while it is read, when `feedgen check` asks.
pub(super) fn skipped_keys(yaml: &str) -> Vec<SkippedKey> {
    let mut skipped = Vec::new();
    match yaml::deserialize::<RawRecord>(yaml, Some(&mut skipped)) {
        Ok(_) => skipped,
        Err(_) => Vec::new(),
    }
}

/// A key for a message: at most 40 characters, escaped like a Rust string;
/// `…` for a key that mentions `secured` without being it (a `secured`
/// line that lost its space, `secured:"value"`, is one key to YAML).
pub(crate) fn shortened(key: &str) -> String {
    const LIMIT: usize = 40;
    if key != "secured" && opens_secret(key) {
        return "…".to_owned();
    }
    let mut shown: String = key.chars().take(LIMIT).collect();
    if key.chars().count() > LIMIT {
        shown.push('…');
    }
    let escaped = format!("{shown:?}");
    let plain = !shown.is_empty() && escaped.len() == shown.len() + 2 && !shown.contains([' ', '.', '[']);
    if plain { shown } else { escaped }
}

/// Where `text` (from `from`, in bytes) writes `key` as a mapping key:
/// the key, maybe quoted, then `:`, after the start of the line, a space,
/// `{`, `,` or `-`. Returns the key's byte offset.
fn key_in(text: &str, from: usize, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let mut start = from;
    while let Some(found) = text.get(start..)?.find(key).map(|offset| start + offset) {
        let before = text[..found].trim_end_matches(['"', '\'']);
        let after = text[found + key.len()..].trim_start_matches(['"', '\'']).trim_start_matches([' ', '\t']);
        let bounded = before.is_empty() || before.ends_with([' ', '\t', '{', ',', '-']);
        if bounded && after.starts_with(':') {
            return Some(before.len());
        }
        start = found + key.len();
    }
    None
}

/// Where the key at the end of `keys` is written, and whether it was found
/// there: a top-level key at the start of its line; a nested one at its
/// first spelling in the block of its top-level key (the index in a list is
/// not followed); failing that, at that top-level key (not found).
fn locate(yaml: &str, keys: &[&str]) -> (Option<Position>, bool) {
    let Some(top) = keys.first() else { return (None, false) };
    let lines: Vec<&str> = yaml.lines().collect();
    let Some(top_line) = lines.iter().position(|line| key_in(line, 0, top) == Some(0)) else { return (None, false) };
    let position = |index: usize, byte: usize| Position {
        line: index + YAML_FIRST_LINE,
        column: lines[index][..byte].chars().count() + 1,
    };
    let Some(key) = keys.last().filter(|_| keys.len() > 1) else { return (Some(position(top_line, 0)), true) };
    let after_top_key = lines[top_line].find(':').map_or(0, |colon| colon + 1);
    let in_block = |line: &&str| line.trim().is_empty() || line.starts_with([' ', '\t', '-', '#']);
    let block =
        std::iter::once(top_line).chain((top_line + 1..lines.len()).take_while(|&index| in_block(&lines[index])));
    let found = block
        .filter_map(|index| {
            let from = if index == top_line { after_top_key } else { 0 };
            key_in(lines[index], from, key).map(|byte| position(index, byte))
        })
        .next();
    match found {
        Some(at) => (Some(at), true),
        None => (Some(position(top_line, 0)), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(steps: &[&str]) -> SkippedKey {
        let steps =
            steps.iter().map(|step| step.parse().map_or_else(|_| Step::Key((*step).to_owned()), Step::Index)).collect();
        SkippedKey { steps }
    }

    #[test]
    fn secured_and_unused_related_fields_are_known() {
        assert!(skipped(&["secured"]).is_known());
        assert!(skipped(&["related", "0", "ampWebUrl"]).is_known());
        assert!(skipped(&["related", "0", "secured"]).is_known());
        assert!(!skipped(&["publishedDatetime"]).is_known());
        assert!(!skipped(&["provider", "secured"]).is_known());
        assert!(!skipped(&["images", "0", "alt"]).is_known());
    }

    #[test]
    fn a_misspelt_key_names_the_key_it_was_meant_to_be() {
        let yaml = "title: T\npublishedDatetime: 2020-01-01\nprovider:\n  nmae: N\nimages:\n- url: x\n  widht: 3\n";
        let cases = [
            (
                &["publishedDatetime"][..],
                "publishedDatetime: unknown key, ignored",
                "did you mean `publishedDateTime`?",
                (3, 1),
            ),
            (&["provider", "nmae"], "provider.nmae: unknown key, ignored", "did you mean `name`?", (5, 3)),
            (&["images", "0", "widht"], "images[0].widht: unknown key, ignored", "did you mean `width`?", (8, 3)),
        ];
        for (steps, message, hint, (line, column)) in cases {
            let warning = skipped(steps).warning(Path::new("r.md"), yaml);
            assert_eq!(warning.message, message);
            assert_eq!(warning.hint.as_deref(), Some(hint));
            assert_eq!(warning.position, Some(Position { line, column }), "{steps:?}");
        }
    }

    #[test]
    fn a_key_unlike_any_lists_the_keys_read_there() {
        let warning = skipped(&["provider", "logo"]).warning(Path::new("r.md"), "provider: {name: N, logo: x}\n");
        assert_eq!(warning.hint.as_deref(), Some("the keys feedgen reads here are name, domain, images"));
        assert_eq!(warning.position, Some(Position { line: 2, column: 21 }));
    }

    #[test]
    fn a_key_that_may_be_part_of_a_secured_value_is_not_named() {
        let warning = skipped(&["HIDDENKEY"]).warning(Path::new("r.md"), "secured: >-\n\nHIDDENKEY:\ntitle: T\n");
        assert_eq!(warning.message, "…: unknown key, ignored");
        assert_eq!(warning.position, Some(Position { line: 4, column: 1 }));
        let unplaced = skipped(&["provider", "HIDDENKEY"]).warning(Path::new("r.md"), "provider: {}\n");
        assert_eq!(unplaced.message, "provider.…: unknown key, ignored");
    }

    #[test]
    fn an_empty_key_is_placed_at_its_top_level_key() {
        let warning = skipped(&["provider", ""]).warning(Path::new("r.md"), "provider:\n  \"\": x\n");
        assert_eq!(warning.position, Some(Position { line: 2, column: 1 }));
        assert_eq!(skipped(&[""]).warning(Path::new("r.md"), "\"\": x\n").position, None);
    }

    #[test]
    fn odd_keys_are_escaped_and_shortened() {
        assert_eq!(shortened("a b"), "\"a b\"");
        assert_eq!(shortened("x\u{1b}"), "\"x\\u{1b}\"");
        assert_eq!(shortened(&"k".repeat(50)).chars().count(), 41);
        assert_eq!(shortened("secured:\"SECRET\""), "…");
        assert_eq!(shortened("secured"), "secured");
    }
}

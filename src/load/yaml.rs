//! YAML through serde_yaml: deserialising front matter (with YAML merge
//! keys), and turning serde_yaml's errors into messages in file coordinates
//! that never quote a value, with a hint.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::front_matter::Position;
use super::unknown::SkippedKey;

/// Deserialise front matter, applying YAML merge keys (`<<: *defaults`)
/// when a mapping holds one. Jekyll's YAML honours them and serde_yaml would
/// silently ignore them, which would publish a draft whose `published:
/// false` comes from a merged mapping.
///
/// Merging needs a detour through `serde_yaml::Value`, whose errors carry no
/// position and whose conversions are stricter, so it is taken only when
/// the front matter really holds a merge key; if it fails, the error of the
/// direct parse is reported when there is one, for its position.
///
/// With `skipped`, every key that `T` does not read is collected there (for
/// `feedgen check`'s warnings; a build does not pay for it).
pub(super) fn deserialize<T: DeserializeOwned>(
    yaml: &str,
    skipped: Option<&mut Vec<SkippedKey>>,
) -> Result<T, serde_yaml::Error> {
    let merged = yaml
        .contains("<<")
        .then(|| serde_yaml::from_str::<serde_yaml::Value>(yaml).ok())
        .flatten()
        .filter(has_merge_key);
    let Some(mut value) = merged else { return read(serde_yaml::Deserializer::from_str(yaml), skipped) };
    let merged = value.apply_merge().and_then(|()| read(value, skipped));
    merged.or_else(|error| read::<T, _>(serde_yaml::Deserializer::from_str(yaml), None).and(Err(error)))
}

/// `T` from `deserializer`, noting skipped keys in `skipped` if given.
fn read<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
    skipped: Option<&mut Vec<SkippedKey>>,
) -> Result<T, D::Error> {
    match skipped {
        Some(skipped) => {
            skipped.clear();
            serde_ignored::deserialize(deserializer, |path| skipped.push(SkippedKey::from_path(&path)))
        }
        None => T::deserialize(deserializer),
    }
}

/// Whether any mapping in `value` has a `<<` key.
fn has_merge_key(value: &serde_yaml::Value) -> bool {
    match value {
        serde_yaml::Value::Mapping(mapping) => mapping.contains_key("<<") || mapping.values().any(has_merge_key),
        serde_yaml::Value::Sequence(items) => items.iter().any(has_merge_key),
        serde_yaml::Value::Tagged(tagged) => has_merge_key(&tagged.value),
        _ => false,
    }
}

/// `message` without the double-quoted text serde puts in it (`invalid
/// type: string "x", expected i64` becomes `invalid type: string, expected
/// i64`; `duplicate entry with key "k"` loses `"k"`). The text could be
/// anything a user pasted, such as a `secured` value that lost its key, and
/// must not reach a log; the error's position still points at it.
fn without_quoted_text(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find('"') {
        out.push_str(rest[..at].strip_suffix(' ').unwrap_or(&rest[..at]));
        let quoted = &rest[at + 1..];
        let mut escaped = false;
        let end = quoted
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(quoted.len(), |(index, _)| index + 1);
        rest = &quoted[end..];
    }
    out.push_str(rest);
    out
}

/// One place serde_yaml names in a message: where the text ` at line L
/// column C` (YAML coordinates) or ` at position N` (a byte offset into the
/// YAML) starts and ends, and the file position it means.
struct NamedPlace {
    start: usize,
    end: usize,
    at: Position,
    is_offset: bool,
}

/// The decimal number at the start of `text`, and its length.
fn leading_number(text: &str) -> Option<(usize, usize)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    Some((text[..digits].parse().ok()?, digits))
}

/// Every place a serde_yaml message about `yaml` (which starts on file line
/// `first_line`) names, in order. A line number too large to be one (the
/// text of a key can look like a place) is skipped.
fn named_places(message: &str, yaml: &str, first_line: usize) -> Vec<NamedPlace> {
    let mut places = Vec::new();
    let mut from = 0;
    while let Some(found) = message[from..].find(" at ") {
        let start = from + found;
        let after = &message[start + " at ".len()..];
        let place = if let Some(rest) = after.strip_prefix("line ") {
            leading_number(rest).and_then(|(line, line_digits)| {
                let rest = rest[line_digits..].strip_prefix(" column ")?;
                let (column, column_digits) = leading_number(rest)?;
                let length = " at line ".len() + line_digits + " column ".len() + column_digits;
                let at = Position::from_yaml(first_line, line, column)?;
                Some(NamedPlace { start, end: start + length, at, is_offset: false })
            })
        } else if let Some(rest) = after.strip_prefix("position ") {
            leading_number(rest).filter(|&(offset, _)| offset <= yaml.len()).map(|(offset, digits)| {
                let at = Position::in_yaml(yaml, first_line, offset);
                NamedPlace { start, end: start + " at position ".len() + digits, at, is_offset: true }
            })
        } else {
            None
        };
        from = place.as_ref().map_or(start + " at ".len(), |place| place.end);
        places.extend(place);
    }
    places
}

/// A serde_yaml error, said in the coordinates of the file the YAML is in.
#[derive(Debug)]
pub(crate) struct Explained {
    /// The place of the problem, when serde_yaml names one.
    pub position: Option<Position>,
    /// serde_yaml's message without its place and without the text it
    /// quotes; any other place it names (the context: "while scanning a
    /// quoted scalar at …") is in file lines.
    pub message: String,
    /// What to write instead, for the YAML mistakes people make.
    pub hint: Option<&'static str>,
}

/// serde_yaml's `error` about `yaml`, which starts on file line
/// `first_line` (`YAML_FIRST_LINE` for front matter,
/// 1 for a whole YAML file). The place of the problem (a byte offset when
/// the message names one, else the first line and column it names) becomes
/// the position and leaves the message.
pub(crate) fn explain(yaml: &str, first_line: usize, error: &serde_yaml::Error) -> Explained {
    let message = without_quoted_text(&error.to_string());
    let places = named_places(&message, yaml, first_line);
    let primary = places.iter().position(|place| place.is_offset).or((!places.is_empty()).then_some(0));
    let mut rewritten = String::new();
    let mut copied = 0;
    for (index, place) in places.iter().enumerate() {
        rewritten.push_str(&message[copied..place.start]);
        if Some(index) != primary {
            rewritten.push_str(&format!(" at line {} column {}", place.at.line, place.at.column));
        }
        copied = place.end;
    }
    rewritten.push_str(&message[copied..]);
    let position = match primary {
        Some(index) => Some(places[index].at),
        None => error.location().and_then(|at| Position::from_yaml(first_line, at.line(), at.column())),
    };
    let indented_with_tab = position.is_some_and(|at| tab_in_indentation(yaml, first_line, at));
    let hint = if indented_with_tab { Some(TAB_HINT) } else { hint(&rewritten) };
    Explained { position, message: rewritten, hint }
}

/// The hint for a tab where YAML wants spaces.
const TAB_HINT: &str = "indent with spaces, not tabs";

/// Whether the character at `at` (a file position; `yaml` starts on file
/// line `first_line`) is a tab with only spaces and tabs before it on its
/// line: YAML indentation must be spaces, and people indent with tabs.
fn tab_in_indentation(yaml: &str, first_line: usize, at: Position) -> bool {
    let Some(line) = at.line.checked_sub(first_line).and_then(|index| yaml.lines().nth(index)) else {
        return false;
    };
    let before = at.column.saturating_sub(1);
    let mut chars = line.chars();
    chars.by_ref().take(before).all(|c| c == ' ' || c == '\t') && chars.next() == Some('\t')
}

/// What to write instead, for the YAML mistakes people make; `message` is
/// one from [`explain`].
fn hint(message: &str) -> Option<&'static str> {
    const HINTS: [(&str, &str); 12] = [
        ("mapping values are not allowed", "quote a value that contains `: `, as in title: \"Rust: a guide\""),
        ("did not find expected key", "keys of one mapping start in the same column; check the indentation"),
        ("could not find expected ':'", "each line of front matter is `key: value`; check for a missing colon"),
        ("found character that cannot start any token", "quote a value that starts with @, ` or a tab"),
        (
            "control characters are not allowed",
            "remove the control character, or write it escaped in double quotes (\"\\x01\")",
        ),
        ("found unexpected end of stream", "close the quote or bracket that was opened"),
        ("expected i64", "write a whole number, without quotes"),
        ("expected usize", "write a whole number, 0 or more, without quotes"),
        ("expected u32", "write a whole number of pixels, without quotes"),
        ("expected a boolean", "write true or false"),
        ("expected a sequence", "write a list: `[a, b]`, or one `- item` per line"),
        ("expected a string", "write text, in quotes if it starts with a character YAML reserves ([, {, &, *, !)"),
    ];
    HINTS.iter().find(|(found, _)| message.contains(found)).map(|&(_, hint)| hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_cut_from_messages() {
        assert_eq!(
            without_quoted_text(r#"invalid type: string "a \" b", expected i64"#),
            "invalid type: string, expected i64"
        );
        assert_eq!(without_quoted_text(r#"duplicate entry with key "SECRET""#), "duplicate entry with key");
        assert_eq!(without_quoted_text(r#"unclosed "quote"#), "unclosed");
    }

    fn explained(yaml: &str) -> Explained {
        let error = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        explain(yaml, 2, &error)
    }

    #[test]
    fn a_tab_in_the_indentation_says_to_indent_with_spaces() {
        for yaml in ["provider:\n\tname: X\n", "provider:\n  \tname: X\n", "title: T\n\tlink: x\n"] {
            assert_eq!(explained(yaml).hint, Some(TAB_HINT), "{yaml:?}");
        }
    }

    #[test]
    fn a_character_that_cannot_start_a_token_elsewhere_keeps_its_hint() {
        let found = explained("provider:\n  domain: `x\n");
        assert_eq!(found.position, Some(Position { line: 3, column: 11 }));
        assert_eq!(found.hint, Some("quote a value that starts with @, ` or a tab"));
    }

    #[test]
    fn a_line_number_too_large_is_no_place() {
        assert!(named_places(&format!("bad at line {} column 1", usize::MAX), "", 2).is_empty());
    }
}

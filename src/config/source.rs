//! `feedgen.yaml`'s text, kept so that a problem with a setting can point
//! at it as a record problem does: `FILE:LINE:COL: message`, the line with
//! a caret under the key or value, and what to write instead.

use std::path::{Path, PathBuf};

use super::{ConfigError, ConfigFile};
use crate::load::{Locator, Position, RecordProblem, explain, nearest, shortened};

/// Where a configuration file was read from, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    path: PathBuf,
    text: String,
}

impl ConfigSource {
    /// The file at `path`, whose text is `text`.
    pub(super) fn new(path: &Path, text: String) -> Self {
        ConfigSource { path: path.to_owned(), text }
    }

    /// The file's text.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// A problem at `at` in this file, with the line it points at.
    fn problem(&self, at: Option<Position>, message: String, hint: String) -> RecordProblem {
        RecordProblem::new(&self.path, at, message).with_hint(hint).excerpted_from(&self.text)
    }

    /// serde_yaml's `error` reading this file: where, what, and what to
    /// write instead. A key the file may not hold (serde's `unknown field`)
    /// is named with the key it was probably meant to be, or with every
    /// key it may hold; a value that is not one of a list (`formats:
    /// [pdf]`) likewise; a key written twice is pointed at where it is
    /// written again.
    pub(super) fn parse_error(&self, error: &serde_yaml::Error) -> ConfigError {
        let explained = explain(&self.text, 1, error);
        let locator = Locator::whole_file(&self.text);
        let mut at = explained.position;
        let (message, hint) = if let Some((before, name, known)) = named_and_listed(&explained.message, UNKNOWN_KEY) {
            let hint = suggestion(name, &known)
                .unwrap_or_else(|| format!("the keys {} may hold are {}", self.file_name(), known.join(", ")));
            (format!("{before}{}: unknown key", shortened(name)), hint)
        } else if let Some((before, name, known)) = named_and_listed(&explained.message, UNKNOWN_VALUE) {
            let hint = suggestion(name, &known).unwrap_or_else(|| format!("write one of {}", known.join(", ")));
            (format!("{before}unknown value `{}`", shortened(name)), hint)
        } else if let Some((_, name, _)) = named_and_listed(&explained.message, DUPLICATE_KEY) {
            at = locator.keys(name).nth(1).map(|value| Position { column: 1, ..value }).or(at);
            (format!("{}: written twice", shortened(name)), format!("keep one `{}:` line", shortened(name)))
        } else if explained.message.ends_with(NOT_ONE_OR_MANY) {
            // `input` is the one setting that takes one path or a list.
            at = locator.key("input").or(at);
            (
                "input: not a folder or a list of folders".to_owned(),
                "write one folder, or a list: [articles, more]".to_owned(),
            )
        } else {
            let hint = explained.hint.unwrap_or("docs/configuration.md shows what each key takes");
            (explained.message, hint.to_owned())
        };
        let at = at.unwrap_or(Position::START);
        ConfigError::InFile(Box::new(self.problem(Some(at), message, hint)))
    }

    /// The name of the file, for hints.
    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| self.path.display().to_string(), |name| name.to_string_lossy().into_owned())
    }
}

/// How serde's messages name a key a struct does not have.
const UNKNOWN_KEY: &str = "unknown field `";

/// How serde's messages name a value that is not one of an enum's.
const UNKNOWN_VALUE: &str = "unknown variant `";

/// How serde's messages name a key written twice.
const DUPLICATE_KEY: &str = "duplicate field `";

/// How serde's message ends when a value is neither one path nor a list.
const NOT_ONE_OR_MANY: &str = "data did not match any variant of untagged enum OneOrMany";

/// "did you mean `known`?" when `name` is probably a misspelling of one of `known`.
fn suggestion(name: &str, known: &[&str]) -> Option<String> {
    nearest(name, known).map(|meant| format!("did you mean `{meant}`?"))
}

/// In a serde message that names something after `opening` (say
/// ``unknown variant `pdf`, expected one of `rss`, `atom`, `json` `` after
/// ``unknown variant ` ``): the text before `opening` (the path of the
/// setting), the name, and the names the message lists after it (none when
/// it lists none).
fn named_and_listed<'m>(message: &'m str, opening: &str) -> Option<(&'m str, &'m str, Vec<&'m str>)> {
    let start = message.find(opening)?;
    let rest = &message[start + opening.len()..];
    let end = rest.find("`, ").or_else(|| rest.rfind('`'))?;
    let listed = rest[end + 1..].split('`').skip(1).step_by(2).collect();
    Some((&message[..start], &rest[..end], listed))
}

impl ConfigFile {
    /// Whether the configuration file writes the top-level setting `key`.
    pub(super) fn writes(&self, key: &str) -> bool {
        self.source.as_ref().is_some_and(|source| Locator::whole_file(source.text()).key(key).is_some())
    }

    /// The configuration file's `value` of the top-level setting `key`
    /// is refused for being `what`: at its line when the file's text is
    /// known, else on one line. An empty `value` is not quoted.
    pub(super) fn refuse(&self, key: &str, value: &str, what: &str, hint: &str) -> ConfigError {
        match &self.source {
            Some(source) => {
                let locator = Locator::whole_file(source.text());
                let message = format!("{key}: {what}{}", locator.shown(key, value));
                let at = locator.find_value(key, value).or_else(|| locator.key(key)).unwrap_or(Position::START);
                ConfigError::InFile(Box::new(source.problem(Some(at), message, hint.to_owned())))
            }
            None => ConfigError::Invalid(format!("{key}: {what}{}; {hint}", quoted(value))),
        }
    }
}

/// A flag's or environment variable's `value` is refused for being `what`,
/// on one line: it has no place in a file to point at.
pub(super) fn refuse_given(name: &str, value: &str, what: &str, hint: &str) -> ConfigError {
    ConfigError::Invalid(format!("{name}: {what}{}; {hint}", quoted(value)))
}

/// `: "value"`, or nothing for an empty value.
fn quoted(value: &str) -> String {
    if value.is_empty() { String::new() } else { format!(": {value:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lists_are_read_from_serde_messages() {
        let message = "formats[0]: unknown variant `pdf`, expected one of `rss`, `atom`, `json`";
        assert_eq!(
            named_and_listed(message, "unknown variant `"),
            Some(("formats[0]: ", "pdf", vec!["rss", "atom", "json"]))
        );
        let two = "unknown field `x`, expected `a` or `b`";
        assert_eq!(named_and_listed(two, "unknown field `"), Some(("", "x", vec!["a", "b"])));
        let none = "unknown field `x`, there are no fields";
        assert_eq!(named_and_listed(none, "unknown field `"), Some(("", "x", vec![])));
        assert_eq!(named_and_listed("invalid type: string", "unknown field `"), None);
    }
}

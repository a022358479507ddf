//! Stage 1: reading record files from the input folders.
//!
//! Records marked `published: false` are dropped here, before anything else
//! sees them (unless the build asks for them): that is how "an unpublished
//! record has no effect" is guaranteed rather than hoped for. A draft that is
//! unpublished may also be unfinished, so its other problems are not reported.

mod date;
mod depth;
mod front_matter;
mod raw;
mod validate;

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use date::parse_timestamp;
pub use front_matter::Position;
pub use validate::parse_web_link;

use crate::record::Record;
use front_matter::{Unclosed, YAML_FIRST_LINE};
use raw::{PublishedFlag, PublishedValue, RawRecord};

/// Record files larger than this are refused unread (1 MiB): real records
/// are a few kilobytes, and the cap bounds what one bad file can cost.
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// A problem with one record file, pointing at the spot when it is known.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct RecordError {
    /// The file.
    pub path: PathBuf,
    /// Line and column, when the problem has a place in the file.
    pub position: Option<Position>,
    /// What is wrong and, where useful, what to write instead.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(at) => write!(f, "{}:{}:{}: {}", self.path.display(), at.line, at.column, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Which records loading keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Keep (and validate) `published: false` records too.
    pub include_unpublished: bool,
}

/// What one file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A valid record that the build keeps.
    Record(Box<Record>),
    /// A `published: false` record, left out.
    Unpublished,
    /// A file without front matter, skipped as Jekyll does.
    NoFrontMatter,
}

/// Everything read from the input folders.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Valid records, in input order then path order.
    pub records: Vec<Record>,
    /// How many `published: false` records were left out.
    pub unpublished: usize,
    /// Files skipped because they have no front matter.
    pub without_front_matter: Vec<PathBuf>,
    /// Every problem found, in path order.
    pub errors: Vec<RecordError>,
}

/// Why loading could not start.
#[derive(Debug, Error)]
pub enum LoadError {
    /// An input folder named in configuration or on the command line is missing.
    #[error("input folder {} does not exist; check `input` in feedgen.yaml or --input", .0.display())]
    MissingInput(PathBuf),
}

fn error_at(path: &Path, position: Option<Position>, message: impl Into<String>) -> RecordError {
    RecordError { path: path.to_owned(), position, message: message.into() }
}

/// `message` without the strings serde quotes in it (`invalid type: string
/// "x", expected i64` becomes `invalid type: string, expected i64`). The
/// value could be anything a user pasted, such as a `secured` value that
/// lost its key, and must not reach a log; the position still points at it.
fn without_quoted_strings(message: &str) -> String {
    const MARK: &str = "string \"";
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at + "string".len()]);
        let quoted = &rest[at + MARK.len()..];
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
/// column C` (front-matter coordinates) or ` at position N` (a byte offset
/// into the front matter) starts and ends, and the file position it means.
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

/// Every place a serde_yaml message names, in order.
fn named_places(message: &str, yaml: &str) -> Vec<NamedPlace> {
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
                let at = Position { line: line + YAML_FIRST_LINE - 1, column };
                Some(NamedPlace { start, end: start + length, at, is_offset: false })
            })
        } else if let Some(rest) = after.strip_prefix("position ") {
            leading_number(rest).filter(|&(offset, _)| offset <= yaml.len()).map(|(offset, digits)| {
                let in_yaml = position_of(yaml.as_bytes(), offset);
                let at = Position { line: in_yaml.line + YAML_FIRST_LINE - 1, column: in_yaml.column };
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

/// serde_yaml's error in file coordinates: the place of the problem (a byte
/// offset when it names one, else the first line and column it names)
/// becomes the error's position and leaves the message; any other place it
/// names (the context: "while scanning a quoted scalar at …") is rewritten
/// from front-matter to file lines.
fn yaml_error(path: &Path, yaml: &str, error: &serde_yaml::Error) -> RecordError {
    let message = without_quoted_strings(&error.to_string());
    let places = named_places(&message, yaml);
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
        None => error.location().map(|at| Position { line: at.line() + YAML_FIRST_LINE - 1, column: at.column() }),
    };
    error_at(path, position, format!("invalid front matter: {rewritten}"))
}

/// The line and column of a byte offset in `bytes`.
fn position_of(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Position { line: before.iter().filter(|&&b| b == b'\n').count() + 1, column }
}

/// Deserialise front matter, applying YAML merge keys (`<<: *defaults`)
/// first when there may be any. Jekyll's YAML honours them and serde_yaml
/// would silently ignore them, which would publish a draft whose
/// `published: false` comes from a merged mapping. Merging needs a detour
/// through `serde_yaml::Value`, whose errors carry no position, so it is
/// taken only when the text contains `<<`.
fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> Result<T, serde_yaml::Error> {
    if !yaml.contains("<<") {
        return serde_yaml::from_str(yaml);
    }
    let mut value: serde_yaml::Value = serde_yaml::from_str(yaml)?;
    value.apply_merge()?;
    serde_yaml::from_value(value)
}

/// Parse one record file's bytes. Pure: no I/O, so it can be fuzzed.
pub fn parse_record(path: &Path, bytes: &[u8], options: LoadOptions) -> Result<Parsed, Vec<RecordError>> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let at = position_of(bytes, error.valid_up_to());
        vec![error_at(path, Some(at), "not UTF-8 text; save the file as UTF-8")]
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let split = match front_matter::split(text) {
        Ok(Some(split)) => split,
        Ok(None) => return Ok(Parsed::NoFrontMatter),
        Err(Unclosed) => {
            let message = "front matter opened with `---` on line 1 is never closed; add a `---` line after it";
            return Err(vec![error_at(path, Some(Position::START), message)]);
        }
    };
    if let Some(offset) = depth::yaml_too_deep(split.yaml) {
        let in_yaml = position_of(split.yaml.as_bytes(), offset);
        let at = Position { line: in_yaml.line + YAML_FIRST_LINE - 1, column: in_yaml.column };
        let message = format!(
            "front matter nests more than {} levels of `[` or `{{`; records that deep are refused to keep builds fast",
            depth::MAX_YAML_FLOW_DEPTH
        );
        return Err(vec![error_at(path, Some(at), message)]);
    }
    let keep = |published: Option<&PublishedValue>| options.include_unpublished || !PublishedValue::is_false(published);
    let raw: RawRecord = match from_yaml(split.yaml) {
        Ok(raw) => raw,
        Err(error) => {
            let flag = from_yaml::<PublishedFlag>(split.yaml).map(|flag| flag.published);
            return match flag {
                Ok(published) if !keep(published.as_ref()) => Ok(Parsed::Unpublished),
                _ => Err(vec![yaml_error(path, split.yaml, &error)]),
            };
        }
    };
    if !keep(raw.published.as_ref()) {
        return Ok(Parsed::Unpublished);
    }
    validate::validate(path, raw, split.yaml, split.body)
        .map(|record| Parsed::Record(Box::new(record)))
        .map_err(|problems| problems.into_iter().map(|(at, message)| error_at(path, Some(at), message)).collect())
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// Read a file, refusing those over [`MAX_RECORD_BYTES`].
fn read_capped(path: &Path) -> Result<Vec<u8>, RecordError> {
    let io_error = |error: std::io::Error| error_at(path, None, format!("cannot read: {error}"));
    let file = fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        let limit = MAX_RECORD_BYTES / (1024 * 1024);
        return Err(error_at(path, None, format!("larger than {limit} MiB, the size limit for a record")));
    }
    Ok(bytes)
}

/// Walk every input (a folder, recursively, or a single file) in order,
/// skipping hidden entries, and parse every file found, in path order.
pub fn load(inputs: &[PathBuf], options: LoadOptions) -> Result<Loaded, LoadError> {
    if let Some(missing) = inputs.iter().find(|input| !input.exists()) {
        return Err(LoadError::MissingInput(missing.clone()));
    }
    let mut loaded = Loaded::default();
    for input in inputs {
        let walker = walkdir::WalkDir::new(input).sort_by_file_name().into_iter();
        for entry in walker.filter_entry(|entry| !is_hidden(entry)) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().unwrap_or(input).to_owned();
                    loaded.errors.push(error_at(&path, None, format!("cannot read: {error}")));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let parsed =
                read_capped(path).map_err(|error| vec![error]).and_then(|bytes| parse_record(path, &bytes, options));
            match parsed {
                Ok(Parsed::Record(record)) => loaded.records.push(*record),
                Ok(Parsed::Unpublished) => loaded.unpublished += 1,
                Ok(Parsed::NoFrontMatter) => loaded.without_front_matter.push(path.to_owned()),
                Err(errors) => loaded.errors.extend(errors),
            }
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let errors = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default()).unwrap_err();
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_value_that_lost_its_key_is_not_quoted_in_the_error() {
        assert_eq!(
            problems("---\nsecured SECRET-lost-colon\n---\n"),
            ["r.md:2:1: invalid front matter: invalid type: string, expected front matter made of `key: value` lines"]
        );
        let nested = problems(
            "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\nheat: \"SECRET \\\" still\"\n---\n",
        );
        assert_eq!(nested, ["r.md:5:7: invalid front matter: heat: invalid type: string, expected i64"]);
    }

    #[test]
    fn null_entries_in_name_lists_are_no_names() {
        let text = "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\ntopics: [AI, ~, null, Null, '']\ntags: [~, x]\n---\n";
        let Ok(Parsed::Record(record)) = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default())
        else {
            panic!("not loaded")
        };
        assert_eq!((record.topics, record.tags), (vec!["AI".to_owned()], vec!["x".to_owned()]));
    }

    #[test]
    fn merge_keys_are_applied_before_reading_the_record() {
        let draft = "---\nd: &d {published: false}\n<<: *d\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\n---\n";
        assert_eq!(parse_record(Path::new("r.md"), draft.as_bytes(), LoadOptions::default()), Ok(Parsed::Unpublished));
        let defaults = "---\nd: &d {title: From defaults}\n<<: *d\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\n---\n";
        let Ok(Parsed::Record(record)) = parse_record(Path::new("r.md"), defaults.as_bytes(), LoadOptions::default())
        else {
            panic!("not loaded")
        };
        assert_eq!(record.title, "From defaults");
    }
}

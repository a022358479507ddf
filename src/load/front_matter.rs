//! Splitting a record file into its YAML front matter and Markdown body, and
//! finding where in the file a key or value sits (for error positions).

use super::excerpt::opens_secret;

/// A file's front matter and body.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Split<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// Everything after the closing line.
    pub body: &'a str,
}

/// Why a file that opens a front matter block cannot be split.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unclosed;

/// File line of the first YAML line: the opening `---` is line 1.
pub(super) const YAML_FIRST_LINE: usize = 2;

fn is_marker(line: &str, markers: &[&str]) -> bool {
    let line = line.trim_end_matches(['\n', '\r', ' ', '\t']);
    markers.contains(&line)
}

/// Split `text` (BOM already removed). `Ok(None)`: the file has no front
/// matter (its first line is not `---`), which Jekyll also skips.
pub(super) fn split(text: &str) -> Result<Option<Split<'_>>, Unclosed> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else { return Ok(None) };
    if !is_marker(first, &["---"]) {
        return Ok(None);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        if is_marker(line, &["---", "..."]) {
            return Ok(Some(Split { yaml: &text[yaml_start..offset], body: &text[offset + line.len()..] }));
        }
        offset += line.len();
    }
    Err(Unclosed)
}

/// A 1-based line and column in a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Line, counting from 1.
    pub line: usize,
    /// Column in characters, counting from 1.
    pub column: usize,
}

impl Position {
    /// The start of the file.
    pub const START: Position = Position { line: 1, column: 1 };

    /// The file position of a line and column (as serde_yaml counts them,
    /// from 1) of YAML text that starts on file line `first_line`
    /// (`YAML_FIRST_LINE` for front matter, 1 for `feedgen.yaml`); `None`
    /// for a line number too large to be one.
    pub(crate) fn from_yaml(first_line: usize, line: usize, column: usize) -> Option<Position> {
        Some(Position { line: line.checked_add(first_line.checked_sub(1)?)?, column })
    }

    /// The file position of a byte offset into YAML text `yaml` that starts
    /// on file line `first_line`.
    pub(crate) fn in_yaml(yaml: &str, first_line: usize, offset: usize) -> Position {
        let at = position_of(yaml.as_bytes(), offset);
        Position { line: at.line + first_line.saturating_sub(1), column: at.column }
    }
}

/// The line and column of a byte offset in `bytes`.
pub(super) fn position_of(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Position { line: before.iter().filter(|&&b| b == b'\n').count() + 1, column }
}

/// Finds keys and values in YAML text (front matter, or a whole YAML file
/// such as `feedgen.yaml`), because validation happens after serde_yaml has
/// turned the text into values without positions.
pub(crate) struct Locator<'a> {
    yaml: &'a str,
    /// The file line of the text's first line.
    first_line: usize,
}

impl<'a> Locator<'a> {
    /// A locator over the YAML of a [`Split`].
    pub(crate) fn new(yaml: &'a str) -> Self {
        Locator { yaml, first_line: YAML_FIRST_LINE }
    }

    /// A locator over a file that is YAML from its first line.
    pub(crate) fn whole_file(text: &'a str) -> Self {
        Locator { yaml: text, first_line: 1 }
    }

    fn lines(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.yaml.lines().enumerate().map(|(index, line)| (index + self.first_line, line))
    }

    /// Where the value of the top-level `key` starts (or its key line when
    /// the value continues below), or `None` when the key is not written.
    pub(crate) fn key(&self, key: &str) -> Option<Position> {
        self.keys(key).next()
    }

    /// Where the value of the top-level `key` starts, at each line that
    /// writes the key (a key written twice is a mistake to point at).
    pub(crate) fn keys(&self, key: &str) -> impl Iterator<Item = Position> {
        self.lines().filter_map(move |(line, text)| {
            let rest = text.strip_prefix(key).or_else(|| {
                text.strip_prefix('"').and_then(|t| t.strip_prefix(key)).and_then(|t| t.strip_prefix('"'))
            })?;
            let after_colon = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
            let value = after_colon.trim_start_matches([' ', '\t']);
            let column = text.chars().count() - value.chars().count() + 1;
            Some(Position { line, column })
        })
    }

    /// Where `value` is first written, whole on one line, at or after the
    /// top-level `key`; `None` when it is not (a value folded from several
    /// lines, or written with escapes).
    pub(crate) fn find_value(&self, key: &str, value: &str) -> Option<Position> {
        let key_at = self.key(key)?;
        let needle = value.trim();
        if needle.is_empty() {
            return None;
        }
        self.lines().skip_while(|&(line, _)| line < key_at.line).find_map(|(line, text)| {
            let byte = text.find(needle)?;
            Some(Position { line, column: text[..byte].chars().count() + 1 })
        })
    }

    /// Where `value` is first written at or after the top-level `key`;
    /// falls back to the key, then to the start of the file.
    pub(crate) fn value(&self, key: &str, value: &str) -> Position {
        self.find_value(key, value).or_else(|| self.key(key)).unwrap_or(Position::START)
    }

    /// A value for a message, after the text before it: `: "value"`,
    /// quoted, escaped and at most 60 characters, when the value is written
    /// whole on one line after the top-level `key`. Otherwise nothing: a
    /// value YAML folded from several lines may hold a line that was meant
    /// to be another key, such as a `secured` value that lost its colon,
    /// and must not reach a log. Nor is a value that mentions `secured`
    /// ([`opens_secret`]): a line joined onto the one before it.
    pub(crate) fn shown(&self, key: &str, value: &str) -> String {
        const LIMIT: usize = 60;
        if self.find_value(key, value).is_none() || opens_secret(value) {
            return String::new();
        }
        let mut shown: String = value.chars().take(LIMIT).collect();
        if value.chars().count() > LIMIT {
            shown.push('…');
        }
        format!(": {shown:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body_with_crlf() {
        let text = "---\r\ntitle: x\r\n---\r\nbody\r\n";
        assert_eq!(split(text), Ok(Some(Split { yaml: "title: x\r\n", body: "body\r\n" })));
    }

    #[test]
    fn file_without_opening_marker_has_no_front_matter() {
        assert_eq!(split("title: x\n---\n"), Ok(None));
        assert_eq!(split(""), Ok(None));
    }

    #[test]
    fn unclosed_front_matter_is_refused() {
        assert_eq!(split("---\ntitle: x\n"), Err(Unclosed));
    }

    #[test]
    fn body_may_contain_further_rules() {
        let parts = split("---\na: 1\n...\ntext\n---\nmore").unwrap().unwrap();
        assert_eq!((parts.yaml, parts.body), ("a: 1\n", "text\n---\nmore"));
    }

    #[test]
    fn locates_keys_and_values_in_file_coordinates() {
        let yaml = "title: x\npublishedDateTime: yesterday\nimages:\n  - url: \"ftp://x\"\n";
        let locator = Locator::new(yaml);
        assert_eq!(locator.key("publishedDateTime"), Some(Position { line: 3, column: 20 }));
        assert_eq!(locator.key("missing"), None);
        assert_eq!(locator.value("images", "ftp://x"), Position { line: 5, column: 11 });
        assert_eq!(locator.value("nope", "x"), Position::START);
    }
}

//! The source line a problem points at, made safe to print, so that a
//! diagnostic can show it with a caret under the spot.
//!
//! Safe means three things. The line must not show a `secured` value: any
//! line that might hold one is never excerpted (see [`may_show_secret`]).
//! It must not drive the terminal: control and bidirectional-override
//! characters are shown as `�`. And it must stay one screen line: a long
//! line is cut to a window around the spot.

use std::ops::Range;

use super::front_matter::Position;
use super::raw::{IMAGE_KEYS, PROVIDER_KEYS, RECORD_KEYS};

/// Lines longer than this many characters are cut to a window around the spot.
const WIDTH: usize = 100;

/// How many characters of a cut line are shown before the spot.
const BEFORE: usize = 40;

/// One source line of a record file, ready to print under a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Excerpt {
    /// The line's number in the file, from 1.
    pub line: usize,
    /// The line (or, for a long line, the part around the spot with `…`
    /// where it was cut), with control characters shown as `�`.
    pub text: String,
    /// The bytes of `text` to underline: the value or token at the spot.
    pub span: Range<usize>,
}

/// The excerpt of `text` (a whole record file) at `at`, or `None` when the
/// line does not exist or might show a `secured` value.
pub(super) fn excerpt(text: &str, at: Position) -> Option<Excerpt> {
    excerpt_until(text, at, usize::MAX)
}

/// The excerpt of the key at `at` in `text`, cut after the key's colon:
/// the value of a key feedgen does not know is not shown, since nothing
/// says what it holds (a misspelt `secured`, say).
pub(super) fn key_excerpt(text: &str, at: Position) -> Option<Excerpt> {
    let line = text.split('\n').nth(at.line.checked_sub(1)?)?;
    let chars: Vec<char> = line.chars().collect();
    let spot = at.column.saturating_sub(1).min(chars.len());
    let key_end = token_end(&chars, spot);
    let colon = (key_end..chars.len()).find(|&index| chars[index] == ':').map_or(chars.len(), |index| index + 1);
    let mut found = excerpt_until(text, at, colon)?;
    if colon < chars.len() {
        found.text.push_str(" …");
    }
    Some(found)
}

/// [`excerpt`], showing at most the line's first `limit` characters.
fn excerpt_until(text: &str, at: Position, limit: usize) -> Option<Excerpt> {
    let lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
    let index = at.line.checked_sub(1)?;
    let line = *lines.get(index)?;
    if may_show_secret(&lines, index) {
        return None;
    }
    let chars: Vec<char> = line.chars().take(limit).map(printable).collect();
    let spot = at.column.saturating_sub(1).min(chars.len());
    let token = spot..token_end(&chars, spot);
    let window = if chars.len() > WIDTH {
        let start = spot.saturating_sub(BEFORE);
        start..(start + WIDTH).min(chars.len())
    } else {
        0..chars.len()
    };
    let mut shown = String::new();
    let mut span = 0..0;
    if window.start > 0 {
        shown.push('…');
    }
    for (index, &c) in chars.iter().enumerate().take(window.end).skip(window.start) {
        if index == token.start {
            span.start = shown.len();
        }
        shown.push(c);
        if index + 1 == token.end.min(window.end) {
            span.end = shown.len();
        }
    }
    if token.start >= window.end {
        span = shown.len()..shown.len();
    }
    if window.end < chars.len() {
        shown.push('…');
    }
    Some(Excerpt { line: at.line, text: shown, span })
}

/// `c`, or `�` for a character that could move the cursor, recolour the
/// terminal or reorder the line: controls (a tab becomes a space, keeping
/// the column count) and bidirectional formatting characters.
fn printable(c: char) -> char {
    match c {
        '\t' => ' ',
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '\u{FFFD}',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }
}

/// Where the token starting at `start` ends: a quoted value ends at its
/// closing quote, a key at its colon, a space (or tab) is one character
/// (an indentation problem), anything else ends at the end of the line
/// (before a ` #` comment and trailing spaces). At least one character when
/// there is one.
fn token_end(chars: &[char], start: usize) -> usize {
    let Some(&first) = chars.get(start) else { return start };
    if first == ' ' || first == '\t' {
        return start + 1;
    }
    if first == '"' || first == '\'' {
        let after_quote = chars[start + 1..].iter().copied();
        return closing_quote(after_quote, first).map_or(chars.len(), |offset| start + 1 + offset + 1);
    }
    let ends_here = |index: usize| match chars[index] {
        '#' => chars[index - 1] == ' ',
        ':' => chars.get(index + 1).is_none_or(|&next| next == ' '),
        _ => false,
    };
    let mut end = (start + 1..chars.len()).find(|&index| ends_here(index)).unwrap_or(chars.len());
    while end > start + 1 && chars[end - 1] == ' ' {
        end -= 1;
    }
    end
}

/// The number of leading spaces and tabs.
fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// Whether `line` might start a `secured` value: it mentions `secured` in
/// any case or misspelt by up to two letters (`secred`, `sceured`), or its
/// key is written in a way that could spell it without the word (an escape
/// in a quoted key, an alias or a complex key).
pub(super) fn opens_secret(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    let near_secured = |word: &str| (5..=9).contains(&word.len()) && strsim::levenshtein(word, "secured") <= 2;
    if lower.contains("secured") || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(near_secured) {
        return true;
    }
    let entry = line.trim_start().trim_start_matches(['-', ' ', '\t']);
    let key = entry.split(':').next().unwrap_or_default();
    key.contains('\\') || entry.starts_with(['*', '?'])
}

/// The quote character a line leaves open after `secured`, if any: the
/// lines after it belong to the value until one holds that quote.
fn unclosed_quote(line: &str) -> Option<char> {
    let lower = line.to_ascii_lowercase();
    let after = lower.find("secured").map_or(line, |at| &line[at..]);
    let open = after.find(['"', '\''])?;
    let quote = after[open..].chars().next()?;
    closing_quote(after[open + 1..].chars(), quote).is_none().then_some(quote)
}

/// How many characters of `rest` come before the `quote` that closes a
/// scalar it opened: in double quotes a backslash escapes the next
/// character, in single quotes nothing does.
fn closing_quote(rest: impl Iterator<Item = char>, quote: char) -> Option<usize> {
    let mut escaped = false;
    rest.enumerate().find_map(|(offset, c)| {
        let closes = c == quote && !escaped;
        escaped = quote == '"' && c == '\\' && !escaped;
        closes.then_some(offset)
    })
}

/// Whether `line` certainly ends a value that started at indentation
/// `indent`: a key feedgen knows (`title:`, `- url:`) at that indentation or
/// less, or the end of the front matter. Anything else after a `secured`
/// line, even what YAML would read as a new key, may be part of its value
/// (a continuation line that lost its indentation, a colon typed into the
/// value), so it is not shown.
fn ends_value(line: &str, indent: usize) -> bool {
    let text = line.trim();
    if text == "---" || text == "..." {
        return true;
    }
    let entry = text.strip_prefix('-').map_or(text, str::trim_start);
    let key = entry.split_once(':').map(|(key, _)| key.trim().trim_matches(['"', '\'']));
    let known = key.is_some_and(|key| [RECORD_KEYS, PROVIDER_KEYS, IMAGE_KEYS].iter().any(|keys| keys.contains(&key)));
    known && indentation(line) <= indent
}

/// Whether line `index` (from 0) of `text` might show a `secured` value.
pub(super) fn line_may_show_secret(text: &str, index: usize) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    may_show_secret(&lines, index)
}

/// Whether line `target` (from 0) of `lines` might show a `secured` value.
/// Conservative: every line that might open one (see [`opens_secret`])
/// counts, and so do the lines after it up to one that certainly ends its
/// value ([`ends_value`]), and every line up to the close of a quote it
/// leaves open. Showing one line
/// too few is a lesser harm than printing a secret.
fn may_show_secret(lines: &[&str], target: usize) -> bool {
    let mut index = 0;
    while index <= target && index < lines.len() {
        let line = lines[index];
        if !opens_secret(line) {
            index += 1;
            continue;
        }
        let indent = indentation(line);
        let mut open_quote = unclosed_quote(line);
        let mut next = index + 1;
        while let Some(&text) = lines.get(next) {
            if let Some(quote) = open_quote {
                if text.contains(quote) {
                    open_quote = None;
                }
            } else if ends_value(text, indent) {
                break;
            }
            next += 1;
        }
        if target < next {
            return true;
        }
        index = next;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    fn underlined(excerpt: &Excerpt) -> &str {
        &excerpt.text[excerpt.span.clone()]
    }

    #[test]
    fn the_value_at_the_spot_is_underlined() {
        let text = "---\ntitle: T\npublishedDateTime: yesterday   # when\n---\n";
        let found = excerpt(text, at(3, 20)).unwrap();
        assert_eq!(found.text, "publishedDateTime: yesterday   # when");
        assert_eq!(underlined(&found), "yesterday");
        let quoted = excerpt("---\nx: \"a \\\" b\" c\n", at(2, 4)).unwrap();
        assert_eq!(underlined(&quoted), "\"a \\\" b\"");
        let key = excerpt("---\nprovider:\n  nmae: X\n", at(3, 3)).unwrap();
        assert_eq!(underlined(&key), "nmae");
        let link = excerpt("---\nwebUrl: https://a.test/x:y\n", at(2, 9)).unwrap();
        assert_eq!(underlined(&link), "https://a.test/x:y");
        let tab = excerpt("---\nprovider:\n \tname: X\n", at(3, 2)).unwrap();
        assert_eq!((tab.text.as_str(), tab.span.clone()), ("  name: X", 1..2));
    }

    #[test]
    fn a_spot_past_the_end_of_its_line_is_an_empty_span_at_the_end() {
        let found = excerpt("---\ntitle:\n---\n", at(2, 8)).unwrap();
        assert_eq!((found.text.as_str(), found.span), ("title:", 6..6));
        assert_eq!(excerpt("---\n", at(9, 1)), None);
    }

    #[test]
    fn control_and_bidi_characters_are_shown_as_replacement_characters() {
        let found = excerpt("---\nx: a\u{1b}[31mb\u{202E}c\td\n", at(2, 4)).unwrap();
        assert_eq!(found.text, "x: a\u{FFFD}[31mb\u{FFFD}c d");
    }

    #[test]
    fn a_long_line_is_cut_around_the_spot() {
        let line = format!("excerpt: {}X{}", "a".repeat(500), "b".repeat(500));
        let found = excerpt(&format!("---\n{line}\n"), at(2, 510)).unwrap();
        assert!(found.text.starts_with('…') && found.text.ends_with('…'), "{}", found.text);
        assert_eq!(found.text.chars().count(), WIDTH + 2);
        assert!(underlined(&found).starts_with('X'));
    }

    #[test]
    fn lines_that_may_hold_a_secured_value_are_never_excerpted() {
        let cases = [
            ("---\nsecured: SECRET\n", 2),
            ("---\nsecured SECRET-lost-colon\n", 2),
            ("---\nSECURED: SECRET\n", 2),
            ("---\nsecured: |\n  SECRET\n\n  MORE\ntitle: T\n", 5),
            ("---\nsecured: >-\n  SECRET\n", 3),
            ("---\nsecured: SECRET\n folded SECRET\n", 3),
            ("---\nsecured: \"SECRET\nSECRET on a line of its own\"\ntitle: x\n", 3),
            ("---\nsecured: 'SECRET\nSECRET'\n", 3),
            ("---\n\"secur\\x65d\": SECRET\n", 2),
            ("---\nk: &k secured\n*k : SECRET\n", 3),
            ("---\n? secured\n: SECRET\n", 3),
            ("---\nprovider: {name: x, secured: SECRET}\n", 2),
            ("---\nrelated:\n  - secured: SECRET\n    more SECRET\n", 4),
            ("---\nsecred: SECRET: x\n", 2),
            ("---\nsecured: |\nSECRET that lost its indentation\ntitle: T\n", 3),
            ("---\ntitle: Tsecurd: SECRET\n", 2),
        ];
        for (text, line) in cases {
            assert_eq!(excerpt(text, at(line, 1)), None, "{text:?} line {line}");
        }
    }

    #[test]
    fn a_key_excerpt_hides_the_value() {
        let found = key_excerpt("---\nprovider:\n  nmae: HIDDEN\n", at(3, 3)).unwrap();
        assert_eq!((found.text.as_str(), &found.text[found.span.clone()]), ("  nmae: …", "nmae"));
        let flow = key_excerpt("---\nprovider: {name: N, logo: HIDDEN}\n", at(2, 21)).unwrap();
        assert_eq!(flow.text, "provider: {name: N, logo: …");
    }

    #[test]
    fn lines_after_a_secured_value_are_excerpted() {
        let text = "---\nsecured: \"SECRET\"\ntitle: T\nprovider:\n  secured: SECRET\n  name: N\n";
        assert_eq!(excerpt(text, at(3, 8)).map(|found| found.text), Some("title: T".to_owned()));
        assert_eq!(excerpt(text, at(6, 9)).map(|found| found.text), Some("  name: N".to_owned()));
        let closed = "---\nsecured: 'SECRET\n  SECRET'\ntitle: T\n";
        assert_eq!(excerpt(closed, at(4, 1)).map(|found| found.text), Some("title: T".to_owned()));
    }
}

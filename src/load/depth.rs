//! Nesting limits for the three parsers a record goes through.
//!
//! The YAML scanner, the Markdown parser and the HTML parser all take time
//! quadratic in how deeply their input nests (`[[[[…`, `> > > …`,
//! `<div><div>…`): a 40 KB record nesting 20,000 levels took seconds, and a
//! record at the old 10 MiB size cap would have taken hours. Real records nest a
//! handful of levels, so a record nesting deeper than these limits is
//! refused before it is parsed. The measures are conservative estimates
//! from a single pass over the text, never below the real depth.

/// Most `[`/`{` a record's front matter may leave open at once. Brackets
/// inside quoted text count too (telling them apart would need the YAML
/// parser this guards), so the limit leaves room for text such as a list of
/// half-open intervals `[0, 1), [1, 2), …`; at the 1 MiB size cap, nesting
/// this deep costs about a second.
pub(super) const MAX_YAML_FLOW_DEPTH: usize = 128;

/// Most container markers (`>`, `-`, `*`, `+`, `1.`) one Markdown line may open.
pub(super) const MAX_MARKDOWN_CONTAINERS: usize = 32;

/// Most HTML elements that may be open at once.
pub(super) const MAX_HTML_DEPTH: usize = 256;

/// The first byte offset at which `depths` (the depth after each byte)
/// exceeds `limit`.
fn first_beyond(mut depths: impl Iterator<Item = (usize, usize)>, limit: usize) -> Option<usize> {
    depths.find(|&(_, depth)| depth > limit).map(|(offset, _)| offset)
}

/// Where YAML flow collections first nest deeper than
/// [`MAX_YAML_FLOW_DEPTH`], counting every `[`/`{` not yet closed (quoted or
/// not: an over-count only for absurd text).
pub(super) fn yaml_too_deep(yaml: &str) -> Option<usize> {
    let mut depth = 0usize;
    let depths = yaml.bytes().enumerate().map(|(offset, byte)| {
        match byte {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        (offset, depth)
    });
    first_beyond(depths, MAX_YAML_FLOW_DEPTH)
}

/// How many block containers the start of one Markdown line opens.
fn line_containers(line: &str) -> usize {
    let mut rest = line.trim_start();
    let mut count = 0;
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let bullet = rest.starts_with(['-', '*', '+']) && rest[1..].starts_with([' ', '\t']);
        let marker = if rest.starts_with('>') || bullet {
            1
        } else if (1..=9).contains(&digits) && rest[digits..].starts_with(['.', ')']) {
            digits + 1
        } else {
            return count;
        };
        count += 1;
        rest = rest[marker..].trim_start();
    }
}

/// The first line (counted from 0) of `markdown` that opens more than
/// [`MAX_MARKDOWN_CONTAINERS`] containers.
pub(super) fn markdown_too_deep(markdown: &str) -> Option<usize> {
    markdown.lines().position(|line| line_containers(line) > MAX_MARKDOWN_CONTAINERS)
}

/// Elements that never hold others open: void elements, and those whose
/// end tag is optional, which a parser closes when a sibling starts.
fn never_nests(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p",
        "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rb", "rt", "rtc", "rp",
        "colgroup", "caption", "html", "head", "body",
    ];
    NAMES.iter().any(|known| known.eq_ignore_ascii_case(name))
}

/// Where HTML elements first nest deeper than [`MAX_HTML_DEPTH`]: every
/// start tag opens one (except those that never nest, and `<x/>`); an end
/// tag closes the innermost open element of its name and those inside it,
/// and is ignored when none is open, as an HTML parser does. Comments
/// (including the empty `<!-->` and `<!--->`) are skipped.
pub(super) fn html_too_deep(html: &str) -> Option<usize> {
    let mut open: Vec<&str> = Vec::new();
    let mut from = 0;
    while let Some(found) = html[from..].find('<') {
        let offset = from + found;
        let tag = &html[offset + 1..];
        if let Some(comment) = tag.strip_prefix("!--") {
            let closed_at_once = comment.strip_prefix('-').unwrap_or(comment).starts_with('>');
            let end = if closed_at_once {
                Some(comment.find('>').map_or(0, |end| end + 1))
            } else {
                comment.find("-->").map(|end| end + 3)
            };
            from = end.map_or(html.len(), |end| html.len() - comment.len() + end);
            continue;
        }
        from = offset + 1;
        let closing = tag.starts_with('/');
        let name_start = usize::from(closing);
        let name_length =
            tag[name_start..].bytes().take_while(|byte| byte.is_ascii_alphanumeric() || *byte == b'-').count();
        if name_length == 0 || !tag.as_bytes()[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = &tag[name_start..name_start + name_length];
        if never_nests(name) {
            continue;
        }
        if closing {
            if let Some(index) = open.iter().rposition(|open| open.eq_ignore_ascii_case(name)) {
                open.truncate(index);
            }
            continue;
        }
        // Look no further than the next `<`, so the scan stays linear.
        let after_name = &tag[name_start + name_length..];
        let self_closing = after_name
            .find(['<', '>'])
            .is_some_and(|end| after_name.as_bytes()[end] == b'>' && after_name[..end].ends_with('/'));
        if !self_closing {
            open.push(name);
            if open.len() > MAX_HTML_DEPTH {
                return Some(offset);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_yaml_flow_nesting_is_found_and_shallow_is_not() {
        let deep = format!("x: {}{}", "[".repeat(129), "]".repeat(129));
        assert_eq!(yaml_too_deep(&deep), Some(131));
        let balanced = "x: [".to_owned() + &"[a], ".repeat(10_000) + "]";
        assert_eq!(yaml_too_deep(&balanced), None);
    }

    #[test]
    fn deep_markdown_containers_are_found_and_ordinary_lists_are_not() {
        assert_eq!(markdown_too_deep(&format!("ok\n{}x", "- ".repeat(33))), Some(1));
        assert_eq!(markdown_too_deep(&format!("{}x", "> ".repeat(33))), Some(0));
        assert_eq!(markdown_too_deep(&format!("{}x", "1. ".repeat(33))), Some(0));
        assert_eq!(markdown_too_deep(&format!("{}x", "- ".repeat(32))), None);
        let ordinary = "- a\n  - b\n    - c\n> quote\n> > nested\n1. one\n2) two\n-not a list\n";
        assert_eq!(markdown_too_deep(&ordinary.repeat(1_000)), None);
    }

    #[test]
    fn deep_html_is_found_and_long_flat_html_is_not() {
        assert_eq!(html_too_deep(&"<div>".repeat(257)), Some(256 * 5));
        assert_eq!(html_too_deep(&"<b><i>x</i></b>".repeat(1_000)), None);
        let unclosed_items = "<ul>".to_owned() + &"<li>item<p>para<br>".repeat(1_000) + "</ul>";
        assert_eq!(html_too_deep(&unclosed_items), None);
        assert_eq!(html_too_deep(&"<span/>a < b <3 <!-- <div> -->".repeat(300)), None);
        assert_eq!(html_too_deep(&"<a<a".repeat(200)), Some(256 * 2));
        assert_eq!(html_too_deep(&"<div></b>".repeat(300)), Some(256 * 9));
        assert_eq!(html_too_deep(&format!("<!-->{}-->", "<div>".repeat(300))), Some(256 * 5 + 5));
        assert_eq!(html_too_deep(&format!("<!--->{}", "<div>".repeat(300))), Some(256 * 5 + 6));
        assert_eq!(html_too_deep(&"<div><span></div>".repeat(300)), None);
    }
}

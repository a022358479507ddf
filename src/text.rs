//! Cleaning text before it reaches a renderer.
//!
//! The `rss` and `atom_syndication` crates escape `<`, `&` and quotes but
//! write every other character as-is, including the control characters XML
//! 1.0 forbids, which makes the whole document ill-formed. Every string that
//! ends up in a feed therefore passes through one of the functions here, and
//! each of them removes those characters as its *last* step: decoding HTML
//! entities (`&#1;`) can produce them too.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Whether XML 1.0 allows `c` in a document, minus the C1 controls and DEL,
/// which XML discourages and no reader displays.
fn is_xml_safe(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{7E}'
        | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// `s` without the characters XML forbids.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_xml_safe) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| is_xml_safe(c)).collect())
    }
}

/// A single line of plain text: forbidden characters removed, every run of
/// whitespace (including line breaks) turned into one space, trimmed.
///
/// Used for titles and names, which are text, never markup: `<b>` stays the
/// three characters `<b>` and the renderers escape it.
pub fn plain_text(s: &str) -> String {
    xml_safe(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sanitiser for every HTML fragment in a feed: no scripts, no event
/// handlers, no `javascript:`/`data:` URLs, links opened without referrer.
/// Video embeds (`featuredContent`) keep their `<iframe>` with an http(s) source.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["iframe", "figure", "figcaption"])
        .add_tag_attributes("iframe", ["src", "width", "height", "title", "allowfullscreen"])
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// A sanitised HTML fragment: parsed once (so entities are decoded once),
/// cleaned, serialised once.
pub fn sanitise_html(fragment: &str) -> String {
    let clean = SANITISER.clean(fragment).to_string();
    xml_safe(&clean).trim().to_owned()
}

/// The text a reader would see for an HTML fragment: tags dropped, entities
/// decoded, whitespace collapsed. Used where a format wants plain text
/// (JSON Feed's `summary`).
pub fn html_to_text(fragment: &str) -> String {
    let without_tags = ammonia::Builder::empty().clean(fragment).to_string();
    plain_text(&html_escape::decode_html_entities(&without_tags))
}

/// A Markdown body as sanitised HTML (CommonMark plus tables, strikethrough
/// and footnotes; raw HTML in the body goes through the same sanitiser).
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitise_html(&unsafe_html)
}

/// Escape text for inclusion in HTML we assemble ourselves.
pub fn escape_html(text: &str) -> Cow<'_, str> {
    html_escape::encode_text(text)
}

/// Escape a URL for an HTML attribute value in double quotes.
pub fn escape_attribute(value: &str) -> Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_removed() {
        assert_eq!(xml_safe("a\u{0}b\u{8}c\u{B}d\u{C}e\u{1F}f\u{FFFE}g\u{FFFF}h\u{85}i"), "abcdefghi");
        assert_eq!(xml_safe("tab\tnl\ncr\r ok"), "tab\tnl\ncr\r ok");
    }

    #[test]
    fn plain_text_collapses_whitespace_and_keeps_markup_as_text() {
        assert_eq!(plain_text("  <b>Bold</b>\n  &amp; more \u{1}"), "<b>Bold</b> &amp; more");
    }

    #[test]
    fn entities_are_decoded_exactly_once() {
        assert_eq!(sanitise_html("AT&amp;T &#8217; &amp;amp;"), "AT&amp;T \u{2019} &amp;amp;");
        assert_eq!(html_to_text("AT&amp;T&#8217;s <em>new</em>"), "AT&T\u{2019}s new");
    }

    #[test]
    fn entity_for_a_control_character_does_not_survive() {
        assert_eq!(sanitise_html("a&#1;b"), "ab");
        assert_eq!(html_to_text("a&#1;b"), "ab");
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let html = sanitise_html(
            r#"<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">a</a><img src="data:image/png;base64,AA"></p>"#,
        );
        assert!(!html.contains("script") && !html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript:") && !html.contains("data:"), "{html}");
    }

    #[test]
    fn video_iframe_keeps_its_https_source() {
        let html = sanitise_html(r#"<iframe width="800" src="https://video.example/embed/1" onload="x()"></iframe>"#);
        assert_eq!(html, r#"<iframe width="800" src="https://video.example/embed/1"></iframe>"#);
    }

    #[test]
    fn markdown_becomes_sanitised_html() {
        let html = markdown_to_html("# Hi\n\nSome *text* <script>x</script>");
        assert!(html.contains("<h1>Hi</h1>") && html.contains("<em>text</em>"), "{html}");
        assert!(!html.contains("script"), "{html}");
    }
}

//! Cleaning text before it reaches a renderer.
//!
//! The `rss` and `atom_syndication` crates escape `<`, `&` and quotes but
//! write every other character as-is, including the control characters XML
//! 1.0 forbids, which makes the whole document ill-formed. Every string that
//! ends up in a feed therefore passes through one of the functions here, and
//! each of them removes those characters as its *last* step: decoding HTML
//! entities (`&#1;`) can produce them too.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use url::Url;

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

thread_local! {
    /// The URL that relative URLs in the fragment being sanitised on this
    /// thread resolve against (see [`sanitise_html`]).
    static RELATIVE_BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

/// Resolves a relative URL against [`RELATIVE_BASE`]; with no base, the
/// attribute is dropped.
fn resolve_relative(url: &str) -> Option<Cow<'_, str>> {
    RELATIVE_BASE.with_borrow(|base| base.as_ref()?.join(url).ok()).map(|url| Cow::Owned(url.into()))
}

/// The sanitiser for every HTML fragment in a feed: no scripts, no event
/// handlers, no `javascript:`/`data:` URLs, links opened without referrer,
/// relative URLs made absolute. Video embeds (`featuredContent`) keep their
/// `<iframe>` with an http(s) source.
///
/// Built once: building an ammonia sanitiser costs more than most cleanings,
/// which is why the base URL reaches the resolver through a thread-local
/// rather than a sanitiser per record.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["iframe", "figure", "figcaption"])
        .add_tag_attributes("iframe", ["src", "width", "height", "title", "allowfullscreen"])
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(resolve_relative)))
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// A sanitised HTML fragment: parsed once (so entities are decoded once),
/// cleaned, serialised once. Relative URLs are resolved against `base`, the
/// article's link: a feed reader has no page to resolve them against, and
/// the W3C validator warns about them.
pub fn sanitise_html(fragment: &str, base: &Url) -> String {
    RELATIVE_BASE.with_borrow_mut(|current| *current = Some(base.clone()));
    let clean = SANITISER.clean(fragment).to_string();
    RELATIVE_BASE.with_borrow_mut(|current| *current = None);
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
/// and footnotes; raw HTML in the body goes through the same sanitiser, and
/// relative links resolve against `base`).
pub fn markdown_to_html(markdown: &str, base: &Url) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitise_html(&unsafe_html, base)
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

    fn article() -> Url {
        Url::parse("https://news.test/2026/story").unwrap()
    }

    fn sanitise_html(fragment: &str) -> String {
        super::sanitise_html(fragment, &article())
    }

    fn markdown_to_html(markdown: &str) -> String {
        super::markdown_to_html(markdown, &article())
    }

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
    fn relative_urls_resolve_against_the_article() {
        assert_eq!(
            sanitise_html(r#"<a href="/about">a</a> <img src="pic.jpg"> <a href="//cdn.test/x">c</a>"#),
            r#"<a href="https://news.test/about" rel="noopener noreferrer">a</a> <img src="https://news.test/2026/pic.jpg"> <a href="https://cdn.test/x" rel="noopener noreferrer">c</a>"#
        );
        assert_eq!(
            markdown_to_html("[more](../more)"),
            r#"<p><a href="https://news.test/more" rel="noopener noreferrer">more</a></p>"#
        );
    }

    #[test]
    fn markdown_becomes_sanitised_html() {
        let html = markdown_to_html("# Hi\n\nSome *text* <script>x</script>");
        assert!(html.contains("<h1>Hi</h1>") && html.contains("<em>text</em>"), "{html}");
        assert!(!html.contains("script"), "{html}");
    }
}

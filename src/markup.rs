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

/// Whether `c` may appear in a feed: XML 1.0 allows it, and it is not a
/// character that readers cannot show and the W3C validator warns about
/// (DEL, the C1 controls, the replacement character U+FFFD, the
/// noncharacters U+FDD0–U+FDEF and U+xFFFE/U+xFFFF of every plane).
fn is_xml_safe(c: char) -> bool {
    let allowed = matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{7E}'
        | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFC}'
        | '\u{10000}'..='\u{10FFFF}');
    let noncharacter = matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE;
    allowed && !noncharacter
}

/// `s` without the characters XML forbids.
pub(crate) fn xml_safe(s: &str) -> Cow<'_, str> {
    // Most text is printable ASCII, which a byte scan clears without decoding.
    let printable_ascii = |byte: u8| matches!(byte, b'\t' | b'\n' | b'\r' | 0x20..=0x7E);
    if s.bytes().all(printable_ascii) || s.chars().all(is_xml_safe) {
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
pub(crate) fn plain_text(s: &str) -> String {
    if is_plain_already(s) {
        return s.to_owned();
    }
    xml_safe(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether [`plain_text`] would return `s` unchanged: every character
/// allowed, and whitespace only as single spaces between words. Most names
/// and titles are; checking is cheaper than rebuilding them.
fn is_plain_already(s: &str) -> bool {
    if s.is_ascii() {
        return is_plain_ascii(s.as_bytes());
    }
    let mut after_space = true;
    for c in s.chars() {
        let is_space = c == ' ';
        if (is_space && after_space) || (!is_space && (c.is_whitespace() || !is_xml_safe(c))) {
            return false;
        }
        after_space = is_space;
    }
    !after_space || s.is_empty()
}

/// [`is_plain_already`] for ASCII, byte by byte: printable characters,
/// spaces only single and between words.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    let mut after_space = true;
    for &byte in bytes {
        let is_space = byte == b' ';
        if (is_space && after_space) || !(0x20..=0x7E).contains(&byte) {
            return false;
        }
        after_space = is_space;
    }
    !after_space || bytes.is_empty()
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
/// relative URLs made absolute. Its tags are ammonia's defaults except
/// `bdo` and `rtc`, which the W3C validator flags, plus `figure` and
/// `figcaption`; `<iframe>` passes only so that [`embeds_as_links`] can
/// turn it into a link.
///
/// Built once: building an ammonia sanitiser costs more than most cleanings,
/// which is why the base URL reaches the resolver through a thread-local
/// rather than a sanitiser per record.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["bdo", "rtc"])
        .add_tags(["iframe", "figure", "figcaption"])
        .add_tag_attributes("iframe", ["src", "title"])
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(resolve_relative)))
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// A sanitised HTML fragment: parsed once (so entities are decoded once),
/// cleaned, serialised once. Relative URLs are resolved against `base`, the
/// article's link: a feed reader has no page to resolve them against, and
/// the W3C validator warns about them.
pub(crate) fn sanitise_html(fragment: &str, base: &Url) -> String {
    sanitise_html_with_embeds(fragment, base, EmbedLink::default())
}

/// [`sanitise_html`], with every `<iframe>` turned into the link `embeds`
/// describes.
pub(crate) fn sanitise_html_with_embeds(fragment: &str, base: &Url, embeds: EmbedLink<'_>) -> String {
    match plain_fragment(fragment) {
        Some(text) => xml_safe(&serialised_text(&text)).trim().to_owned(),
        None => sanitise_markup(fragment, base, embeds),
    }
}

/// An HTML fragment that is only text, decoded as the HTML parser would
/// decode it: a leading byte-order mark dropped, line breaks normalised (CR
/// LF and CR become LF), NUL dropped, and character references decoded.
/// `None` when the fragment holds markup (`<`) or a reference outside the
/// few this decoder knows for sure (`&amp;` `&lt;` `&gt;` `&quot;`
/// `&apos;` `&nbsp;` and numeric ones for ordinary characters): the parser
/// decides those.
///
/// Most excerpts are such text. They skip the parser, which costs more than
/// anything else in preparing an item.
fn plain_fragment(fragment: &str) -> Option<String> {
    if fragment.contains('<') {
        return None;
    }
    let text = fragment.strip_prefix('\u{FEFF}').unwrap_or(fragment);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\r' => {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
                out.push('\n');
            }
            '\0' => {}
            '&' => {
                let (decoded, after) = character_reference(rest)?;
                out.push(decoded);
                rest = after;
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// The character a reference (what follows its `&`) stands for, and the
/// text after it; `None` unless it is one the parser surely reads the same.
fn character_reference(after_ampersand: &str) -> Option<(char, &str)> {
    let (reference, rest) = after_ampersand.split_once(';')?;
    let decoded = match reference {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        _ => {
            let number = reference.strip_prefix('#')?;
            let (digits, radix) = match number.strip_prefix(['x', 'X']) {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            if digits.is_empty() || digits.len() > 7 || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            let value = u32::from_str_radix(digits, radix).ok()?;
            // The parser replaces NUL, C1 controls (as Windows-1252) and
            // surrogates; leave those to it.
            if value == 0 || (0x80..=0x9F).contains(&value) {
                return None;
            }
            char::from_u32(value)?
        }
    };
    Some((decoded, rest))
}

/// Decoded text as the HTML serialiser writes it.
fn serialised_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{A0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// [`sanitise_html_with_embeds`] through the HTML parser.
fn sanitise_markup(fragment: &str, base: &Url, embeds: EmbedLink<'_>) -> String {
    RELATIVE_BASE.with_borrow_mut(|current| *current = Some(base.clone()));
    let clean = SANITISER.clean(fragment).to_string();
    RELATIVE_BASE.with_borrow_mut(|current| *current = None);
    xml_safe(&embeds_as_links(clean, embeds)).trim().to_owned()
}

/// The text of an embed's link when neither the caller nor the frame
/// names it. Embeds are video players in practice (records'
/// `featuredContent`), and the raw player URL tells a reader nothing.
pub(crate) const UNNAMED_EMBED_TEXT: &str = "Watch the video";

/// What an `<iframe>` becomes: a link to the frame's source. The sanitiser
/// knows nothing of records; a caller that knows what the frame shows (a
/// record's featured video: its title and picture) says so here.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EmbedLink<'a> {
    /// The link's text. Without it, the frame's own `title`, else
    /// [`UNNAMED_EMBED_TEXT`].
    pub text: Option<&'a str>,
    /// A picture shown inside the link, above its text.
    pub thumbnail: Option<Thumbnail<'a>>,
}

/// A picture of what an embed shows, for [`EmbedLink`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thumbnail<'a> {
    /// Absolute http(s) URL; a picture with any other URL is left out, as
    /// the sanitiser would leave it out.
    pub url: &'a str,
    /// Plain-text alternative text; empty when the link's text says it all.
    pub alt: &'a str,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
}

impl EmbedLink<'_> {
    /// The link for a frame whose source is `src` and whose own title is
    /// `frame_title`. Every value is escaped here: this HTML is written
    /// after the sanitiser has run.
    fn html(&self, src: &str, frame_title: Option<&str>) -> String {
        let text = self.text.or(frame_title).unwrap_or(UNNAMED_EMBED_TEXT);
        let picture = self.thumbnail.filter(|picture| is_web_url(picture.url)).map(|picture| {
            let size =
                |name: &str, pixels: Option<u32>| pixels.map(|n| format!(r#" {name}="{n}""#)).unwrap_or_default();
            format!(
                r#"<img src="{}" alt="{}"{}{}><br>"#,
                escape_attribute(picture.url),
                escape_attribute(picture.alt),
                size("width", picture.width),
                size("height", picture.height)
            )
        });
        format!(
            r#"<a href="{}" rel="noopener noreferrer">{}{}</a>"#,
            escape_attribute(src),
            picture.unwrap_or_default(),
            escape_html(text)
        )
    }
}

/// Whether `url` is an absolute http(s) URL.
fn is_web_url(url: &str) -> bool {
    Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// Every `<iframe>` (a video player, in practice) replaced by a link to its
/// source, as `embeds` describes it; a frame without a source is dropped.
/// Feed readers mostly drop frames, and the W3C validator flags them as a
/// security risk; a link loses nothing. `html` is sanitiser output, whose
/// attribute values are entity-encoded but may hold a raw `<`, so they are
/// decoded and re-escaped.
fn embeds_as_links(html: String, embeds: EmbedLink<'_>) -> String {
    if !html.contains("<iframe") {
        return html;
    }
    let frame_to_link = lol_html::element!("iframe", |frame| {
        let attribute = |name| {
            let value = frame.get_attribute(name)?;
            let decoded = html_escape::decode_html_entities(&value).trim().to_owned();
            (!decoded.is_empty()).then_some(decoded)
        };
        let link = attribute("src").map(|src| embeds.html(&src, attribute("title").as_deref())).unwrap_or_default();
        frame.replace(&link, lol_html::html_content::ContentType::Html);
        Ok(())
    });
    let settings = lol_html::RewriteStrSettings::new().append_element_content_handler(frame_to_link).with_strict(false);
    // Not strict, rewriting fails only on a memory limit (none is set) or a
    // handler error (the handler never fails); dropping the fragment is the
    // safe answer to the impossible.
    lol_html::rewrite_str(&html, settings).unwrap_or_default()
}

/// The text a reader would see for an HTML fragment: tags dropped, entities
/// decoded, whitespace collapsed. Used where a format wants plain text
/// (JSON Feed's `summary`).
pub(crate) fn html_to_text(fragment: &str) -> String {
    match plain_fragment(fragment) {
        Some(text) => plain_text(&text),
        None => markup_to_text(fragment),
    }
}

/// [`html_to_text`] through the HTML parser.
fn markup_to_text(fragment: &str) -> String {
    static TAG_REMOVER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(ammonia::Builder::empty);
    let without_tags = TAG_REMOVER.clean(fragment).to_string();
    plain_text(&html_escape::decode_html_entities(&without_tags))
}

/// A Markdown body as sanitised HTML (CommonMark plus tables, strikethrough
/// and footnotes; raw HTML in the body goes through the same sanitiser, and
/// relative links resolve against `base`).
pub(crate) fn markdown_to_html(markdown: &str, base: &Url) -> String {
    use pulldown_cmark::{Options, Parser, html};
    // Blank lines make no HTML; most records have no body at all.
    if markdown.bytes().all(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r')) {
        return String::new();
    }
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitise_html(&unsafe_html, base)
}

/// Escape text for inclusion in HTML we assemble ourselves.
pub(crate) fn escape_html(text: &str) -> Cow<'_, str> {
    html_escape::encode_text(text)
}

/// Escape a URL for an HTML attribute value in double quotes.
pub(crate) fn escape_attribute(value: &str) -> Cow<'_, str> {
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

    proptest::proptest! {
        #[test]
        fn plain_text_fragments_skip_the_parser_and_give_what_the_parser_gives(
            text in "([a-z \t\r\n\u{0}\u{1}\u{B}\u{7F}\u{85}\u{A0}\u{FEFF}\u{FFFE}>\"'=/;#é🦀人-]|&(amp|lt|gt|quot|apos|nbsp|ampx|notin|#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|#x|#);?){0,30}"
        ) {
            proptest::prop_assert_eq!(sanitise_html(&text), sanitise_markup(&text, &article(), EmbedLink::default()));
            proptest::prop_assert_eq!(html_to_text(&text), markup_to_text(&text));
            let markdown = text.replace(|c: char| !c.is_ascii_whitespace(), "");
            let mut parsed = String::new();
            pulldown_cmark::html::push_html(&mut parsed, pulldown_cmark::Parser::new(&markdown));
            proptest::prop_assert_eq!(markdown_to_html(&markdown), sanitise_markup(&parsed, &article(), EmbedLink::default()));
        }
    }

    #[test]
    fn forbidden_characters_are_removed() {
        assert_eq!(xml_safe("a\u{0}b\u{8}c\u{B}d\u{C}e\u{1F}f\u{FFFE}g\u{FFFF}h\u{85}i"), "abcdefghi");
        assert_eq!(xml_safe("tab\tnl\ncr\r ok"), "tab\tnl\ncr\r ok");
        assert_eq!(xml_safe("r\u{FFFD}n\u{FDD0}\u{1FFFF}\u{10FFFE}!\u{FFFC}"), "rn!\u{FFFC}");
    }

    proptest::proptest! {
        #[test]
        fn text_already_plain_is_returned_as_it_is(text in "[a-z \t\n\u{0}\u{85}\u{A0}\u{2003}\u{FFFE}é<&-]{0,12}") {
            let rebuilt = xml_safe(&text).split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(plain_text(&text), rebuilt);
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_paths_agree_with_the_character_rules(text in "[ -~\t\n\r\u{0}-\u{1F}\u{7F}]{0,16}") {
            let safe: String = text.chars().filter(|&c| is_xml_safe(c)).collect();
            proptest::prop_assert_eq!(xml_safe(&text).into_owned(), safe.clone());
            proptest::prop_assert_eq!(plain_text(&text), safe.split_whitespace().collect::<Vec<_>>().join(" "));
        }
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
    fn video_iframe_becomes_a_link_to_its_source() {
        let html = sanitise_html(
            r#"<iframe width="800" src="https://video.example/embed/1?a=1&amp;b=2" onload="x()"></iframe>"#,
        );
        assert_eq!(
            html,
            r#"<a href="https://video.example/embed/1?a=1&amp;b=2" rel="noopener noreferrer">Watch the video</a>"#
        );
        let titled = sanitise_html(r#"<p><iframe src="/embed/2" title="Keynote <live> &amp; Q&amp;A"></iframe></p>"#);
        assert_eq!(
            titled,
            r#"<p><a href="https://news.test/embed/2" rel="noopener noreferrer">Keynote &lt;live&gt; &amp; Q&amp;A</a></p>"#
        );
        assert_eq!(sanitise_html(r#"<iframe src="javascript:alert(1)"></iframe>ok"#), "ok");
    }

    #[test]
    fn an_embed_link_shows_the_callers_text_and_thumbnail_escaped_once() {
        let thumbnail =
            Thumbnail { url: "https://img.test/still.jpg?w=1&h=2", alt: "A \"still\"", width: Some(640), height: None };
        let embeds = EmbedLink { text: Some("Q&A <live> AT&amp;T"), thumbnail: Some(thumbnail) };
        let html = super::sanitise_html_with_embeds(
            r#"<p><iframe src="https://player.test/e/1" title="YouTube video player"></iframe></p>"#,
            &article(),
            embeds,
        );
        assert_eq!(
            html,
            r#"<p><a href="https://player.test/e/1" rel="noopener noreferrer"><img src="https://img.test/still.jpg?w=1&amp;h=2" alt="A &quot;still&quot;" width="640"><br>Q&amp;A &lt;live&gt; AT&amp;amp;T</a></p>"#
        );
    }

    #[test]
    fn a_thumbnail_without_a_web_url_is_left_out() {
        let thumbnail = Thumbnail { url: "javascript:alert(1)", alt: "", width: None, height: None };
        let embeds = EmbedLink { text: Some("Clip"), thumbnail: Some(thumbnail) };
        let html =
            super::sanitise_html_with_embeds(r#"<iframe src="https://player.test/e/1"></iframe>"#, &article(), embeds);
        assert_eq!(html, r#"<a href="https://player.test/e/1" rel="noopener noreferrer">Clip</a>"#);
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

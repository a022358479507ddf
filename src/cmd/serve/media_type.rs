//! The `Content-Type` of each kind of file in the output folder.

use feedgen::Format;

/// Media types by file-name ending, after the feed formats' own (from
/// [`Format`], so that serving and rendering agree). The first ending that
/// matches decides, so `.rss.xml` and `.atom.xml` come before `.xml`.
/// feedgen's own files come first; the rest cover what people commonly put
/// beside feeds (a `robots.txt`, an icon).
const BY_ENDING: &[(&str, &str)] = &[
    // OPML has no registered type; text/x-opml is what OPML files are
    // customarily served as and what feed readers look for.
    (".opml", "text/x-opml; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".xml", "application/xml"),
    (".txt", "text/plain; charset=utf-8"),
    (".css", "text/css; charset=utf-8"),
    (".svg", "image/svg+xml"),
    (".png", "image/png"),
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".gif", "image/gif"),
    (".webp", "image/webp"),
    (".ico", "image/x-icon"),
];

/// The `Content-Type` to serve the file `name` with, by its ending
/// (ignoring case); `application/octet-stream` for anything else.
pub(super) fn media_type(name: &str) -> &'static str {
    let name = name.to_ascii_lowercase();
    let feeds = Format::ALL.iter().map(|format| (format.extension(), format.media_type()));
    feeds
        .chain(BY_ENDING.iter().copied())
        .find(|(ending, _)| name.ends_with(ending))
        .map_or("application/octet-stream", |(_, media_type)| media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_pages_and_lists_have_their_own_types() {
        assert_eq!(media_type("all.rss.xml"), "application/rss+xml");
        assert_eq!(media_type("topics/rust.atom.xml"), "application/atom+xml");
        assert_eq!(media_type("providers/example-com.json"), "application/feed+json");
        assert_eq!(media_type("index.opml"), "text/x-opml; charset=utf-8");
        assert_eq!(media_type("index.html"), "text/html; charset=utf-8");
    }

    #[test]
    fn other_files_fall_back_by_extension() {
        assert_eq!(media_type("sitemap.xml"), "application/xml");
        assert_eq!(media_type("ROBOTS.TXT"), "text/plain; charset=utf-8");
        assert_eq!(media_type("CNAME"), "application/octet-stream");
    }
}

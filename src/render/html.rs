//! What the HTML documents for people share: the page shell (autodiscovery
//! links, inline style sheet), dates, relative links and the directory of
//! feeds that pages link between.
//!
//! Pages are built with `maud`, which escapes every interpolated value
//! unless it is wrapped in `PreEscaped`; only HTML that [`crate::markup`]
//! already sanitised is.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::model::Feed;
use crate::model::{Family, Format, Site};

/// The style sheet of every page, inline because pages load no external
/// assets. System fonts, a readable measure, and colours that follow the
/// reader's light or dark preference.
const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1c1c1c;--muted:#5e5e5e;--bg:#fcfcfa;--link:#0a58ca;--rule:#deded8;--chip:#eeeee8}
@media (prefers-color-scheme:dark){:root{--fg:#e6e4e0;--muted:#a6a29b;--bg:#141414;--link:#8cb4ff;--rule:#33332f;--chip:#262623}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:46rem;padding:1rem 1.1rem 2rem;font:1.05rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
a{color:var(--link)}
header{border-bottom:1px solid var(--rule);padding-bottom:.8rem;margin-bottom:.4rem}
h1{font-size:1.65rem;line-height:1.2;margin:.2rem 0 .4rem}
h2{font-size:1.2rem;line-height:1.3;margin:0 0 .3rem}
section>h2{margin-top:1.6rem}
p{margin:.4rem 0}
.crumb,.meta,.muted,footer{color:var(--muted);font-size:.92rem}
.formats a,.topics>*{display:inline-block;padding:.05rem .55rem;margin:.15rem .3rem .15rem 0;border-radius:1rem;background:var(--chip);text-decoration:none;font-size:.88rem}
article{padding:1.1rem 0;border-bottom:1px solid var(--rule)}
article img,.excerpt img{display:block;max-width:100%;height:auto;margin:.5rem 0;border-radius:.3rem}
.excerpt{margin:.4rem 0}
article h3{font-size:.95rem;margin:.6rem 0 0}
.related{margin:.2rem 0 .4rem;padding-left:1.2rem;font-size:.95rem}
ul.feeds{list-style:none;padding:0;margin:0}
ul.feeds li{padding:.55rem 0;border-bottom:1px solid var(--rule)}
ul.feeds .name{font-weight:600}
footer{margin-top:2rem}
";

/// One alternate version of a page, for `<link rel="alternate">`.
pub(super) struct Alternate {
    /// Media type, e.g. `application/rss+xml`.
    pub media_type: &'static str,
    /// What a browser or reader shows for it.
    pub title: String,
    /// Relative to the page.
    pub href: String,
}

/// A feed document in each of `formats` (at `path_of` the format) as
/// alternates of a page at `from`.
pub(super) fn feed_alternates(
    formats: &[Format],
    title: &str,
    from: &str,
    path_of: impl Fn(Format) -> String,
) -> Vec<Alternate> {
    formats
        .iter()
        .map(|&format| Alternate {
            media_type: format.media_type(),
            title: format!("{title} ({})", format_name(format)),
            href: relative(from, &path_of(format)),
        })
        .collect()
}

/// A whole HTML5 document.
pub(super) fn document(site: &Site, title: &str, description: &str, alternates: &[Alternate], body: Markup) -> Vec<u8> {
    let page = html! {
        (DOCTYPE)
        html lang=[site.language.as_deref()] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                // Images in excerpts come from other sites; they learn nothing of the page.
                meta name="referrer" content="no-referrer";
                meta name="generator" content="feedgen";
                title { (title) }
                meta name="description" content=(description);
                @for alternate in alternates {
                    link rel="alternate" type=(alternate.media_type) title=(alternate.title) href=(alternate.href);
                }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    let mut bytes = page.into_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

/// Links to a feed's files, as shown on pages.
pub(super) fn format_links(feed: &Feed, formats: &[Format], from: &str) -> Markup {
    html! {
        span.formats {
            @for &format in formats {
                a href=(relative(from, &feed.path(format))) type=(format.media_type()) { (format_name(format)) }
            }
        }
    }
}

/// A format's name, as people know it.
pub(super) fn format_name(format: Format) -> &'static str {
    match format {
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON Feed",
    }
}

/// A date for people (`12 November 2020`, UTC) with its machine-readable form.
pub(super) fn date(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(super::rfc3339(at)) { (at.format("%-d %B %Y")) } }
}

/// The path `to` (relative to the output folder) as seen from a document at
/// `from`: a bare file name within one folder, else climbing out of
/// `from`'s folders. Output paths are `/`-separated and built from slugs,
/// so nothing needs escaping.
pub(super) fn relative(from: &str, to: &str) -> String {
    let folder = from.rsplit_once('/').map_or("", |(folder, _)| folder);
    if let Some(name) = to.strip_prefix(folder).and_then(|rest| rest.strip_prefix('/')).filter(|_| !folder.is_empty()) {
        return name.to_owned();
    }
    format!("{}{to}", "../".repeat(from.matches('/').count()))
}

/// Which page shows each topic and provider, so that items can link to them.
#[derive(Debug)]
pub(crate) struct Directory {
    /// Topic page paths by topic key.
    topics: HashMap<String, String>,
    /// Provider page paths by domain.
    providers: HashMap<String, String>,
}

impl Directory {
    /// The topic and provider pages among `feeds`.
    pub(crate) fn new(feeds: &[Feed]) -> Self {
        let pages = |family| {
            feeds.iter().filter(|feed| feed.family == family).map(|feed| (feed.key.clone(), feed.page_path())).collect()
        };
        Directory { topics: pages(Family::Topics), providers: pages(Family::Providers) }
    }

    /// The page of the topic named `name`, if topic pages are built.
    pub(crate) fn topic(&self, name: &str) -> Option<&str> {
        self.topics.get(&crate::model::name_key(name)).map(String::as_str)
    }

    /// The page of the provider at `domain`, if provider pages are built.
    pub(crate) fn provider(&self, domain: &str) -> Option<&str> {
        self.providers.get(domain).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_page_folder() {
        assert_eq!(relative("all.html", "topics/ai.html"), "topics/ai.html");
        assert_eq!(relative("topics/ai.html", "providers/x.html"), "../providers/x.html");
        assert_eq!(relative("topics/ai.html", "index.html"), "../index.html");
        assert_eq!(relative("topics/ai.html", "topics/ai.rss.xml"), "ai.rss.xml");
        assert_eq!(relative("topics/ai.html", "topics-x/b.html"), "../topics-x/b.html");
        assert_eq!(relative("index.html", "all.json"), "all.json");
    }
}

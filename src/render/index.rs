//! `index.html`: what someone landing on the hosted folder sees. Every
//! feed, grouped by family, with its item count, newest item date, page and
//! feed files; autodiscovery for the firehose and the OPML list.

use maud::{Markup, html};

use super::html::{Alternate, date, document, feed_alternates, format_links};
use super::{FeedMeta, OPML_PATH};
use crate::model::Feed;
use crate::model::{Family, Format, Site};

/// The index's own path.
pub(crate) const INDEX_PATH: &str = "index.html";

/// A family's heading on the index and in the OPML list.
pub(super) fn family_heading(family: Family) -> &'static str {
    match family {
        Family::All => "Everything",
        Family::Topics => "Topics",
        Family::Providers => "Providers",
        Family::Categories => "Categories",
        Family::Types => "Types",
    }
}

/// A feed's name on the index: the firehose has none of its own.
pub(super) fn feed_name(feed: &Feed) -> &str {
    if feed.family == Family::All { "All articles" } else { &feed.name }
}

/// Render the index of `feeds` (in output order).
pub(super) fn render(feeds: &[Feed], site: &Site, formats: &[Format]) -> Vec<u8> {
    let mut alternates: Vec<Alternate> = feeds
        .iter()
        .filter(|feed| feed.family == Family::All)
        .flat_map(|feed| feed_alternates(formats, &site.title, INDEX_PATH, |format| feed.path(format)))
        .collect();
    alternates.push(Alternate {
        media_type: "text/x-opml",
        title: format!("{} (every feed, OPML)", site.title),
        href: OPML_PATH.to_owned(),
    });
    let families = Family::ALL.into_iter().filter(|&family| feeds.iter().any(|feed| feed.family == family));
    let body = html! {
        header {
            h1 { (site.title) }
            p { (site.description) }
            p.muted {
                (feeds.len()) " feeds, each as " (formats_list(formats)) ". "
                "Subscribe to all of them at once with the " a href=(OPML_PATH) type="text/x-opml" { "OPML list" } "."
            }
        }
        main {
            @for family in families {
                section {
                    h2 { (family_heading(family)) }
                    ul.feeds {
                        @for feed in feeds.iter().filter(|feed| feed.family == family) {
                            (entry(feed, site, formats))
                        }
                    }
                }
            }
        }
        footer {
            p { "Built by feedgen from " a href=(site.home_url.as_str()) { (site.home_url.as_str()) } "." }
        }
    };
    document(site, &site.title, &site.description, &alternates, body)
}

/// One feed's line.
fn entry(feed: &Feed, site: &Site, formats: &[Format]) -> Markup {
    let meta = FeedMeta::new(feed, site);
    let count = feed.items.len();
    html! {
        li {
            a.name href=(feed.page_path()) title=(meta.title) { (feed_name(feed)) }
            br;
            span.muted {
                (count) @if count == 1 { " article" } @else { " articles" }
                @if let Some(newest) = feed.items.first() { ", newest " (date(newest.published)) }
            }
            " "
            (format_links(feed, formats, INDEX_PATH))
        }
    }
}

/// "RSS, Atom and JSON Feed".
fn formats_list(formats: &[Format]) -> String {
    let names: Vec<&str> = formats.iter().map(|&format| super::html::format_name(format)).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

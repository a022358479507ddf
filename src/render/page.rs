//! A feed's page for people (`<slug>.html` beside `<slug>.rss.xml`): its
//! items as a readable page, since browsers no longer render feeds. No
//! JavaScript; the only resources it loads are the articles' own images.

use maud::{Markup, PreEscaped, html};

use super::FeedMeta;
use super::html::{Directory, date, document, feed_alternates, format_links, relative};
use super::index::{INDEX_PATH, family_heading};
use crate::english::counted;
use crate::history::Page;
use crate::model::Feed;
use crate::model::Item;
use crate::model::{Format, Site};

/// What a page shows of its feed's history.
#[derive(Debug, Clone, Copy)]
pub(super) enum History<'a> {
    /// The feed's own page, with its archive pages (oldest first; none
    /// without archives).
    Feed(&'a [Page]),
    /// The page of archive document `name`, with its older and newer
    /// neighbours (the newest links to the feed's own page instead).
    Archive { name: &'a str, older: Option<&'a Page>, newer: Option<&'a Page> },
}

/// Render the page of `feed`, or (`history`) of one of its archive
/// documents, whose items `feed` then holds.
pub(super) fn render(
    feed: &Feed,
    site: &Site,
    formats: &[Format],
    directory: &Directory,
    history: History<'_>,
) -> Vec<u8> {
    let meta = FeedMeta::new(feed, site);
    let (path, title) = match history {
        History::Feed(_) => (feed.page_path(), meta.title.clone()),
        History::Archive { name, .. } => {
            (feed.archive_page_path(name), format!("{}: {}", meta.title, archive_label(name)))
        }
    };
    // Autodiscovery finds the feed to subscribe to, from an archive page too:
    // an archive document is part of the feed's history, not a feed to follow.
    let alternates = feed_alternates(formats, &meta.title, &path, |format| feed.path(format));
    let body = html! {
        header {
            p.crumb {
                a href=(relative(&path, INDEX_PATH)) { (site.title) } " › " (family_heading(feed.family))
                @if let History::Archive { .. } = history {
                    " › " a href=(relative(&path, &feed.page_path())) { (feed_label(feed, &meta.title)) }
                }
            }
            h1 { (title) }
            p { (meta.description) }
            p { "Subscribe: " (format_links(feed, formats, &path)) }
            @if let History::Archive { older, newer, .. } = history { (archive_navigation(feed, &path, older, newer)) }
        }
        main {
            @if feed.items.is_empty() {
                p.muted { "No articles yet." }
            }
            @for item in &feed.items {
                (article(item, &path, directory))
            }
        }
        @match history {
            History::Feed(pages) if !pages.is_empty() => {
                section.archive {
                    h2 { "Older articles" }
                    ul.feeds {
                        @for page in pages.iter().rev() {
                            li {
                                a.name href=(relative(&path, &feed.archive_page_path(&page.name))) { (archive_label(&page.name)) }
                                " · " (counted(page.count, "article"))
                            }
                        }
                    }
                }
            }
            History::Feed(_) => {}
            History::Archive { older, newer, .. } => { (archive_navigation(feed, &path, older, newer)) }
        }
        footer {
            p { "Built by feedgen from " a href=(site.home_url.as_str()) { (site.home_url.as_str()) } "." }
        }
    };
    document(site, &title, &meta.description, &alternates, body)
}

/// The name of the feed in a crumb: its display name, or for the firehose
/// its title.
fn feed_label<'a>(feed: &'a Feed, title: &'a str) -> &'a str {
    if feed.name.is_empty() { title } else { &feed.name }
}

/// Links from an archive page to the newer and older ones (the newest
/// archive page's newer one is the feed's own page).
fn archive_navigation(feed: &Feed, path: &str, older: Option<&Page>, newer: Option<&Page>) -> Markup {
    let newer = match newer {
        Some(page) => (feed.archive_page_path(&page.name), archive_label(&page.name)),
        None => (feed.page_path(), "Latest articles".to_owned()),
    };
    html! {
        nav.history {
            p {
                "Newer: " a rel="next" href=(relative(path, &newer.0)) { (newer.1) }
                @if let Some(older) = older {
                    " · Older: "
                    a rel="prev" href=(relative(path, &feed.archive_page_path(&older.name))) { (archive_label(&older.name)) }
                }
            }
        }
    }
}

/// An archive document's name for people: `2026` is "2026", `2026.2`
/// "2026, part 2".
fn archive_label(name: &str) -> String {
    match name.split_once('.') {
        Some((year, part)) => format!("{year}, part {part}"),
        None => name.to_owned(),
    }
}

/// One item: title, provider and date, image, excerpt, topics, and related
/// links under a "Related" heading, as in the feeds' content.
fn article(item: &Item, page: &str, directory: &Directory) -> Markup {
    let provider_page = item.provider.as_ref().and_then(|provider| {
        let page = directory.provider(provider.domain.as_deref()?)?;
        Some((provider.name.as_str(), page))
    });
    html! {
        article {
            h2 { a href=(item.link) { (item.title) } }
            p.meta {
                @if let Some((name, provider)) = provider_page {
                    a href=(relative(page, provider)) { (name) } " · "
                } @else if let Some(provider) = &item.provider {
                    (provider.name) " · "
                }
                (date(item.published))
            }
            @if let Some(image) = item.images.first() {
                img src=(image.url) width=[image.width] height=[image.height]
                    alt=(image.title.as_deref().unwrap_or(&item.title)) loading="lazy" decoding="async"
                    referrerpolicy="no-referrer";
            }
            @if let Some(summary) = &item.summary_html {
                div.excerpt { (PreEscaped(summary)) }
            }
            @if !item.topics.is_empty() {
                p.topics {
                    @for topic in &item.topics {
                        @if let Some(topic_page) = directory.topic(topic) {
                            a href=(relative(page, topic_page)) { (topic) }
                        } @else {
                            span { (topic) }
                        }
                        " "
                    }
                }
            }
            @if !item.related.is_empty() {
                // One level below the item's own `h2`, as in the page's outline.
                h3 { "Related" }
                ul.related {
                    @for related in &item.related {
                        li {
                            a href=(related.url) { (related.title) }
                            @if let Some(provider) = &related.provider { " (" (provider) ")" }
                        }
                    }
                }
            }
        }
    }
}

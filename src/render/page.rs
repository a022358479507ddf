//! A feed's page for people (`<slug>.html` beside `<slug>.rss.xml`): its
//! items as a readable page, since browsers no longer render feeds. No
//! JavaScript; the only resources it loads are the articles' own images.

use maud::{Markup, PreEscaped, html};

use super::FeedMeta;
use super::html::{Directory, date, document, feed_alternates, format_links, relative};
use super::index::{INDEX_PATH, family_heading};
use crate::model::Feed;
use crate::model::Item;
use crate::model::{Format, Site};

/// Render the page of `feed`.
pub(super) fn render(feed: &Feed, site: &Site, formats: &[Format], directory: &Directory) -> Vec<u8> {
    let meta = FeedMeta::new(feed, site);
    let path = feed.page_path();
    let alternates = feed_alternates(feed, &meta.title, formats, &path);
    let body = html! {
        header {
            p.crumb { a href=(relative(&path, INDEX_PATH)) { (site.title) } " › " (family_heading(feed.family)) }
            h1 { (meta.title) }
            p { (meta.description) }
            p { "Subscribe: " (format_links(feed, formats, &path)) }
        }
        main {
            @if feed.items.is_empty() {
                p.muted { "No articles yet." }
            }
            @for item in &feed.items {
                (article(item, &path, directory))
            }
        }
        footer {
            p { "Built by feedgen from " a href=(site.home_url.as_str()) { (site.home_url.as_str()) } "." }
        }
    };
    document(site, &meta.title, &meta.description, &alternates, body)
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

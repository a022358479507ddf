//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).

use serde::Serialize;

use super::{Chain, FeedMeta, rfc3339};
use crate::model::Feed;
use crate::model::Item;
use crate::model::Site;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon: Option<&'a str>,
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    /// The next older document of the feed's history.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<JsonItem<'a>>,
}

/// A JSON Feed 1.1 `hubs` entry.
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    /// JSON Feed requires `content_html` or `content_text`: the content,
    /// else the excerpt, else (as text) the title.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

fn json_item(item: &Item) -> JsonItem<'_> {
    let content_html = item.content_html.as_deref().or(item.summary_html.as_deref());
    JsonItem {
        id: &item.id,
        url: &item.link,
        title: &item.title,
        content_html,
        content_text: content_html.is_none().then_some(item.title.as_str()),
        summary: item.summary_text.as_deref(),
        image: item.images.first().map(|image| image.url.as_str()),
        date_published: rfc3339(item.published),
        date_modified: rfc3339(item.updated),
        authors: item
            .provider
            .iter()
            .map(|provider| Author { name: &provider.name, url: provider.home.as_deref() })
            .collect(),
        tags: item.topics.iter().chain(&item.tags).map(String::as_str).collect(),
    }
}

pub(super) fn render(
    feed: &Feed,
    site: &Site,
    meta: &FeedMeta,
    self_url: &str,
    chain: &Chain,
) -> Result<Vec<u8>, String> {
    let json = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        home_page_url: &meta.page_url,
        // Every document of a feed's history is the same feed.
        feed_url: chain.current.as_deref().unwrap_or(self_url),
        description: &meta.description,
        favicon: feed.icon.as_deref(),
        authors: vec![Author { name: &site.author, url: None }],
        language: site.language.as_deref(),
        next_url: chain.prev_archive.as_deref(),
        hubs: chain.hub(site).iter().map(|hub| Hub { kind: "WebSub", url: hub.as_str() }).collect(),
        items: feed.items.iter().map(|item| json_item(item)).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&json).map_err(|error| error.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

//! RSS 2.0, with `atom:link rel="self"`, `content:encoded`, Dublin Core
//! `dc:creator` for the provider (RSS's own `author` must be an e-mail
//! address) and Media RSS for images.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Image};

use super::{Chain, FeedMeta, GENERATOR};
use crate::model::Feed;
use crate::model::{Format, Site};
use crate::model::{Item, ItemImage};

const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";

fn media_element(name: &str, image: &ItemImage) -> Extension {
    let mut attrs = BTreeMap::from([("url".to_owned(), image.url.clone())]);
    if name == "media:content" {
        attrs.insert("medium".to_owned(), "image".to_owned());
        if let Some(media_type) = image.media_type {
            attrs.insert("type".to_owned(), media_type.to_owned());
        }
    }
    if let Some(width) = image.width {
        attrs.insert("width".to_owned(), width.to_string());
    }
    if let Some(height) = image.height {
        attrs.insert("height".to_owned(), height.to_string());
    }
    let mut children = BTreeMap::new();
    if let (Some(title), "media:content") = (&image.title, name) {
        let title = Extension { name: "media:title".to_owned(), value: Some(title.clone()), ..Default::default() };
        children.insert("title".to_owned(), vec![title]);
    }
    Extension { name: name.to_owned(), value: None, attrs, children }
}

/// `media:content` for every image and `media:thumbnail` for the first.
fn media_extensions(images: &[ItemImage]) -> ExtensionMap {
    let Some(first) = images.first() else { return ExtensionMap::new() };
    let contents = images.iter().map(|image| media_element("media:content", image)).collect();
    let thumbnail = vec![media_element("media:thumbnail", first)];
    let elements = BTreeMap::from([("content".to_owned(), contents), ("thumbnail".to_owned(), thumbnail)]);
    BTreeMap::from([("media".to_owned(), elements)])
}

fn rss_item(item: &Item) -> rss::Item {
    let categories = item.topics.iter().chain(&item.tags).map(|name| Category { name: name.clone(), domain: None });
    // The RSS Profile wants a description before any content:encoded, so
    // without an excerpt the full content is the description.
    let (description, content) = match &item.summary_html {
        Some(summary) => (Some(summary.clone()), item.content_html.clone()),
        None => (item.content_html.clone(), None),
    };
    rss::Item {
        title: Some(item.title.clone()),
        link: Some(item.link.clone()),
        description,
        guid: Some(Guid { value: item.id.clone(), permalink: item.id == item.link }),
        pub_date: Some(item.published.to_rfc2822()),
        categories: categories.collect(),
        content,
        dublin_core_ext: item
            .provider
            .as_ref()
            .map(|provider| DublinCoreExtension { creators: vec![provider.name.clone()], ..Default::default() }),
        extensions: media_extensions(&item.images),
        ..Default::default()
    }
}

/// Whether a logo may be the channel `image`, which RSS 2.0 limits to GIF,
/// JPEG and PNG: its file extension, if it has one, must be one of those.
/// (Atom's `icon` and JSON Feed's `favicon` take any format.)
fn is_rss_image_format(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let file_name = path.rsplit('/').next().unwrap_or_default();
    match file_name.rsplit_once('.') {
        Some((_, extension)) => matches!(extension.to_ascii_lowercase().as_str(), "gif" | "jpg" | "jpeg" | "png"),
        None => true,
    }
}

/// The channel's `atom:link`s for its place in the feed's history.
fn chain_links(chain: &Chain) -> impl Iterator<Item = Link> + '_ {
    [("current", &chain.current), ("prev-archive", &chain.prev_archive), ("next-archive", &chain.next_archive)]
        .into_iter()
        .filter_map(|(rel, href)| {
            let href = href.as_ref()?;
            let mime_type = Some(Format::Rss.media_type().to_owned());
            Some(Link { href: href.clone(), rel: rel.to_owned(), mime_type, ..Default::default() })
        })
}

pub(super) fn render(
    feed: &Feed,
    site: &Site,
    meta: &FeedMeta,
    self_url: &str,
    chain: &Chain,
) -> Result<Vec<u8>, String> {
    let self_link = Link {
        href: self_url.to_owned(),
        rel: "self".to_owned(),
        mime_type: Some(Format::Rss.media_type().to_owned()),
        ..Default::default()
    };
    let hub_link =
        chain.hub(site).map(|hub| Link { href: hub.to_string(), rel: "hub".to_owned(), ..Default::default() });
    let image = feed.icon.as_ref().filter(|icon| is_rss_image_format(icon)).map(|icon| Image {
        url: icon.clone(),
        title: meta.title.clone(),
        link: meta.page_url.clone(),
        ..Default::default()
    });
    let mut namespaces = BTreeMap::from([("media".to_owned(), MEDIA_NAMESPACE.to_owned())]);
    namespaces.extend(chain.namespaces());
    let channel = Channel {
        title: meta.title.clone(),
        link: meta.page_url.clone(),
        description: meta.description.clone(),
        language: site.language.clone(),
        generator: Some(GENERATOR.to_owned()),
        last_build_date: Some(meta.updated.to_rfc2822()),
        image,
        atom_ext: Some(AtomExtension {
            links: std::iter::once(self_link).chain(hub_link).chain(chain_links(chain)).collect(),
        }),
        namespaces,
        items: feed.items.iter().map(|item| rss_item(item)).collect(),
        ..Default::default()
    };
    let mut bytes = channel.pretty_write_to(Vec::new(), b' ', 2).map_err(|error| error.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

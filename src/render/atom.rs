//! Atom 1.0 (RFC 4287): provider as entry author, images as
//! `rel="enclosure"` links, related articles as `rel="related"` links.

use atom_syndication::{Category, Content, Entry, FixedDateTime, Generator, Link, Person, Text, WriteConfig};

use super::{Chain, FeedMeta, GENERATOR};
use crate::model::Feed;
use crate::model::Item;
use crate::model::{Format, Site};

fn link(rel: &str, href: &str, mime_type: Option<&str>, title: Option<&str>) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        title: title.map(str::to_owned),
        ..Default::default()
    }
}

fn entry(item: &Item) -> Entry {
    let mut links = vec![link("alternate", &item.link, Some("text/html"), None)];
    links.extend(
        item.images.iter().map(|image| link("enclosure", &image.url, image.media_type, image.title.as_deref())),
    );
    links.extend(item.related.iter().map(|related| link("related", &related.url, None, Some(&related.title))));
    let authors = item.provider.iter().map(|provider| Person {
        name: provider.name.clone(),
        uri: provider.home.clone(),
        ..Default::default()
    });
    let categories =
        item.topics.iter().chain(&item.tags).map(|name| Category { term: name.clone(), ..Default::default() });
    Entry {
        title: Text::plain(item.title.clone()),
        id: item.id.clone(),
        updated: FixedDateTime::from(item.updated),
        published: Some(FixedDateTime::from(item.published)),
        authors: authors.collect(),
        categories: categories.collect(),
        links,
        // An entry with neither summary nor content leaves a reader nothing
        // to show; the title stands in.
        summary: match (&item.summary_html, &item.content_html) {
            (Some(summary), _) => Some(Text::html(summary.clone())),
            (None, None) => Some(Text::plain(item.title.clone())),
            (None, Some(_)) => None,
        },
        content: item.content_html.clone().map(|html| Content {
            value: Some(html),
            content_type: Some("html".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) fn render(
    feed: &Feed,
    site: &Site,
    meta: &FeedMeta,
    self_url: &str,
    chain: &Chain,
) -> Result<Vec<u8>, String> {
    let atom_type = Some(Format::Atom.media_type());
    let chain_links =
        [("current", &chain.current), ("prev-archive", &chain.prev_archive), ("next-archive", &chain.next_archive)]
            .map(|(rel, href)| href.as_deref().map(|href| link(rel, href, atom_type, None)));
    let atom = atom_syndication::Feed {
        title: Text::plain(meta.title.clone()),
        // Every document of a feed's history is the same feed.
        id: chain.current.as_deref().unwrap_or(self_url).to_owned(),
        updated: FixedDateTime::from(meta.updated),
        authors: vec![Person { name: site.author.clone(), ..Default::default() }],
        generator: Some(Generator { value: GENERATOR.to_owned(), ..Default::default() }),
        icon: feed.icon.clone(),
        links: [
            Some(link("self", self_url, atom_type, None)),
            Some(link("alternate", &meta.page_url, Some("text/html"), None)),
            chain.hub(site).map(|hub| link("hub", hub.as_str(), None, None)),
        ]
        .into_iter()
        .chain(chain_links)
        .flatten()
        .collect(),
        namespaces: chain.namespaces().into_iter().collect(),
        subtitle: Some(Text::plain(meta.description.clone())),
        lang: site.language.clone(),
        entries: feed.items.iter().map(|item| entry(item)).collect(),
        ..Default::default()
    };
    let config = WriteConfig { write_document_declaration: true, indent_size: Some(2) };
    let mut bytes = atom.write_with_config(Vec::new(), config).map_err(|error| error.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

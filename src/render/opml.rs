//! `index.opml`: every feed as an OPML 2.0 subscription list, one outline
//! per family, so that a reader can subscribe to all of them at once.
//!
//! `xmlUrl` is absolute under `base_url` (readers import the file from
//! anywhere) and names the RSS file, else the first format built;
//! `htmlUrl` is the feed's page. Written with `quick_xml`, which escapes
//! attribute values; the names in it were cleaned of characters XML forbids
//! when the items were prepared.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::FeedMeta;
use super::index::{family_heading, feed_name};
use crate::model::Feed;
use crate::model::{Family, Format, Site};

/// The list's path.
pub(crate) const OPML_PATH: &str = "index.opml";

/// Render the OPML list of `feeds` (in output order).
pub(super) fn render(feeds: &[Feed], site: &Site, formats: &[Format]) -> Result<Vec<u8>, String> {
    let format = if formats.contains(&Format::Rss) { Some(Format::Rss) } else { formats.first().copied() };
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, feeds, site, format).map_err(|error| error.to_string())?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write(writer: &mut Writer<Vec<u8>>, feeds: &[Feed], site: &Site, format: Option<Format>) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.create_element("opml").with_attribute(("version", "2.0")).write_inner_content(|writer| {
        writer.create_element("head").write_inner_content(|writer| {
            writer.create_element("title").write_text_content(BytesText::new(&site.title))?;
            writer.create_element("ownerName").write_text_content(BytesText::new(&site.author))?;
            writer.create_element("docs").write_text_content(BytesText::new("https://opml.org/spec2.opml"))?;
            Ok(())
        })?;
        writer.create_element("body").write_inner_content(|writer| {
            for family in Family::ALL {
                let members: Vec<&Feed> = feeds.iter().filter(|feed| feed.family == family).collect();
                if members.is_empty() {
                    continue;
                }
                let heading = family_heading(family);
                writer
                    .create_element("outline")
                    .with_attributes([("text", heading), ("title", heading)])
                    .write_inner_content(|writer| {
                        for feed in members {
                            outline(writer, feed, site, format)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// One feed's outline.
fn outline(writer: &mut Writer<Vec<u8>>, feed: &Feed, site: &Site, format: Option<Format>) -> io::Result<()> {
    let meta = FeedMeta::new(feed, site);
    let name = feed_name(feed);
    let mut element = writer.create_element("outline").with_attributes([("type", "rss"), ("text", name)]);
    element = element.with_attribute(("title", meta.title.as_str()));
    if let Some(format) = format {
        element = element.with_attribute(("xmlUrl", site.url_of(&feed.path(format)).as_str()));
    }
    element.with_attribute(("htmlUrl", meta.page_url.as_str())).write_empty()?;
    Ok(())
}

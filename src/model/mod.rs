//! The data the stages hand each other: plain types with no behaviour
//! beyond naming themselves. The loader makes [`Record`]s, preparation
//! turns them into [`Item`]s, gathering groups items into [`Feed`]s of a
//! [`Family`] (and reports each [`Duplicate`]), rendering writes each feed
//! in every [`Format`] as an [`OutputFile`] about the [`Site`].

mod feed;
mod item;
mod output;
mod record;
mod site;

pub use feed::{Duplicate, Feed};
pub(crate) use feed::{is_archive_path, is_subscription_path, name_key, sort_duplicates};
pub(crate) use item::{Facets, IMAGE_MEDIA_TYPES};
pub use item::{Item, ItemImage, ItemLink, ItemProvider};
pub(crate) use output::PINGS_NAME;
pub use output::{IDS_NAME, MANIFEST_NAME, OutputFile, local_path};
pub use record::{Image, Provider, Record, Related};
pub use site::{Family, Format, Site};

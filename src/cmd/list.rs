//! `feedgen list`: the feeds a build would write, for people or (`--json`)
//! for scripts. Reads and groups the records; renders and writes nothing.

use chrono::SecondsFormat;
use clap::Args;
use feedgen::FeedSummary;

use super::build::{print_skipped, print_warnings};
use super::settings::SettingsArgs;
use super::{Failure, stdout};

/// Options of `feedgen list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen list\n  \
                        feedgen list --json | jq -r '.[] | select(.items < 5) | .path'")]
pub(crate) struct ListArgs {
    #[command(flatten)]
    settings: SettingsArgs,
    /// Print a JSON array (family, slug, path, name, items, newest, left_out, archives, archived_items) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Run `feedgen list`.
pub(crate) fn run(args: ListArgs) -> Result<(), Failure> {
    let settings = args.settings.resolve()?;
    let (feeds, report) = feedgen::list(&settings)?;
    print_skipped(&report);
    if !args.settings.quiet() {
        print_warnings(&report);
    }
    if args.json {
        stdout::print(json(&feeds))
    } else {
        table(&feeds, settings.max_bytes.is_some(), settings.archives).iter().try_for_each(stdout::print)
    }
}

/// The date as scripts want it: RFC 3339 in UTC.
fn rfc3339(feed: &FeedSummary) -> Option<String> {
    feed.newest.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn json(feeds: &[FeedSummary]) -> String {
    let entries: Vec<serde_json::Value> = feeds
        .iter()
        .map(|feed| {
            serde_json::json!({
                "family": feed.family.name(),
                "slug": feed.slug,
                "path": feed.stem,
                "name": feed.name,
                "items": feed.items,
                "newest": rfc3339(feed),
                "left_out": feed.left_out,
                "archives": feed.archives,
                "archived_items": feed.archived_items,
            })
        })
        .collect();
    serde_json::Value::Array(entries).to_string()
}

/// A header, then one line per feed: path, item count, newest date, (with
/// a size `budget`) how many items it left out for it, (with `archives`)
/// how many archive documents and items it has, and name.
fn table(feeds: &[FeedSummary], budget: bool, archives: bool) -> Vec<String> {
    let width = feeds.iter().map(|feed| feed.stem.len()).max().unwrap_or(0).max("FEED".len());
    let column = |shown: bool, value: &dyn std::fmt::Display| {
        if shown { format!("  {value:>8}") } else { String::new() }
    };
    let optional =
        |left_out: &dyn std::fmt::Display, documents: &dyn std::fmt::Display, items: &dyn std::fmt::Display| {
            [column(budget, left_out), column(archives, documents), column(archives, items)].concat()
        };
    let header = optional(&"LEFT OUT", &"ARCHIVES", &"ARCHIVED");
    let mut lines = vec![format!("{:width$}  {:>5}  {:10}{header}  NAME", "FEED", "ITEMS", "NEWEST")];
    for feed in feeds {
        let newest = feed.newest.map_or_else(|| "-".to_owned(), |at| at.format("%Y-%m-%d").to_string());
        let columns = optional(&feed.left_out, &feed.archives, &feed.archived_items);
        lines.push(format!("{:width$}  {:>5}  {newest:10}{columns}  {}", feed.stem, feed.items, feed.name));
    }
    lines
}

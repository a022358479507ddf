//! Refusing a build that would throw published feeds away.
//!
//! A CI job whose `input` points at the wrong folder reads no record.
//! Written, its build would empty the firehose and remove every other feed,
//! with exit code 0, and feed readers polling meanwhile would drop every
//! item they had. So before anything is written (or compared, for
//! `build --check`), the feeds a build produces are set against the feeds
//! the output folder's manifest lists, which an earlier build wrote, and the
//! build stops when
//!
//! - it has no record to publish while the folder holds feeds with items
//!   (it would remove them, or empty them), or
//! - it would remove more than half of the feeds the folder holds.
//!
//! `--allow-empty` (`allow_empty: true`) lets a build that means it go on.
//! A feed counts once whatever its formats: it is the path of its files
//! without the extension, as `feedgen list` names it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::english::counted;
use crate::model::local_path;
use crate::model::{Format, is_archive_path};

/// How many of the feeds a refusal would remove it names.
const NAMED: usize = 5;

/// What a build is about to do, for [`Guard::approve`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guard<'a> {
    /// Go on whatever the build removes (`--allow-empty`).
    pub allow_empty: bool,
    /// How many records the build publishes (those that become items).
    pub publishes: usize,
    /// How many record files it read (valid, invalid or unpublished), for
    /// the message.
    pub records_read: usize,
    /// Its inputs, to name in the message.
    pub inputs: &'a [PathBuf],
}

/// Why a build stopped before writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The build has no record to publish, and the output folder holds
    /// feeds from an earlier build.
    #[error(
        "{}, but {} holds {} from an earlier build: a build would {}, so it stops before writing. Check \
         `input` in feedgen.yaml (or --input); if the site really has nothing to publish now, pass --allow-empty",
        found(.records_read, .inputs),
        .output.display(),
        counted(*.listed, "feed"),
        losses(*.removed, *.emptied)
    )]
    NothingToPublish {
        /// The output folder.
        output: PathBuf,
        /// The inputs read.
        inputs: Vec<PathBuf>,
        /// Record files read.
        records_read: usize,
        /// Feeds the manifest lists.
        listed: usize,
        /// How many of them the build would remove.
        removed: usize,
        /// How many of the others hold items, which the build would drop.
        emptied: usize,
    },
    /// The build would remove more than half of the feeds the output
    /// folder holds.
    #[error(
        "a build would remove {} of the {} in {} ({}), so it stops before writing. If those feeds are meant \
         to go (records deleted, topics renamed), pass --allow-empty to remove them; otherwise check `input` \
         in feedgen.yaml (or --input) and the records",
        .removed.len(),
        counted(*.listed, "feed"),
        .output.display(),
        named(.removed)
    )]
    MostFeedsRemoved {
        /// The output folder.
        output: PathBuf,
        /// Feeds the manifest lists.
        listed: usize,
        /// The feeds it would remove, sorted.
        removed: Vec<String>,
    },
}

/// "found no record in a, b", or "found no record to publish in a (of 3
/// records: …)".
fn found(records_read: &usize, inputs: &[PathBuf]) -> String {
    let inputs: Vec<String> = inputs.iter().map(|input| input.display().to_string()).collect();
    let inputs = inputs.join(", ");
    match records_read {
        0 => format!("found no record in {inputs}"),
        read => format!(
            "found no record to publish in {inputs} (of {}: all unpublished, invalid, future-dated or duplicates)",
            counted(*read, "record")
        ),
    }
}

/// "remove 3 feeds and leave 1 feed empty", without a part that counts none.
fn losses(removed: usize, emptied: usize) -> String {
    let removing = format!("remove {}", counted(removed, "feed"));
    let emptying = format!("leave {} empty", counted(emptied, "feed"));
    match (removed, emptied) {
        (_, 0) => removing,
        (0, _) => emptying,
        _ => format!("{removing} and {emptying}"),
    }
}

/// The first few feeds, then how many more.
fn named(feeds: &[String]) -> String {
    let mut text = feeds.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if feeds.len() > NAMED {
        text.push_str(&format!(" and {} more", feeds.len() - NAMED));
    }
    text
}

/// The feed a path in the output folder is a file of (the path without its
/// format's extension), or `None` for pages, the index, the OPML list and
/// archive documents: archives come and go with the `archives` setting, and
/// a feed's history is not a feed of its own.
pub(crate) fn feed_of(path: &str) -> Option<&str> {
    if is_archive_path(path) {
        return None;
    }
    Format::ALL.iter().find_map(|format| path.strip_suffix(format.extension()))
}

/// Whether the feed `feed` in `output` holds any item, as its files there
/// tell: the JSON Feed's `items` if that file is listed (`listed`), else
/// whether the RSS or Atom file has an `<item>` or `<entry>` (feedgen wrote
/// them, and escapes text, so only an item writes one). A file that cannot
/// be read counts as holding items: a refusal is the safe mistake.
fn holds_items(output: &Path, listed: &BTreeSet<String>, feed: &str) -> bool {
    let file = |format: Format| {
        let path = format!("{feed}{}", format.extension());
        listed.contains(&path).then(|| fs::read(local_path(output, &path)))
    };
    if let Some(read) = file(Format::Json) {
        let items = read.ok().and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
        return items.is_none_or(|feed| feed["items"].as_array().is_none_or(|items| !items.is_empty()));
    }
    let marked = |format, mark: &str| {
        file(format).map(|read| read.map_or(true, |bytes| memchr::memmem::find(&bytes, mark.as_bytes()).is_some()))
    };
    marked(Format::Rss, "<item>").or_else(|| marked(Format::Atom, "<entry>")).unwrap_or(true)
}

impl Guard<'_> {
    /// Whether a build that produces the feeds `produced` may write into
    /// `output`, whose manifest lists `listed_paths` (every file an earlier
    /// build wrote there). With nothing to publish, a folder whose feeds
    /// are all kept and already empty loses nothing: the build goes on.
    pub(crate) fn approve<'p>(
        &self,
        output: &Path,
        listed_paths: &BTreeSet<String>,
        produced: impl IntoIterator<Item = &'p str>,
    ) -> Result<(), Refusal> {
        if self.allow_empty {
            return Ok(());
        }
        let produced: BTreeSet<&str> = produced.into_iter().collect();
        let mut listed = listed_paths.iter().filter_map(|path| feed_of(path));
        // Most builds publish and keep every feed: nothing on disk to look at.
        if self.publishes > 0 && listed.all(|feed| produced.contains(feed)) {
            return Ok(());
        }
        // Feeds whose files are all gone already (deleted by hand) have
        // nothing left to lose.
        let present = |path: &&String| local_path(output, path).is_file();
        let listed: BTreeSet<&str> = listed_paths.iter().filter(present).filter_map(|path| feed_of(path)).collect();
        if listed.is_empty() {
            return Ok(());
        }
        let (kept, removed): (Vec<&str>, Vec<&str>) = listed.iter().partition(|feed| produced.contains(*feed));
        let removed: Vec<String> = removed.into_iter().map(str::to_owned).collect();
        if self.publishes == 0 {
            let emptied = kept.iter().filter(|feed| holds_items(output, listed_paths, feed)).count();
            if removed.is_empty() && emptied == 0 {
                return Ok(());
            }
            return Err(Refusal::NothingToPublish {
                output: output.to_owned(),
                inputs: self.inputs.to_vec(),
                records_read: self.records_read,
                listed: listed.len(),
                removed: removed.len(),
                emptied,
            });
        }
        if removed.len() * 2 > listed.len() {
            return Err(Refusal::MostFeedsRemoved { output: output.to_owned(), listed: listed.len(), removed });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder holding `paths` as an earlier build left them (every feed
    /// with an item), and the manifest's listing of them.
    fn written(paths: &[&str]) -> (tempfile::TempDir, BTreeSet<String>) {
        let dir = tempfile::tempdir().unwrap();
        for path in paths {
            let file = dir.path().join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            let bytes = if path.ends_with(".json") { r#"{"items": [{"id": "https://a.test/"}]}"# } else { "<item/>" };
            fs::write(file, bytes).unwrap();
        }
        (dir, paths.iter().map(|path| (*path).to_owned()).collect())
    }

    fn guard(publishes: usize) -> Guard<'static> {
        Guard { allow_empty: false, publishes, records_read: publishes, inputs: &[] }
    }

    const EARLIER: [&str; 8] = [
        "all.rss.xml",
        "all.json",
        "all.html",
        "index.html",
        "index.opml",
        "topics/a.rss.xml",
        "topics/a.json",
        "topics/b.json",
    ];

    #[test]
    fn a_feed_is_its_files_without_the_format_extension() {
        assert_eq!(feed_of("topics/rust.atom.xml"), Some("topics/rust"));
        assert_eq!(feed_of("all.json"), Some("all"));
        assert_eq!(feed_of("topics/rust.html"), None);
        assert_eq!(feed_of("index.opml"), None);
        assert_eq!(feed_of("topics/rust/archive/2026-03.json"), None);
    }

    #[test]
    fn nothing_to_publish_over_earlier_feeds_is_refused_with_the_counts() {
        let (dir, listed) = written(&EARLIER);
        let refusal = guard(0).approve(dir.path(), &listed, ["all"]).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NothingToPublish {
                output: dir.path().to_owned(),
                inputs: Vec::new(),
                records_read: 0,
                listed: 3,
                removed: 2,
                emptied: 1
            }
        );
        assert!(refusal.to_string().contains("holds 3 feeds from an earlier build"), "{refusal}");
        assert!(refusal.to_string().contains("would remove 2 feeds and leave 1 feed empty, so"), "{refusal}");
    }

    #[test]
    fn nothing_to_publish_into_a_folder_without_feeds_goes_on() {
        let guard = guard(0);
        let (empty, none) = written(&[]);
        assert_eq!(guard.approve(empty.path(), &none, ["all"]), Ok(()));
        let (pages, listed) = written(&["index.html", "CNAME.html"]);
        assert_eq!(guard.approve(pages.path(), &listed, ["all"]), Ok(()));
    }

    #[test]
    fn feeds_whose_files_are_gone_already_count_as_nothing_to_lose() {
        let (dir, mut listed) = written(&["all.json", "topics/a.json"]);
        listed.extend(["topics/gone.json".to_owned(), "topics/gone.rss.xml".to_owned()]);
        assert_eq!(guard(1).approve(dir.path(), &listed, ["all"]), Ok(()));
    }

    #[test]
    fn nothing_to_publish_over_an_already_empty_firehose_goes_on_and_over_items_is_refused() {
        let (dir, listed) = written(&["all.json", "all.rss.xml", "index.html"]);
        fs::write(dir.path().join("all.json"), r#"{"version": "1.1", "items": []}"#).unwrap();
        assert_eq!(guard(0).approve(dir.path(), &listed, ["all"]), Ok(()));
        fs::write(dir.path().join("all.json"), r#"{"items": [{"id": "https://a.test/"}]}"#).unwrap();
        let refusal = guard(0).approve(dir.path(), &listed, ["all"]).unwrap_err();
        assert!(matches!(refusal, Refusal::NothingToPublish { removed: 0, emptied: 1, .. }), "{refusal:?}");
        assert!(refusal.to_string().contains("a build would leave 1 feed empty, so"), "{refusal}");
        let (rss_dir, rss_only) = written(&["all.rss.xml"]);
        fs::write(rss_dir.path().join("all.rss.xml"), "<rss><channel><title>T</title></channel></rss>").unwrap();
        assert_eq!(guard(0).approve(rss_dir.path(), &rss_only, ["all"]), Ok(()));
        let with_item = "<rss><channel><item><title>T</title></item></channel></rss>";
        fs::write(rss_dir.path().join("all.rss.xml"), with_item).unwrap();
        assert!(guard(0).approve(rss_dir.path(), &rss_only, ["all"]).is_err());
    }

    #[test]
    fn removing_more_than_half_the_feeds_is_refused_and_half_is_not() {
        let (dir, earlier) = written(&EARLIER);
        let refusal = guard(1).approve(dir.path(), &earlier, ["all"]).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::MostFeedsRemoved {
                output: dir.path().to_owned(),
                listed: 3,
                removed: vec!["topics/a".into(), "topics/b".into()]
            }
        );
        let (four_dir, four) = written(&["all.json", "topics/a.json", "topics/b.json", "topics/c.json"]);
        assert_eq!(guard(1).approve(four_dir.path(), &four, ["all", "topics/a"]), Ok(()));
    }

    #[test]
    fn allow_empty_lets_any_build_go_on() {
        let (dir, earlier) = written(&EARLIER);
        let allowed = Guard { allow_empty: true, ..guard(0) };
        assert_eq!(allowed.approve(dir.path(), &earlier, []), Ok(()));
    }

    #[test]
    fn a_refusal_names_a_few_removed_feeds_and_counts_the_rest() {
        let paths: Vec<String> =
            (0..9).map(|index| format!("topics/t{index}.json")).chain(["all.json".into()]).collect();
        let (dir, earlier) = written(&paths.iter().map(String::as_str).collect::<Vec<_>>());
        let message = guard(1).approve(dir.path(), &earlier, ["all"]).unwrap_err().to_string();
        assert!(message.contains("a build would remove 9 of the 10 feeds in "), "{message}");
        assert!(message.contains(" (topics/t0, topics/t1, topics/t2, topics/t3, topics/t4 and 4 more)"), "{message}");
    }
}

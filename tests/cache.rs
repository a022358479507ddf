//! The build cache (`src/cache`): a build that reads through it leaves the
//! output folder exactly as a build without it would, byte for byte,
//! whatever happened since the last build to the records, the settings,
//! the cache file or the output folder; a damaged cache costs one warning
//! and is rewritten; the cache holds nothing a build must not keep
//! (`secured` values, unpublished records); and `--no-cache` reads and
//! writes none.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use feedgen::{Family, Progress, Report, Settings, Stage};
use proptest::prelude::*;

use common::*;

// ---------------------------------------------------------------------------
// A site whose records, settings and clock change step by step.
// ---------------------------------------------------------------------------

/// Links, few, so that records share them (duplicates). The last one is
/// also an explicit id below: a record's id and another's link collide.
const LINKS: [&str; 6] = [
    "https://alpha.test/news/one",
    "https://alpha.test/news/two",
    "https://beta.test/story?id=3",
    "https://gamma.test/a/b",
    "http://alpha.test/news/one",
    "https://shared.test/same",
];

/// Explicit ids, few, so that records share them too.
const IDS: [&str; 3] = ["tag:feeds.test,2026:one", "tag:feeds.test,2026:two", "https://shared.test/same"];

/// Topics, each with its spellings: the display name is the spelling most
/// records use.
const TOPICS: [&[&str]; 4] =
    [&["Rust", "rust", "RUST"], &["AI", "ai"], &["Web Dev", "web dev", "WEB DEV"], &["Databases"]];

/// Providers: name, domain and logo. Two spellings of Alpha's domain give
/// one feed; Alpha's and Gamma's logos differ between records.
const PROVIDERS: [(&str, &str, Option<&str>); 6] = [
    ("Alpha News", "alpha.test", Some("https://alpha.test/logo-1.png")),
    ("alpha news", "www.alpha.test", None),
    ("Beta Daily", "beta.test", None),
    ("Gamma", "gamma.test", Some("https://gamma.test/g.png")),
    ("Gamma", "gamma.test", Some("https://cdn.gamma.test/g2.png")),
    ("Alpha News", "alpha.test", Some("https://alpha.test/logo-2.png")),
];

const KINDS: [&str; 2] = ["article", "video"];
const CATEGORIES: [&str; 3] = ["news", "release", "News"];

/// Every `secured:` value starts so: none may reach the cache.
const SECURED_PREFIX: &str = "S3CR3T-";

/// One record file, as the test writes it.
#[derive(Debug, Clone)]
struct Rec {
    /// The title's number: `Story 123` (three digits: an edit keeps the size).
    title: u16,
    link: usize,
    id: Option<usize>,
    /// (topic, spelling)
    topics: Vec<(usize, usize)>,
    provider: Option<usize>,
    /// `published:` as written; `None`: not written (published).
    published: Option<bool>,
    /// Publication day relative to the tests' `NOW` (positive: future).
    day: i64,
    hour: u32,
    /// `updatedDateTime`, hours after publication.
    updated: Option<u32>,
    secured: u32,
    excerpt: Option<u16>,
    /// The body's number (three digits); 0: no body.
    body: u16,
    kind: usize,
    category: usize,
    /// Written with a date no parser takes: an invalid record.
    broken: bool,
}

impl Rec {
    fn text(&self) -> String {
        let mut text = String::from("---\n");
        let _ = writeln!(text, "title: \"Story {:03} & <co>\"", self.title % 1000);
        let at = NOW + self.day * 86_400 + i64::from(self.hour) * 3600;
        let published = chrono::DateTime::from_timestamp(at, 0).unwrap();
        if self.broken {
            text.push_str("publishedDateTime: someday\n");
        } else {
            let _ = writeln!(text, "publishedDateTime: {}", published.to_rfc3339());
        }
        if let Some(hours) = self.updated {
            let updated = published + chrono::Duration::hours(i64::from(hours));
            let _ = writeln!(text, "updatedDateTime: {}", updated.to_rfc3339());
        }
        let _ = writeln!(text, "originalUrl: \"{}\"", LINKS[self.link]);
        if let Some(id) = self.id {
            let _ = writeln!(text, "id: \"{}\"", IDS[id]);
        }
        let _ = writeln!(text, "type: {}", KINDS[self.kind]);
        let _ = writeln!(text, "category: {}", CATEGORIES[self.category]);
        if let Some(published) = self.published {
            let _ = writeln!(text, "published: {published}");
        }
        if let Some(provider) = self.provider {
            let (name, domain, logo) = PROVIDERS[provider];
            let _ = writeln!(text, "provider:\n  name: {name}\n  domain: {domain}");
            if let Some(logo) = logo {
                let _ = writeln!(text, "  images:\n    - url: \"{logo}\"\n      width: 64\n      height: 64");
            }
        }
        if !self.topics.is_empty() {
            text.push_str("topics:\n");
            for &(topic, spelling) in &self.topics {
                let spellings = TOPICS[topic];
                let _ = writeln!(text, "  - {}", spellings[spelling % spellings.len()]);
            }
        }
        if let Some(excerpt) = self.excerpt {
            let _ = writeln!(text, "excerpt: \"<p>Excerpt {excerpt:03} &amp; <em>more</em></p>\"");
        }
        let _ = writeln!(text, "secured: \"{SECURED_PREFIX}{:08x}\"", self.secured);
        text.push_str("---\n");
        if self.body > 0 {
            let body = self.body % 1000;
            let _ = writeln!(text, "Body {body:03} with *emphasis* and a [link](https://body.test/{body:03}).");
        }
        text
    }
}

/// A file of the inputs: a record, or a file without front matter.
#[derive(Debug, Clone)]
enum Content {
    Record(Rec),
    Plain(u16),
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Record(record) => record.text(),
            Content::Plain(number) => format!("Notes {number:03}: no front matter here.\n"),
        }
    }
}

/// The settings a step may change.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    limit: usize,
    max_bytes: Option<u64>,
    /// An index into [`FAMILIES`].
    families: usize,
    /// An index into [`TITLES`].
    title: usize,
    include_unpublished: bool,
    include_future: bool,
    /// Days added to the tests' `NOW`.
    now_shift: i64,
    archives: bool,
    /// An index into [`ARCHIVE_ITEMS`].
    archive_items: usize,
}

const LIMITS: [usize; 5] = [0, 1, 2, 3, 50];
const MAX_BYTES: [Option<u64>; 3] = [None, Some(3_000), Some(6_000)];
const FAMILIES: [&[Family]; 4] =
    [&Family::DEFAULT, &Family::ALL, &[Family::All], &[Family::Topics, Family::Providers, Family::Categories]];
const TITLES: [&str; 2] = ["Test Site", "Other & <Site>"];
const ARCHIVE_ITEMS: [usize; 3] = [1, 2, 200];

impl Config {
    /// Whether a setting that reaches every document differs.
    fn reaches_documents(&self, other: &Config) -> bool {
        (self.limit, self.max_bytes, self.families, self.title, self.archives, self.archive_items)
            != (other.limit, other.max_bytes, other.families, other.title, other.archives, other.archive_items)
    }

    /// Whether a build with these settings uses the cache: not for archives
    /// cut by a size budget.
    fn uses_cache(&self) -> bool {
        !(self.archives && self.max_bytes.is_some())
    }
}

/// Which file an edit is about: an index into the files, modulo their number.
#[derive(Debug, Clone, Copy)]
struct Pick(usize);

impl Pick {
    fn index(&self, len: usize) -> usize {
        self.0 % len
    }
}

fn pick() -> impl Strategy<Value = Pick> {
    (0usize..64).prop_map(Pick)
}

/// One change between two builds.
#[derive(Debug, Clone)]
enum Edit {
    Add(Rec),
    AddPlain(u16),
    Delete(Pick),
    Title(Pick, u16),
    Date(Pick, i64, u32),
    Link(Pick, usize),
    Id(Pick, Option<usize>),
    Topics(Pick, Vec<(usize, usize)>),
    Provider(Pick, Option<usize>),
    Updated(Pick, Option<u32>),
    TogglePublished(Pick),
    ToggleBroken(Pick),
    Rename(Pick),
    /// Swap two files' contents by renaming them into each other's place.
    Swap(Pick, Pick),
    /// Overwrite one file with another's bytes.
    CopyOver(Pick, Pick),
    Body(Pick, u16),
    Excerpt(Pick, Option<u16>),
    /// Set the modification time, content unchanged.
    Touch(Pick, u64),
    /// Write the same bytes again.
    Rewrite(Pick),
    Limit(usize),
    MaxBytes(usize),
    Families(usize),
    SiteTitle(usize),
    IncludeUnpublished,
    IncludeFuture,
    /// Move the build's `now` this many days on (past future records).
    MoveNow(i64),
    /// Turn archives on or off.
    Archives,
    /// Set `archive_items` (an index into [`ARCHIVE_ITEMS`]).
    ArchiveItems(usize),
}

/// What a step's builds are compared on, besides the files.
fn counts(report: &Report) -> impl PartialEq + std::fmt::Debug {
    (
        (report.records_read, report.unpublished, report.future, report.published),
        (report.duplicates.clone(), report.feeds, report.files, report.trimmed_feeds),
        (report.warnings.clone(), report.skipped.clone(), report.without_front_matter.clone()),
        report.archives,
    )
}

/// A site, built after every step twice: through the build cache (the
/// warm output folder, the same cache folder all along) and without it
/// (the cold output folder, which lives through the same steps so that
/// its id list has the same history), and once more without it into a
/// fresh folder.
struct Site {
    root: tempfile::TempDir,
    files: BTreeMap<String, Content>,
    /// Each file's modification time, set back after every write: far in
    /// the past, never within the cache's racy window, and the same for
    /// every version of a file, so that an edit that keeps its size shows
    /// only in its status-change time (which is recent: every file a step
    /// writes is read and hashed by the next build, unless it was written
    /// more than 3 s before the last build, see [`AGEING`]).
    mtimes: BTreeMap<String, SystemTime>,
    /// The bytes of each file as the last build through the cache found them.
    built: BTreeMap<String, Vec<u8>>,
    config: Config,
    /// The config of the last build through the cache.
    built_config: Option<Config>,
    /// Whether a build without the cache wrote the warm output folder
    /// since the last one through it.
    written_around_cache: bool,
    next_name: usize,
    /// What happened so far, for failure messages.
    log: Vec<String>,
}

impl Site {
    fn new(files: Vec<Content>, config: Config) -> Site {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("records")).unwrap();
        let mut site = Site {
            root,
            files: BTreeMap::new(),
            mtimes: BTreeMap::new(),
            built: BTreeMap::new(),
            config,
            built_config: None,
            written_around_cache: false,
            next_name: 0,
            log: Vec::new(),
        };
        for content in files {
            let name = site.new_name();
            site.write(&name, content);
        }
        site
    }

    fn records(&self) -> PathBuf {
        self.root.path().join("records")
    }

    fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    fn warm(&self) -> PathBuf {
        self.root.path().join("warm/feeds")
    }

    fn cold(&self) -> PathBuf {
        self.root.path().join("cold/feeds")
    }

    fn new_name(&mut self) -> String {
        self.next_name += 1;
        format!("r{:03}.md", self.next_name)
    }

    /// Write `content` as `name`, then set its modification time back to
    /// the one the file had (or a new one, far in the past): only its size,
    /// status-change time and inode tell the cache it changed.
    fn write(&mut self, name: &str, content: Content) {
        let path = self.records().join(name);
        fs::write(&path, content.text()).unwrap();
        let count = self.mtimes.len() as u64;
        let mtime = *self
            .mtimes
            .entry(name.to_owned())
            .or_insert(SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000 + count * 60));
        set_mtime(&path, mtime);
        self.files.insert(name.to_owned(), content);
    }

    fn pick(&self, index: &Pick) -> Option<String> {
        (!self.files.is_empty()).then(|| self.files.keys().nth(index.index(self.files.len())).unwrap().clone())
    }

    /// Apply `edit` to the record at `index`, if there is a record there.
    fn edit_record(&mut self, index: &Pick, change: impl FnOnce(&mut Rec)) {
        let Some(name) = self.pick(index) else { return };
        let mut content = self.files[&name].clone();
        match &mut content {
            Content::Record(record) => change(record),
            Content::Plain(number) => *number = (*number + 1) % 1000,
        }
        self.write(&name, content);
    }

    fn apply(&mut self, edit: &Edit) {
        self.log.push(format!("{edit:?}"));
        match edit {
            Edit::Add(record) => {
                let name = self.new_name();
                self.write(&name, Content::Record(record.clone()));
            }
            Edit::AddPlain(number) => {
                let name = self.new_name();
                self.write(&name, Content::Plain(*number));
            }
            Edit::Delete(index) => {
                if let Some(name) = self.pick(index) {
                    fs::remove_file(self.records().join(&name)).unwrap();
                    self.files.remove(&name);
                    self.mtimes.remove(&name);
                }
            }
            Edit::Title(index, title) => self.edit_record(index, |record| record.title = *title),
            Edit::Date(index, day, hour) => self.edit_record(index, |record| (record.day, record.hour) = (*day, *hour)),
            Edit::Link(index, link) => self.edit_record(index, |record| record.link = *link),
            Edit::Id(index, id) => self.edit_record(index, |record| record.id = *id),
            Edit::Topics(index, topics) => self.edit_record(index, |record| record.topics = topics.clone()),
            Edit::Provider(index, provider) => self.edit_record(index, |record| record.provider = *provider),
            Edit::Updated(index, updated) => self.edit_record(index, |record| record.updated = *updated),
            Edit::TogglePublished(index) => self.edit_record(index, |record| {
                record.published = match record.published {
                    Some(false) => Some(true),
                    _ => Some(false),
                }
            }),
            Edit::ToggleBroken(index) => self.edit_record(index, |record| record.broken = !record.broken),
            Edit::Body(index, body) => self.edit_record(index, |record| record.body = *body),
            Edit::Excerpt(index, excerpt) => self.edit_record(index, |record| record.excerpt = *excerpt),
            Edit::Rename(index) => {
                if let Some(name) = self.pick(index) {
                    let new = self.new_name();
                    fs::rename(self.records().join(&name), self.records().join(&new)).unwrap();
                    let content = self.files.remove(&name).unwrap();
                    self.files.insert(new.clone(), content);
                    let mtime = self.mtimes.remove(&name).unwrap();
                    self.mtimes.insert(new, mtime);
                }
            }
            Edit::Swap(a, b) => {
                if let (Some(a), Some(b)) = (self.pick(a), self.pick(b))
                    && a != b
                {
                    let (path_a, path_b) = (self.records().join(&a), self.records().join(&b));
                    let between = self.root.path().join("swapping");
                    fs::rename(&path_a, &between).unwrap();
                    fs::rename(&path_b, &path_a).unwrap();
                    fs::rename(&between, &path_b).unwrap();
                    let (content_a, content_b) = (self.files[&a].clone(), self.files[&b].clone());
                    self.files.insert(a.clone(), content_b);
                    self.files.insert(b.clone(), content_a);
                    let (mtime_a, mtime_b) = (self.mtimes[&a], self.mtimes[&b]);
                    self.mtimes.insert(a, mtime_b);
                    self.mtimes.insert(b, mtime_a);
                }
            }
            Edit::CopyOver(from, to) => {
                if let (Some(from), Some(to)) = (self.pick(from), self.pick(to)) {
                    let content = self.files[&from].clone();
                    self.write(&to, content);
                }
            }
            Edit::Touch(index, seconds) => {
                if let Some(name) = self.pick(index) {
                    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000 + seconds);
                    set_mtime(&self.records().join(&name), mtime);
                    self.mtimes.insert(name, mtime);
                }
            }
            Edit::Rewrite(index) => {
                if let Some(name) = self.pick(index) {
                    let content = self.files[&name].clone();
                    self.write(&name, content);
                }
            }
            Edit::Limit(limit) => self.config.limit = LIMITS[*limit],
            Edit::MaxBytes(max_bytes) => self.config.max_bytes = MAX_BYTES[*max_bytes],
            Edit::Families(families) => self.config.families = *families,
            Edit::SiteTitle(title) => self.config.title = *title,
            Edit::IncludeUnpublished => self.config.include_unpublished = !self.config.include_unpublished,
            Edit::IncludeFuture => self.config.include_future = !self.config.include_future,
            Edit::MoveNow(days) => self.config.now_shift += days,
            Edit::Archives => self.config.archives = !self.config.archives,
            Edit::ArchiveItems(items) => self.config.archive_items = *items,
        }
    }

    /// Settings for a build into `output`, with the cache in `cache`.
    fn settings(&self, output: &Path, cache: Option<&Path>) -> Settings {
        let mut settings = settings(&self.records(), output);
        let config = &self.config;
        settings.site.title = TITLES[config.title].to_owned();
        settings.limit = config.limit;
        settings.max_bytes = config.max_bytes;
        settings.families = FAMILIES[config.families].to_vec();
        settings.include_unpublished = config.include_unpublished;
        settings.include_future = config.include_future;
        settings.now = now() + chrono::Duration::days(config.now_shift);
        settings.archives = config.archives;
        settings.archive_items = ARCHIVE_ITEMS[config.archive_items];
        // Deleting records must not make the build refuse to write (the
        // fresh folder never would), and broken records are skipped.
        settings.allow_empty = true;
        settings.skip_invalid = true;
        settings.cache = cache.map(Path::to_owned);
        settings
    }

    /// Build (warm, cold and fresh) and compare; what the step changed
    /// decides what the warm build must have taken from the cache.
    fn build_and_compare(&mut self) -> Result<(), TestCaseError> {
        let history = || self.log.join("\n  ");
        let warm = feedgen::build(&self.settings(&self.warm(), Some(&self.cache())));
        let warm = warm.map_err(|error| TestCaseError::fail(format!("warm build failed: {error}\n  {}", history())))?;
        let cold = feedgen::build(&self.settings(&self.cold(), None)).unwrap();
        let fresh_folder = tempfile::tempdir().unwrap();
        let fresh_output = fresh_folder.path().join("feeds");
        let fresh = feedgen::build(&self.settings(&fresh_output, None)).unwrap();

        let (warm_tree, cold_tree) = (read_tree(&self.warm()), read_tree(&self.cold()));
        if let Some(difference) = difference(&warm_tree, &cold_tree) {
            return Err(TestCaseError::fail(format!(
                "warm and cold output folders differ: {difference}\nsteps:\n  {}",
                history()
            )));
        }
        // A fresh folder has no id list from earlier builds to go by.
        let without_ids = |mut tree: BTreeMap<String, Vec<u8>>| {
            tree.remove(feedgen::IDS_NAME);
            tree
        };
        if let Some(difference) = difference(&without_ids(warm_tree), &without_ids(read_tree(&fresh_output))) {
            return Err(TestCaseError::fail(format!(
                "warm and fresh output folders differ: {difference}\nsteps:\n  {}",
                history()
            )));
        }
        prop_assert_eq!(counts(&warm), counts(&cold), "reports differ\nsteps:\n  {}", history());
        prop_assert_eq!(counts(&warm), counts(&fresh), "reports differ from a fresh build\nsteps:\n  {}", history());
        prop_assert_eq!(&warm.output, &cold.output, "changes differ\nsteps:\n  {}", history());
        prop_assert_eq!(&warm.id_changes, &cold.id_changes, "id changes differ\nsteps:\n  {}", history());
        prop_assert!(warm.cache_warnings.is_empty(), "{:?}", warm.cache_warnings);
        for file in cache_files(&self.cache()) {
            let bytes = fs::read(&file).unwrap();
            let leaks = bytes.windows(SECURED_PREFIX.len()).any(|window| window == SECURED_PREFIX.as_bytes());
            prop_assert!(!leaks, "a secured value is in {}", file.display());
        }
        prop_assert_eq!((cold.records_reused, cold.feeds_kept, cold.archives_kept), (0, 0, 0));
        if !self.config.uses_cache() {
            let reused = (warm.records_reused, warm.feeds_kept, warm.archives_kept);
            prop_assert_eq!(reused, (0, 0, 0), "steps:\n  {}", history());
            self.written_around_cache = true;
            return Ok(());
        }

        // Every file the last build read, unchanged in path and bytes, is
        // taken from the cache, and no other: unless the cache was made
        // with other unpublished records, or archives are on and no file
        // can be kept (other settings reach the documents), when every
        // record is read whole (then none is). After a build without the
        // cache wrote the folder, its files may or may not be kept.
        let on_disk = read_tree(&self.records());
        let unchanged = on_disk.iter().filter(|(name, bytes)| self.built.get(*name) == Some(bytes)).count();
        let same_records = self.built_config.as_ref().is_some_and(|built| {
            built.include_unpublished == self.config.include_unpublished
                && !(self.config.archives && built.reaches_documents(&self.config))
        });
        let reusable = if same_records { unchanged } else { 0 };
        let read_whole_or_not = self.config.archives && self.written_around_cache;
        prop_assert!(
            warm.records_reused == reusable || (read_whole_or_not && warm.records_reused == 0),
            "{} records taken from the cache, {reusable} unchanged (of {} read)\nsteps:\n  {}",
            warm.records_reused,
            warm.records_read,
            history()
        );
        prop_assert!(warm.feeds_kept <= warm.feeds && warm.archives_kept <= warm.archives);

        if let Some(built) = &self.built_config {
            if built.reaches_documents(&self.config) {
                let kept = (warm.feeds_kept, warm.archives_kept);
                prop_assert_eq!(kept, (0, 0), "settings changed, yet documents were kept\nsteps:\n  {}", history());
            } else if *built == self.config && on_disk == self.built && !self.written_around_cache {
                prop_assert_eq!(
                    (warm.feeds_kept, warm.archives_kept),
                    (warm.feeds, warm.archives),
                    "nothing changed, yet feeds or archive documents were rendered\nsteps:\n  {}",
                    history()
                );
            }
        }
        self.built = on_disk;
        self.built_config = Some(self.config.clone());
        self.written_around_cache = false;
        Ok(())
    }
}

fn set_mtime(path: &Path, mtime: SystemTime) {
    fs::File::options().write(true).open(path).unwrap().set_modified(mtime).unwrap();
}

/// The first difference between two output folders, readably.
fn difference(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    let (keys_a, keys_b): (Vec<&String>, Vec<&String>) = (a.keys().collect(), b.keys().collect());
    if keys_a != keys_b {
        let only_a: Vec<&&String> = keys_a.iter().filter(|key| !b.contains_key(**key)).collect();
        let only_b: Vec<&&String> = keys_b.iter().filter(|key| !a.contains_key(**key)).collect();
        return Some(format!("files only in the first: {only_a:?}; only in the second: {only_b:?}"));
    }
    let (path, bytes) = a.iter().find(|(path, bytes)| b[*path] != **bytes)?;
    let (text_a, text_b) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(&b[path]));
    let line = text_a.lines().zip(text_b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    let around = |text: &str| text.lines().skip(line.saturating_sub(2)).take(6).collect::<Vec<_>>().join("\n");
    Some(format!("{path}, from line {}:\n--- first\n{}\n--- second\n{}", line + 1, around(&text_a), around(&text_b)))
}

// ---------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------

fn record() -> impl Strategy<Value = Rec> {
    let day = prop_oneof![5 => -6i64..=-1, 1 => 1i64..=40];
    (
        (0u16..1000, 0..LINKS.len(), prop::option::weighted(0.25, 0..IDS.len())),
        (prop::collection::vec((0..TOPICS.len(), 0usize..3), 0..3), prop::option::weighted(0.8, 0..PROVIDERS.len())),
        (
            prop_oneof![6 => Just(None), 1 => Just(Some(true)), 2 => Just(Some(false))],
            day,
            prop::sample::select(vec![0u32, 12]),
        ),
        (prop::option::weighted(0.4, prop::sample::select(vec![0u32, 6, 30])), any::<u32>()),
        (prop::option::weighted(0.5, 100u16..1000), prop_oneof![Just(0u16), 100u16..1000]),
        (0..KINDS.len(), 0..CATEGORIES.len(), prop::bool::weighted(0.05)),
    )
        .prop_map(
            |(
                (title, link, id),
                (topics, provider),
                (published, day, hour),
                (updated, secured),
                (excerpt, body),
                (kind, category, broken),
            )| Rec {
                title,
                link,
                id,
                topics,
                provider,
                published,
                day,
                hour,
                updated,
                secured,
                excerpt,
                body,
                kind,
                category,
                broken,
            },
        )
}

fn config() -> impl Strategy<Value = Config> {
    let archives = (any::<bool>(), 0..ARCHIVE_ITEMS.len());
    (0..LIMITS.len(), 0..MAX_BYTES.len(), 0..FAMILIES.len(), 0..TITLES.len(), archives).prop_map(
        |(limit, max_bytes, families, title, (archives, archive_items))| Config {
            limit: LIMITS[limit],
            max_bytes: MAX_BYTES[max_bytes],
            families,
            title,
            include_unpublished: false,
            include_future: false,
            now_shift: 0,
            archives,
            archive_items,
        },
    )
}

fn edit() -> impl Strategy<Value = Edit> {
    let topics = prop::collection::vec((0..TOPICS.len(), 0usize..3), 0..3);
    prop_oneof![
        3 => record().prop_map(Edit::Add),
        1 => (0u16..1000).prop_map(Edit::AddPlain),
        2 => pick().prop_map(Edit::Delete),
        3 => (pick(), 0u16..1000).prop_map(|(index, title)| Edit::Title(index, title)),
        2 => (pick(), prop_oneof![-8i64..=-1, 1i64..=30], prop::sample::select(vec![0u32, 12]))
            .prop_map(|(index, day, hour)| Edit::Date(index, day, hour)),
        2 => (pick(), 0..LINKS.len()).prop_map(|(index, link)| Edit::Link(index, link)),
        1 => (pick(), prop::option::of(0..IDS.len())).prop_map(|(index, id)| Edit::Id(index, id)),
        2 => (pick(), topics).prop_map(|(index, topics)| Edit::Topics(index, topics)),
        1 => (pick(), prop::option::of(0..PROVIDERS.len())).prop_map(|(index, provider)| Edit::Provider(index, provider)),
        1 => (pick(), prop::option::of(prop::sample::select(vec![0u32, 6, 30])))
            .prop_map(|(index, updated)| Edit::Updated(index, updated)),
        2 => pick().prop_map(Edit::TogglePublished),
        1 => pick().prop_map(Edit::ToggleBroken),
        2 => pick().prop_map(Edit::Rename),
        1 => (pick(), pick()).prop_map(|(a, b)| Edit::Swap(a, b)),
        1 => (pick(), pick()).prop_map(|(a, b)| Edit::CopyOver(a, b)),
        3 => (pick(), prop_oneof![Just(0u16), 100u16..1000]).prop_map(|(index, body)| Edit::Body(index, body)),
        1 => (pick(), prop::option::of(100u16..1000)).prop_map(|(index, excerpt)| Edit::Excerpt(index, excerpt)),
        2 => (pick(), 0u64..1_000_000).prop_map(|(index, seconds)| Edit::Touch(index, seconds)),
        2 => pick().prop_map(Edit::Rewrite),
        1 => (0..LIMITS.len()).prop_map(Edit::Limit),
        1 => (0..MAX_BYTES.len()).prop_map(Edit::MaxBytes),
        1 => (0..FAMILIES.len()).prop_map(Edit::Families),
        1 => (0..TITLES.len()).prop_map(Edit::SiteTitle),
        1 => Just(Edit::IncludeUnpublished),
        1 => Just(Edit::IncludeFuture),
        2 => (1i64..=30).prop_map(Edit::MoveNow),
        1 => Just(Edit::Archives),
        1 => (0..ARCHIVE_ITEMS.len()).prop_map(Edit::ArchiveItems),
    ]
}

/// `PROPTEST_CASES` when set (for a longer hunt), else `default`.
fn env_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default)
}

/// How long to wait so that files written before it are out of the
/// cache's racy window (3 s) for every later build: their status-change
/// time, which no program can set back, must be older than that.
const AGEING: Duration = Duration::from_millis(3_300);

/// Run `edits` on a site of `files`, comparing the builds after each.
/// `aged`: wait before the first build, so that every later build takes
/// the files no edit touched by their metadata alone, unread.
fn run_steps(files: Vec<Content>, config: Config, edits: &[Edit], aged: bool) -> Result<(), TestCaseError> {
    let mut site = Site::new(files, config);
    site.log.push(format!("initial config {:?}, {} files, aged: {aged}", site.config, site.files.len()));
    for (name, content) in &site.files {
        site.log.push(format!("  {name}: {content:?}"));
    }
    if aged {
        std::thread::sleep(AGEING);
    }
    site.build_and_compare()?;
    for edit in edits {
        site.apply(edit);
        site.build_and_compare()?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: env_cases(64), ..ProptestConfig::default() })]

    /// The differential test: through any sequence of edits to the
    /// records, the settings and the clock, a build with the cache leaves
    /// exactly the files, and reports exactly the counts, of one without
    /// it, and takes from the cache every record file it read before.
    /// Every file was written within the racy window of the build after
    /// it, so each is read and hashed (see the aged test below).
    #[test]
    fn a_build_through_the_cache_writes_what_a_build_without_it_writes(
        records in prop::collection::vec(record(), 5..=20),
        config in config(),
        edits in prop::collection::vec(edit(), 3..=10),
    ) {
        let files = records.into_iter().map(Content::Record).collect();
        run_steps(files, config, &edits, false)?;
    }
}

proptest! {
    // Each case waits 3.3 s; shrinking a failure waits that long per try.
    #![proptest_config(ProptestConfig {
        cases: env_cases(64) / 8,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    /// The same, with the racy window waited out before the first build:
    /// every later build takes the files no edit touched by their metadata
    /// alone, unread.
    #[test]
    fn a_build_that_trusts_file_metadata_writes_what_a_build_without_the_cache_writes(
        records in prop::collection::vec(record(), 5..=20),
        config in config(),
        edits in prop::collection::vec(edit(), 3..=10),
    ) {
        let files = records.into_iter().map(Content::Record).collect();
        run_steps(files, config, &edits, true)?;
    }
}

/// Records for the tests below: two topics, two providers, one future.
fn base_records() -> Vec<Content> {
    let record = |title: u16, link: usize, topic: usize, provider: usize, day: i64| Rec {
        title,
        link,
        id: None,
        topics: vec![(topic, 0)],
        provider: Some(provider),
        published: None,
        day,
        hour: 0,
        updated: None,
        secured: 0x1000 + u32::from(title),
        excerpt: Some(title),
        body: title,
        kind: 0,
        category: 0,
        broken: false,
    };
    vec![
        Content::Record(record(101, 0, 0, 0, -3)),
        Content::Record(record(102, 1, 1, 2, -2)),
        Content::Record(record(103, 2, 0, 3, -1)),
        Content::Record(record(104, 3, 1, 0, -4)),
        Content::Record(record(105, 5, 2, 2, 5)),
    ]
}

fn default_config() -> Config {
    Config {
        limit: 50,
        max_bytes: None,
        families: 1,
        title: 0,
        include_unpublished: false,
        include_future: false,
        now_shift: 0,
        archives: false,
        archive_items: 2,
    }
}

/// Every kind of edit once, on files whose metadata alone vouches for them
/// (the racy window waited out): an edit that keeps a file's size and
/// modification time is still seen (by its status-change time), and so is
/// a file swapped or copied into another's place.
#[test]
fn files_known_by_their_metadata_are_still_read_again_when_any_of_it_changed() {
    let at = Pick;
    let edits = vec![
        Edit::Title(at(0), 201),
        Edit::Body(at(1), 202),
        Edit::Touch(at(2), 7),
        Edit::Rewrite(at(3)),
        Edit::Swap(at(0), at(1)),
        Edit::CopyOver(at(2), at(3)),
        Edit::Rename(at(4)),
        Edit::Link(at(0), 4),
        Edit::Topics(at(1), vec![(0, 1), (0, 2)]),
        Edit::TogglePublished(at(2)),
        Edit::Date(at(3), 9, 0),
        Edit::MoveNow(10),
        Edit::Limit(1),
        Edit::MaxBytes(1),
        Edit::SiteTitle(1),
        Edit::Families(2),
        Edit::Delete(at(0)),
        Edit::Excerpt(at(1), None),
    ];
    run_steps(base_records(), default_config(), &edits, true).unwrap_or_else(|error| panic!("{error}"));
}

/// A provider feed's icon is the newest logo among its records, which may
/// be a record beyond the feed's limit: a change to that record's logo
/// changes the feed's documents, though none of their items changed.
#[test]
fn a_logo_from_a_record_beyond_the_limit_is_part_of_what_a_feed_is_made_from() {
    let record = |title: u16, provider: usize, day: i64| {
        let Content::Record(base) = &base_records()[0] else { unreachable!() };
        Content::Record(Rec {
            title,
            link: title as usize % LINKS.len(),
            provider: Some(provider),
            day,
            ..base.clone()
        })
    };
    // The newest record has no logo; the one before it has Alpha's first.
    let files = vec![record(1, 1, -1), record(2, 0, -2), record(3, 2, -3)];
    let config = Config { limit: 1, families: 0, ..default_config() };
    let edits = [Edit::Provider(Pick(1), Some(5)), Edit::Provider(Pick(1), Some(1)), Edit::Provider(Pick(0), Some(0))];
    run_steps(files, config, &edits, false).unwrap_or_else(|error| panic!("{error}"));
}

/// `build --check` through the cache (which saves what it learnt of the
/// records, not of the output folder) finds what a check without it finds,
/// and leaves the cache exact for the builds after it.
#[test]
fn a_check_through_the_cache_finds_what_one_without_it_finds_and_misleads_no_later_build() {
    let mut site = Site::new(base_records(), default_config());
    let check = |site: &Site, cache: bool| {
        let settings = site.settings(&site.warm(), cache.then(|| site.cache()).as_deref());
        feedgen::run(&settings, feedgen::Mode::Compare, &feedgen::Silent, &NEVER).unwrap()
    };
    warm_build(&site);
    let edits = [
        Edit::Body(Pick(0), 555),
        Edit::Title(Pick(2), 556),
        // Back to what the output folder was built from.
        Edit::Body(Pick(0), 101),
        Edit::Title(Pick(2), 103),
    ];
    for edit in &edits {
        site.apply(edit);
        for _ in 0..2 {
            let (with, without) = (check(&site, true), check(&site, false));
            assert_eq!(with.output, without.output, "after {edit:?}");
            assert!(with.cache_warnings.is_empty());
        }
    }
    let report = warm_build(&site);
    assert!(report.output.changed.is_empty() && report.output.added.is_empty(), "{:?}", report.output);
    assert_same_tree("back where it started", &read_tree(&site.warm()), &cold_tree(&site));
    site.apply(&Edit::Body(Pick(0), 557));
    check(&site, true);
    warm_build(&site);
    assert_same_tree("after a check", &read_tree(&site.warm()), &cold_tree(&site));
}

/// An input inside another: its files are read twice, through the cache
/// twice, alike.
#[test]
fn overlapping_inputs_are_read_through_the_cache_as_without_it() {
    let mut site = Site::new(base_records(), default_config());
    fs::create_dir(site.records().join("sub")).unwrap();
    fs::rename(site.records().join("r002.md"), site.records().join("sub/r002.md")).unwrap();
    site.files.remove("r002.md");
    let settings = |site: &Site, output: &Path, cache: Option<&Path>| {
        let mut settings = site.settings(output, cache);
        settings.inputs = vec![site.records(), site.records().join("sub")];
        settings
    };
    for step in 0..3 {
        let warm = feedgen::build(&settings(&site, &site.warm(), Some(&site.cache()))).unwrap();
        let folder = tempfile::tempdir().unwrap();
        let cold = feedgen::build(&settings(&site, &folder.path().join("feeds"), None)).unwrap();
        assert_same_tree("overlapping inputs", &read_tree(&site.warm()), &read_tree(&folder.path().join("feeds")));
        assert_eq!(counts(&warm), counts(&cold));
        // sub/r002.md is read twice and counted once; one file was edited.
        assert_eq!(warm.records_reused, if step == 0 { 0 } else { warm.records_read - 2 }, "step {step}");
        site.apply(&Edit::Title(Pick(step), 300 + step as u16));
    }
}

// ---------------------------------------------------------------------------
// The cache file: damaged, shared, and what it holds.
// ---------------------------------------------------------------------------

/// The cache files in `folder`, by name (none when it does not exist).
fn cache_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(folder) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    files.sort();
    files
}

/// The one cache file in `folder`, named as the cache names it.
fn the_cache_file(folder: &Path) -> PathBuf {
    let files = cache_files(folder);
    assert_eq!(files.len(), 1, "one cache file, no temporary file left: {files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    let hex = name.strip_prefix("build-").and_then(|rest| rest.strip_suffix(".cache")).unwrap_or_default();
    assert!(hex.len() == 16 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()), "{name}");
    files[0].clone()
}

/// The output folder a build without the cache writes for `site`, in a
/// fresh folder.
fn cold_tree(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let folder = tempfile::tempdir().unwrap();
    let output = folder.path().join("feeds");
    feedgen::build(&site.settings(&output, None)).unwrap();
    read_tree(&output)
}

fn warm_build(site: &Site) -> Report {
    feedgen::build(&site.settings(&site.warm(), Some(&site.cache()))).unwrap()
}

fn assert_same_tree(what: &str, a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    if let Some(difference) = difference(a, b) {
        panic!("{what}: {difference}");
    }
}

/// `len` bytes that look like nothing (xorshift).
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// `bytes`, a cache file, damaged as `what` says.
fn damaged(what: &str, bytes: &[u8]) -> Vec<u8> {
    // The first line names the format and the build of feedgen that wrote it.
    let header_len = bytes.iter().position(|&byte| byte == b'\n').unwrap() + 1;
    let header = String::from_utf8(bytes[..header_len].to_vec()).unwrap();
    // After the first line: the payload's length (8 bytes), its hash (16), the payload.
    let payload = header_len + 24;
    let flipped = |at: usize| {
        let mut bytes = bytes.to_vec();
        bytes[at] ^= 0x20;
        bytes
    };
    match what {
        "cut short by a byte" => bytes[..bytes.len() - 1].to_vec(),
        "cut in its length" => bytes[..header_len + 3].to_vec(),
        "cut in its first line" => bytes[..10].to_vec(),
        "empty" => Vec::new(),
        "random bytes" => noise(bytes.len()),
        "another version of feedgen" => {
            let format = header.split(',').next().unwrap();
            [format!("{format}, feedgen 0.0.1-other\n").as_bytes(), &bytes[header_len..]].concat()
        }
        "another format" => {
            [header.replacen("build cache ", "build cache 9", 1).as_bytes(), &bytes[header_len..]].concat()
        }
        "a byte of the payload flipped" => flipped(payload + (bytes.len() - payload) / 2),
        "its last byte flipped" => flipped(bytes.len() - 1),
        "a byte of its hash flipped" => flipped(header_len + 8 + 5),
        "a byte of its length flipped" => flipped(header_len),
        _ => unreachable!("{what}"),
    }
}

#[test]
fn a_damaged_cache_is_ignored_with_one_warning_and_rewritten() {
    let damages = [
        ("cut short by a byte", "it is cut short"),
        ("cut in its length", "it is cut short"),
        ("cut in its first line", "it is not a feedgen build cache"),
        ("empty", "it is not a feedgen build cache"),
        ("random bytes", "it is not a feedgen build cache"),
        ("another version of feedgen", "it was written by another version"),
        ("another format", "it was written by another version"),
        ("a byte of the payload flipped", "its checksum does not match"),
        ("its last byte flipped", "its checksum does not match"),
        ("a byte of its hash flipped", "its checksum does not match"),
        ("a byte of its length flipped", "it is cut short"),
    ];
    for (what, why) in damages {
        let mut site = Site::new(base_records(), default_config());
        let first = warm_build(&site);
        assert!(first.cache_warnings.is_empty(), "{what}: {:?}", first.cache_warnings);
        let path = the_cache_file(&site.cache());
        fs::write(&path, damaged(what, &fs::read(&path).unwrap())).unwrap();
        // Something for the next build to do.
        site.apply(&Edit::Title(Pick(1), 777));

        let report = warm_build(&site);
        assert_eq!(report.cache_warnings.len(), 1, "{what}: {:?}", report.cache_warnings);
        let warning = &report.cache_warnings[0];
        assert!(warning.starts_with(&format!("ignored the build cache {}", path.display())), "{what}: {warning}");
        assert!(warning.contains(&format!(": {why}")) && warning.ends_with("; it is rebuilt"), "{what}: {warning}");
        assert_eq!((report.records_reused, report.feeds_kept), (0, 0), "{what}: nothing is taken from it");
        assert_same_tree(what, &read_tree(&site.warm()), &cold_tree(&site));

        let again = warm_build(&site);
        assert!(again.cache_warnings.is_empty(), "{what}: the cache was rewritten: {:?}", again.cache_warnings);
        assert_eq!(the_cache_file(&site.cache()), path);
        assert_eq!(again.records_reused, again.records_read, "{what}");
        assert_eq!(again.feeds_kept, again.feeds, "{what}");
        assert_same_tree(what, &read_tree(&site.warm()), &cold_tree(&site));
    }
}

#[test]
fn sites_sharing_a_cache_folder_each_keep_their_own_file() {
    let site = Site::new(base_records(), default_config());
    let other_output = site.root.path().join("other/feeds");
    let other = |site: &Site| feedgen::build(&site.settings(&other_output, Some(&site.cache()))).unwrap();
    warm_build(&site);
    other(&site);
    assert_eq!(cache_files(&site.cache()).len(), 2, "one file per inputs and output folder");
    for _ in 0..2 {
        let (a, b) = (warm_build(&site), other(&site));
        for report in [&a, &b] {
            assert!(report.cache_warnings.is_empty());
            assert_eq!(report.records_reused, report.records_read);
            assert_eq!(report.feeds_kept, report.feeds);
        }
    }
    assert_same_tree("the other site", &read_tree(&other_output), &cold_tree(&site));
}

#[test]
fn the_cache_holds_no_secured_value_and_nothing_of_an_unpublished_record() {
    let site = Site::new(base_records(), default_config());
    warm_build(&site);
    let before = snapshot(&site.warm());

    let draft = "---\ntitle: \"Quokka embargo: the unreleased chip\"\npublishedDateTime: 2025-12-30T00:00:00Z\n\
                 originalUrl: \"https://embargoed.test/quokka-chip\"\nexcerpt: \"<p>Quokka excerpt</p>\"\n\
                 provider:\n  name: Alpha News\n  domain: alpha.test\ntopics:\n  - Rust\n  - Quokka Topic\n\
                 published: false\nsecured: \"draft-secured-7d1f0c9a\"\n---\nQuokka body text.\n";
    let path = site.records().join("zz-draft.md");
    fs::write(&path, draft).unwrap();
    set_mtime(&path, SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000));
    let report = warm_build(&site);
    assert_eq!(report.unpublished, 1);
    assert_eq!(report.records_reused, report.records_read - 1);
    assert_eq!(report.feeds_kept, report.feeds, "no feed changed");
    assert!(report.output.added.is_empty() && report.output.changed.is_empty() && report.output.removed.is_empty());
    assert!(snapshot(&site.warm()) == before, "the output folder is untouched, modification times and all");

    let cache = fs::read(the_cache_file(&site.cache())).unwrap();
    let holds = |text: &str| cache.windows(text.len()).any(|window| window == text.as_bytes());
    // What the test looks for is there to be found: the light records.
    assert!(holds(LINKS[0]), "the cache keeps published records' links");
    assert!(!holds(SECURED_PREFIX), "a secured value of a published record is in the cache");
    for secret in ["draft-secured-7d1f0c9a", "Quokka", "quokka", "embargoed.test", "unreleased"] {
        assert!(!holds(secret), "{secret:?} of the unpublished record is in the cache");
    }
}

#[test]
fn a_cache_that_cannot_be_saved_costs_a_warning_never_the_build() {
    let mut site = Site::new(base_records(), default_config());
    // A file where the cache folder should be.
    fs::write(site.cache(), b"not a folder").unwrap();
    for step in 0..2 {
        let report = warm_build(&site);
        assert!(
            report.cache_warnings.iter().any(|warning| warning.starts_with("cannot save the build cache")),
            "step {step}: {:?}",
            report.cache_warnings
        );
        assert_eq!((report.records_reused, report.feeds_kept), (0, 0));
        assert_same_tree("with a cache that cannot be saved", &read_tree(&site.warm()), &cold_tree(&site));
        site.apply(&Edit::Title(Pick(0), 400));
    }
    assert_eq!(fs::read(site.cache()).unwrap(), b"not a folder");
}

// ---------------------------------------------------------------------------
// No cache.
// ---------------------------------------------------------------------------

#[test]
fn without_a_cache_folder_no_cache_is_read_or_written() {
    let site = Site::new(base_records(), default_config());
    for _ in 0..2 {
        let report = feedgen::build(&site.settings(&site.warm(), None)).unwrap();
        assert_eq!((report.records_reused, report.feeds_kept), (0, 0));
        assert!(report.cache_warnings.is_empty());
    }
    assert!(!site.cache().exists(), "the cache folder was created");

    // A cache that is there is not read (a damaged one would warn) nor rewritten.
    warm_build(&site);
    let path = the_cache_file(&site.cache());
    fs::write(&path, b"damaged").unwrap();
    let report = feedgen::build(&site.settings(&site.warm(), None)).unwrap();
    assert!(report.cache_warnings.is_empty(), "{:?}", report.cache_warnings);
    assert_eq!(fs::read(&path).unwrap(), b"damaged");
    assert_eq!(cache_files(&site.cache()), [path]);
}

#[test]
fn the_cache_folder_is_beside_the_config_file_unless_named_or_turned_off() {
    let resolve = |file: feedgen::ConfigFile, overrides: feedgen::Overrides| {
        let file = feedgen::ConfigFile { base_url: Some("https://feeds.test/".into()), ..file };
        let overrides = feedgen::Overrides { inputs: vec![PathBuf::from("in")], ..overrides };
        Settings::resolve(file, Path::new("site"), overrides, now()).unwrap().cache
    };
    let named = || feedgen::ConfigFile { cache: Some(PathBuf::from("build/cache")), ..Default::default() };
    assert_eq!(resolve(Default::default(), Default::default()), Some(PathBuf::from("site/.feedgen-cache")));
    assert_eq!(Path::new(feedgen::CACHE_DIR_NAME), Path::new(".feedgen-cache"));
    assert_eq!(resolve(named(), Default::default()), Some(PathBuf::from("site/build/cache")));
    let flag = || feedgen::Overrides { cache: Some(PathBuf::from("elsewhere")), ..Default::default() };
    assert_eq!(resolve(named(), flag()), Some(PathBuf::from("elsewhere")));
    let off = || feedgen::Overrides { no_cache: true, ..Default::default() };
    assert_eq!(resolve(named(), off()), None);
    assert_eq!(resolve(Default::default(), off()), None);
}

// ---------------------------------------------------------------------------
// The command.
// ---------------------------------------------------------------------------

const CLI_CONFIG: &str = "title: CLI Site\nbase_url: https://cli.test/feeds/\ninput: records\n";

/// A folder holding `site/feedgen.yaml` (with `config`) and `site/records/`.
fn cli_site(config: &str) -> tempfile::TempDir {
    let record = |title: &str, day: u32, topic: &str| {
        format!(
            "---\ntitle: {title}\npublishedDateTime: 2025-06-{day:02}T00:00:00Z\noriginalUrl: https://cli.test/{day}\n\
             topics: [{topic}]\nsecured: \"cli-secret-{day}\"\n---\n"
        )
    };
    let (a, b) = (record("One", 1, "Rust"), record("Two", 2, "AI"));
    records_dir(&[("site/feedgen.yaml", config), ("site/records/one.md", &a), ("site/records/two.md", &b)])
}

/// Run `feedgen` in `dir` with none of the environment variables it reads
/// but `env`.
fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(dir).args(args);
    for name in ["FEEDGEN_BASE_URL", "FEEDGEN_OUTPUT", "FEEDGEN_CACHE_DIR", "SOURCE_DATE_EPOCH"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    output
}

#[test]
fn the_command_keeps_its_cache_beside_the_config_file_and_says_what_it_took_from_it() {
    let dir = cli_site(CLI_CONFIG);
    let site = dir.path().join("site");
    let first = stderr_of(&cli(&site, &["build"], &[]));
    assert!(!first.contains("build cache"), "{first}");
    the_cache_file(&site.join(".feedgen-cache"));
    let second = stderr_of(&cli(&site, &["build"], &[]));
    assert!(second.contains("; 2 records and 3 feeds unchanged from the build cache; "), "{second}");

    // From elsewhere, with --config: still beside the config file, the same file.
    let third = stderr_of(&cli(dir.path(), &["build", "--config", "site/feedgen.yaml"], &[]));
    assert!(third.contains("from the build cache"), "{third}");
    assert!(!dir.path().join(".feedgen-cache").exists());
    the_cache_file(&site.join(".feedgen-cache"));
}

#[test]
fn the_cache_dir_flag_the_environment_and_the_config_key_put_the_cache_elsewhere() {
    let dir = cli_site(CLI_CONFIG);
    let site = dir.path().join("site");
    let flag = dir.path().join("by-flag");
    cli(&site, &["build", "--cache-dir", flag.to_str().unwrap()], &[]);
    the_cache_file(&flag);
    let environment = dir.path().join("by-environment");
    let second = stderr_of(&cli(&site, &["build"], &[("FEEDGEN_CACHE_DIR", environment.to_str().unwrap())]));
    the_cache_file(&environment);
    assert!(!second.contains("from the build cache"), "a new cache folder: nothing to take: {second}");
    assert!(!site.join(".feedgen-cache").exists());

    let dir = cli_site(&format!("{CLI_CONFIG}cache: ../by-config\n"));
    let site = dir.path().join("site");
    cli(&site, &["build"], &[]);
    the_cache_file(&dir.path().join("by-config"));
    assert!(!site.join(".feedgen-cache").exists());
}

#[test]
fn the_no_cache_flag_writes_no_cache_and_takes_nothing_from_one() {
    let dir = cli_site(CLI_CONFIG);
    let site = dir.path().join("site");
    cli(&site, &["build", "--no-cache"], &[]);
    let second = stderr_of(&cli(&site, &["build", "--no-cache"], &[]));
    assert!(!second.contains("build cache"), "{second}");
    assert!(!site.join(".feedgen-cache").exists());
    // With a cache there, --no-cache leaves it as it is.
    cli(&site, &["build"], &[]);
    let path = the_cache_file(&site.join(".feedgen-cache"));
    let bytes = fs::read(&path).unwrap();
    let third = stderr_of(&cli(&site, &["build", "--no-cache"], &[]));
    assert!(!third.contains("build cache"), "{third}");
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

/// A CI job that sets `FEEDGEN_CACHE_DIR` for every build must still be
/// able to run one build without the cache. Today clap refuses the flag
/// (exit 2: "the argument '--no-cache' cannot be used with '--cache-dir
/// <DIR>'"): the environment variable counts as `--cache-dir` given.
#[test]
fn the_no_cache_flag_wins_over_feedgen_cache_dir_in_the_environment() {
    let dir = cli_site(CLI_CONFIG);
    let site = dir.path().join("site");
    let elsewhere = dir.path().join("by-environment");
    let output = cli(&site, &["build", "--no-cache"], &[("FEEDGEN_CACHE_DIR", elsewhere.to_str().unwrap())]);
    assert!(!stderr_of(&output).contains("build cache"));
    assert!(!elsewhere.exists() && !site.join(".feedgen-cache").exists());
}

// ---------------------------------------------------------------------------
// The output folder, changed behind feedgen's back.
// ---------------------------------------------------------------------------

#[test]
fn output_files_changed_behind_feedgens_back_are_restored_by_a_build_through_the_cache() {
    type Tamper = fn(&Path);
    let rewrite_keeping_size_and_time = |path: &Path| {
        let bytes = fs::read(path).unwrap();
        let modified = fs::metadata(path).unwrap().modified().unwrap();
        let mut other = bytes.clone();
        // The first lowercase letter, in upper case: the same size, other bytes
        // (in the id list, a letter of its comment: an id would be taken as the
        // one published before, which the id guard then keeps).
        let at = other.iter().position(u8::is_ascii_lowercase).unwrap();
        other[at] = other[at].to_ascii_uppercase();
        fs::write(path, other).unwrap();
        set_mtime(path, modified);
    };
    let tampers: Vec<(&str, &str, Tamper)> = vec![
        ("a feed rewritten, same size and time", "topics/rust.rss.xml", rewrite_keeping_size_and_time),
        ("a page rewritten, same size and time", "topics/ai.html", rewrite_keeping_size_and_time),
        ("the firehose's JSON rewritten", "all.json", |path| fs::write(path, b"{}").unwrap()),
        ("a feed deleted", "providers/beta-test.atom.xml", |path| fs::remove_file(path).unwrap()),
        ("the index rewritten", "index.html", |path| fs::write(path, b"<p>mine</p>").unwrap()),
        ("the id list rewritten", feedgen::IDS_NAME, rewrite_keeping_size_and_time),
        ("a feed replaced by a copy of another", "topics/rust.atom.xml", |path| {
            let other = path.with_file_name("ai.atom.xml");
            let modified = fs::metadata(path).unwrap().modified().unwrap();
            let copy = path.with_file_name("copy.tmp");
            fs::copy(other, &copy).unwrap();
            set_mtime(&copy, modified);
            fs::rename(copy, path).unwrap();
        }),
        ("the output folder deleted", "", |path| fs::remove_dir_all(path).unwrap()),
    ];
    for (what, file, tamper) in tampers {
        let site = Site::new(base_records(), default_config());
        warm_build(&site);
        warm_build(&site);
        let target = if file.is_empty() { site.warm() } else { site.warm().join(file) };
        assert!(target.exists(), "{what}: {file} is not in {:?}", read_tree(&site.warm()).keys());
        let cold = cold_tree(&site);
        tamper(&target);
        assert!(read_tree(&site.warm()) != cold, "{what}: the tampering changed nothing");

        // `build --check` through the cache sees the difference...
        let compared = feedgen::run(
            &site.settings(&site.warm(), Some(&site.cache())),
            feedgen::Mode::Compare,
            &feedgen::Silent,
            &NEVER,
        )
        .unwrap();
        if !file.is_empty() {
            let listed = compared.output.changed.iter().chain(&compared.output.added).any(|path| path == file);
            assert!(listed, "{what}: --check does not list {file}: {:?}", compared.output);
        }
        // ...and a build restores the file.
        let report = warm_build(&site);
        assert_same_tree(what, &read_tree(&site.warm()), &cold);
        assert!(report.feeds_kept < report.feeds || file == "index.html" || file == feedgen::IDS_NAME, "{what}");
        let again = warm_build(&site);
        assert_eq!(again.feeds_kept, again.feeds, "{what}: the build after it keeps every feed");
        assert_same_tree(what, &read_tree(&site.warm()), &cold);
    }
}

// ---------------------------------------------------------------------------
// Bugs found while writing these tests, pinned.
// ---------------------------------------------------------------------------

/// Sixteen pairs of records share a link each: the record that holds it
/// (updated last) is older than every record that loses one. With
/// `limit: 1`, the firehose keeps the newest losers that arrive before
/// their link's holder (files arrive in the file system's order: with
/// sixteen pairs, three such losers are all but certain), turns the
/// holders away and comes out short, so `gather` reads every record a
/// second time (`Reading::Again`), through the cache again. Each file is
/// then counted twice in `records_reused`: 64 of 32 records read.
#[test]
fn records_read_a_second_time_are_counted_once_as_taken_from_the_cache() {
    let record = |name: String, day: u32, updated: u32, link: u32| {
        let text = format!(
            "---\ntitle: {name}\npublishedDateTime: 2025-12-{day:02}T00:00:00Z\n\
             updatedDateTime: 2025-12-{updated:02}T00:00:00Z\noriginalUrl: https://same.test/{link}\n---\n"
        );
        (format!("{name}.md"), text)
    };
    let files: Vec<(String, String)> = (0..16)
        .flat_map(|link| [record(format!("loser-{link}"), 20, 20, link), record(format!("holder-{link}"), 1, 28, link)])
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    let records = records_dir(&files);
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(records.path(), &out.path().join("feeds"));
    (settings.limit, settings.cache) = (1, Some(out.path().join("cache")));
    feedgen::build(&settings).unwrap();
    let report = feedgen::build(&settings).unwrap();
    assert_eq!((report.records_read, report.duplicates.len()), (32, 16));
    assert_eq!(report.records_reused, 32, "32 files, each taken from the cache once");
}

/// Remembers when the write stage ends and then runs `then`, once.
struct AtTheEnd<F: Fn() + Sync> {
    total: Mutex<Option<usize>>,
    done: std::sync::atomic::AtomicUsize,
    then: F,
}

impl<F: Fn() + Sync> Progress for AtTheEnd<F> {
    fn begin(&self, stage: Stage, total: usize) {
        *self.total.lock().unwrap() = (stage == Stage::Write).then_some(total);
        self.done.store(0, std::sync::atomic::Ordering::SeqCst);
    }

    fn advance(&self, steps: usize) {
        let done = self.done.fetch_add(steps, std::sync::atomic::Ordering::SeqCst) + steps;
        if *self.total.lock().unwrap() == Some(done) {
            (self.then)();
        }
    }
}

/// Another program rewrites a feed file while a build runs, after the
/// build put its files in place (here: as it removes the last stale file)
/// and before it notes their metadata for the cache. The cache notes the
/// other program's file as the build's own, and every later build through
/// the cache keeps it, unread, while a build without the cache restores it.
/// (Kept files are exposed longer: from their check, early in the write,
/// to the end.) Noting each file's metadata as it is staged, before the
/// rename, and checking it again at the end would close the window.
#[test]
fn an_output_file_changed_by_another_program_during_the_build_is_restored_by_the_next() {
    let mut site = Site::new(base_records(), default_config());
    warm_build(&site);
    // The next build removes the feeds of one topic: prune steps come last.
    site.apply(&Edit::Topics(Pick(4), vec![(0, 0)]));
    site.apply(&Edit::Topics(Pick(1), vec![(0, 0)]));
    site.apply(&Edit::Topics(Pick(3), vec![(0, 0)]));
    let feed = site.warm().join("topics/rust.rss.xml");
    let tamper = AtTheEnd {
        total: Mutex::new(None),
        done: Default::default(),
        then: || fs::write(&feed, b"<rss>written by another program</rss>").unwrap(),
    };
    let settings = site.settings(&site.warm(), Some(&site.cache()));
    let report = feedgen::run(&settings, feedgen::Mode::Write, &tamper, &NEVER).unwrap();
    assert!(!report.output.removed.is_empty(), "{:?}", report.output);
    assert_eq!(fs::read(&feed).unwrap(), b"<rss>written by another program</rss>");

    let next = warm_build(&site);
    assert_same_tree("the build after", &read_tree(&site.warm()), &cold_tree(&site));
    assert!(next.output.changed.contains(&"topics/rust.rss.xml".to_owned()));
}

//! Stage 2, the middle of the build, streamed: selecting records (drafts
//! are already out; future-dated ones wait, one record per link), grouping
//! them into feeds and preparing the items, as records are parsed, on every
//! core, keeping only what can still reach a feed.
//!
//! Holding every record, as the in-memory reference pipeline does
//! (`reference`, compiled for tests only), does not fit a news archive of
//! a million records. Here each feed keeps its newest records in a
//! bounded collection ([`Best`]), records are shared between the feeds that
//! hold them, and only the records left in feeds at the end are prepared as
//! items (HTML sanitised, Markdown rendered). Per record, only the
//! [`Ledger`] entry for its link is kept.
//!
//! [`gather`] runs the whole of it, reading the records through a
//! [`RecordSource`]. Arrival order is arbitrary, so every decision is one
//! that does not depend on it, and the result is exactly what the in-memory
//! reference pipeline gives:
//!
//! - a record that loses its link to one read earlier is never counted;
//! - a record that held its link and then lost it to one read later has
//!   already been counted: once reading ends, it is read again and its feed
//!   names are uncounted, and its records, which may sit in feeds, are
//!   dropped when the feeds are closed;
//! - two versions of a link tied on update time go to the later path; paths
//!   are known only at the end, so a version that wins then is read again
//!   and folded in late, and the other is superseded as above;
//! - each feed keeps some records beyond its limit, so that dropping those
//!   stale ones still leaves it full. When a feed turned records away and
//!   still ends up short, the top it holds may not be the true top, and
//!   every record is read a second time with the ledger settled
//!   ([`Reading::Again`]), in which nothing goes stale. That takes many
//!   superseded records among one feed's newest, so it is rare, and it
//!   costs time, never correctness.
//!
//! A record is known by its [`Place`] in the walk of the inputs: the feeds
//! that hold one record share it, and its item is prepared once.

mod best;
mod ledger;
pub(crate) mod names;
mod slug;
#[cfg(any(test, feature = "reference"))]
pub(crate) use slug::MAX_SLUG_BYTES;
mod source;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use best::Best;
pub(crate) use ledger::Place;
use ledger::{Admission, Arrival, Ledger, LinkKey, record_keys};
pub(crate) use source::{Reading, RecordSource};

use rayon::iter::{IntoParallelIterator, IntoParallelRefIterator, ParallelIterator};

use crate::model::name_key;
use crate::model::{Duplicate, Family, Feed, Item, Record};
use crate::prepare::{self, Labels};
use names::{Spellings, Unnamed, canonical_topics, display_name, memberships};

/// How to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SelectOptions {
    /// Keep records dated after `now`.
    pub include_future: bool,
    /// The moment that decides what is "future"; from `SOURCE_DATE_EPOCH`
    /// when set, so that a build can be reproduced.
    pub now: DateTime<Utc>,
}

/// How to gather.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatherOptions {
    /// Which records are selected.
    pub select: SelectOptions,
    /// Which families to build, in output order.
    pub families: Vec<Family>,
    /// Items per feed; 0 keeps all.
    pub limit: usize,
}

/// Items a feed keeps beyond its limit, in case some of them go stale.
/// Only records that lose their link after arriving go stale, and few do:
/// the room needs to cover those among one feed's newest items.
fn spare_room(limit: usize) -> usize {
    limit / 10 + 2
}

/// Where an item stands in a feed: greater is newer, and on equal dates,
/// the smaller id. (Two versions of one link may tie; at most one of them
/// holds the link, and only holders reach the feed.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    published: DateTime<Utc>,
    id: std::cmp::Reverse<Arc<str>>,
}

/// A record a feed holds, not yet prepared as an item: most records a feed
/// takes in are pushed out by newer ones, and preparing (sanitising HTML,
/// rendering Markdown) only the survivors saves most of that work.
#[derive(Debug, Clone)]
struct Candidate {
    link: LinkKey,
    place: Place,
    record: Arc<Record>,
}

/// A logo a provider feed may use, and the record it came from.
#[derive(Debug, Clone)]
struct Logo {
    link: LinkKey,
    place: Place,
    url: String,
}

/// One feed, while records arrive.
#[derive(Debug)]
struct Gathering {
    /// Spellings of its name, counted over every record it holds.
    spellings: Spellings,
    items: Best<Rank, Candidate>,
    /// Provider feeds only: the newest logos.
    logos: Best<Rank, Logo>,
}

/// What one pass has gathered so far.
#[derive(Debug, Default)]
struct State {
    ledger: Ledger,
    future: usize,
    /// Records counted that later lost their link (or id).
    superseded: Vec<(Place, LinkKey)>,
    /// Records with an `id` of their own that hold a key without having
    /// been counted (they lost their link or their id): losing that key
    /// later takes nothing back.
    not_counted: HashSet<Place>,
    /// Every record left out for a duplicate link, once known.
    duplicates: Vec<Duplicate>,
    /// Second reading: how many records were found still holding their
    /// link (all of them, unless files changed).
    holders_seen: usize,
    /// Spellings of every topic, by key, whether or not topic feeds are built:
    /// items show topics under their display names.
    topic_spellings: HashMap<String, Spellings>,
    /// Each family's feeds, by grouping key.
    feeds: HashMap<Family, HashMap<String, Gathering>>,
}

/// How a record reaches [`Gatherer::fold`].
#[derive(Clone, Copy)]
enum Entry<'a> {
    /// Read from the inputs, on the first reading with what to hand it on to.
    Arriving(Option<&'a dyn Keep>),
    /// Read again after winning a tie.
    Settled,
}

/// Which pass is running.
#[derive(Debug)]
enum Pass {
    /// Links are settled as records arrive.
    First,
    /// Links were settled by an earlier pass: only their holders count.
    Again,
}

/// Selects and groups records as they arrive, from any number of threads.
#[derive(Debug)]
struct Gatherer {
    options: GatherOptions,
    pass: Pass,
    state: Mutex<State>,
}

/// The feeds, and what selection left out.
#[derive(Debug)]
pub(crate) struct Gathered {
    /// Every feed of every requested family, in output order.
    pub feeds: Vec<Feed>,
    /// How many future-dated records wait.
    pub future: usize,
    /// Every record left out for a duplicate link.
    pub duplicates: Vec<Duplicate>,
    /// The places of the records that hold their link: the records that
    /// became items, in some feed or beyond its limit.
    pub holders: Holders,
    /// Each topic's display name.
    pub topic_names: TopicNames,
    /// The file and id of every item some feed holds, in no order: what
    /// the id guard remembers ([`crate::ids`]).
    pub shown: Vec<(PathBuf, String)>,
}

/// Each topic's display name, by its key ([`name_key`]): the spelling most
/// records use.
#[derive(Debug, Default, Clone)]
pub(crate) struct TopicNames(HashMap<String, String>);

impl TopicNames {
    /// Each topic's key and display name, sorted.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self.0.iter().map(|(key, name)| (key.clone(), name.clone())).collect();
        pairs.sort();
        pairs
    }

    /// The names `pairs` gave.
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Self {
        TopicNames(pairs.iter().cloned().collect())
    }

    /// Show `item`'s topics under their display names.
    pub(crate) fn rename(&self, item: &mut Item) {
        item.topics = self.renamed(&item.topics);
    }

    /// `topics` under their display names, as an item shows them.
    pub(crate) fn renamed(&self, topics: &[String]) -> Vec<String> {
        canonical_topics(topics, |key| self.0.get(key).cloned())
    }
}

/// A set of places: which records hold their link.
#[derive(Debug, Default)]
pub(crate) struct Holders(Vec<u64>);

impl Holders {
    fn new(places: impl Iterator<Item = Place>) -> Self {
        let mut bits: Vec<u64> = Vec::new();
        for place in places {
            let word = place as usize / 64;
            if bits.len() <= word {
                bits.resize(word + 1, 0);
            }
            bits[word] |= 1 << (place % 64);
        }
        Holders(bits)
    }

    /// Whether the record at `place` holds its link.
    pub(crate) fn contains(&self, place: Place) -> bool {
        self.0.get(place as usize / 64).is_some_and(|word| word & (1 << (place % 64)) != 0)
    }
}

/// What the first reading hands on besides gathering: every record it
/// selects (future-dated ones aside), whether or not it ends up holding its
/// link, with the feeds it belongs to, in any order and from any thread.
/// The archives' collector is one ([`crate::history`]).
pub(crate) trait Keep: Sync {
    /// Take the record at `place`, a member of `feeds` (each a family and a
    /// grouping key, once).
    fn keep(&self, record: &Record, place: Place, feeds: &[(Family, &str)]);
}

/// How gathering ended.
#[derive(Debug)]
enum Finished {
    /// Every feed is exact.
    Done(Gathered),
    /// Some feed may be missing items: offer every record again to this
    /// second reading, then finish it.
    ReadAgain(Box<SecondReading>),
}

/// Why [`gather`] failed.
#[derive(Debug)]
pub(crate) enum GatherError<E> {
    /// The source could not read the records.
    Source(E),
    /// The files changed while they were read: a record read again is not
    /// what it was (at this path), or a second reading found other files.
    Changed(Option<PathBuf>),
}

/// Select and group every record of `source` into feeds, streaming: read
/// them all once, settle ties in update time and take back what records
/// that lost their link counted (reading those few again), and, when some
/// feed may be missing an item, read every record a second time.
///
/// `keep`, when given, sees every selected record of the first reading.
pub(crate) fn gather<S: RecordSource>(
    source: &S,
    options: GatherOptions,
    keep: Option<&dyn Keep>,
) -> Result<Gathered, GatherError<S::Error>> {
    let gatherer = Gatherer::new(options);
    let walked = source
        .read_all(Reading::First, &|record, place| gatherer.fold(record, place, Entry::Arriving(keep)))
        .map_err(GatherError::Source)?;
    let read_one = |place: Place, link: LinkKey, paths: &HashMap<Place, PathBuf>| {
        let path = &paths[&place];
        match source.read_one(place, path) {
            Some(record) if has_key(&record, link) => Ok(record),
            _ => Err(GatherError::Changed(Some(path.clone()))),
        }
    };
    // The few paths gathering must name are looked up once reading ends.
    // Without ties to settle first, that runs while the feeds are closed and
    // their items prepared.
    let wanted = gatherer.places_to_name();
    let (paths, mut closing) = if gatherer.has_ties() {
        let paths = source.paths_at(&wanted, walked).map_err(GatherError::Source)?;
        for (place, link) in gatherer.settle_ties(&paths) {
            gatherer.offer_holder(read_one(place, link, &paths)?, place);
        }
        (paths, gatherer.close())
    } else {
        let (paths, closing) = rayon::join(|| source.paths_at(&wanted, walked), || gatherer.close());
        (paths.map_err(GatherError::Source)?, closing)
    };
    let superseded: Vec<Record> = closing
        .superseded()
        .par_iter()
        .map(|&(place, link)| read_one(place, link, &paths))
        .collect::<Result<_, _>>()?;
    for record in &superseded {
        closing.uncount(record);
    }
    match closing.finish(&paths) {
        Finished::Done(gathered) => Ok(gathered),
        Finished::ReadAgain(again) => {
            let walked_again = source
                .read_all(Reading::Again, &|record, place| again.offer(record, place))
                .map_err(GatherError::Source)?;
            if walked_again != walked {
                return Err(GatherError::Changed(None));
            }
            again.finish().map_err(|InputsChanged| GatherError::Changed(None))
        }
    }
}

/// The records of `source` a build would leave out for sharing a link,
/// reading each record once: the first pass of [`gather`] without the feeds
/// (records `select` holds back as future are not considered).
pub(crate) fn duplicates<S: RecordSource>(
    source: &S,
    select: SelectOptions,
) -> Result<Vec<Duplicate>, GatherError<S::Error>> {
    let ledger = Mutex::new(Ledger::default());
    let walked = source
        .read_all(Reading::First, &|record, place| {
            if select.include_future || record.published <= select.now {
                let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
                admit(&mut ledger, &record, place, record_keys(&record));
            }
        })
        .map_err(GatherError::Source)?;
    let mut ledger = ledger.into_inner().unwrap_or_else(PoisonError::into_inner);
    let places = ledger.places_to_name();
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let paths = source.paths_at(&places, walked).map_err(GatherError::Source)?;
    ledger.settle_ties(&paths);
    Ok(ledger.duplicates(&paths))
}

impl Gatherer {
    /// Ready for the first record.
    fn new(options: GatherOptions) -> Self {
        Gatherer { options, pass: Pass::First, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The feed of `family` keyed `key`, made empty if new.
    fn gathering<'a>(&self, state: &'a mut State, family: Family, key: &str) -> &'a mut Gathering {
        let feeds = state.feeds.entry(family).or_default();
        if !feeds.contains_key(key) {
            let limit = self.options.limit;
            let capacity = if limit == 0 { 0 } else { limit.saturating_add(spare_room(limit)) };
            let empty = Gathering {
                spellings: Spellings::new(),
                items: Best::new(capacity),
                logos: Best::new(1 + spare_room(1)),
            };
            feeds.insert(key.to_owned(), empty);
        }
        feeds.get_mut(key).expect("inserted above")
    }

    /// Take one record, found at `place` in the walk: count it, and keep it
    /// in every feed where it is among the newest. Records may come from any
    /// thread, in any order.
    fn offer(&self, record: Record, place: Place) {
        self.fold(record, place, Entry::Arriving(None));
    }

    /// Whether some record tied with its link's holder on update time; see
    /// [`Gatherer::settle_ties`].
    fn has_ties(&self) -> bool {
        self.state().ledger.has_ties()
    }

    /// Settle ties in update time now that `paths` holds the paths of
    /// [`Gatherer::places_to_name`]: each tied link goes to the later path.
    /// Returns the records that take a link over, with its fingerprint:
    /// read each again and hand it to [`Gatherer::offer_holder`]. The records
    /// they replace join [`Closing::superseded`].
    fn settle_ties(&self, paths: &HashMap<Place, PathBuf>) -> Vec<(Place, LinkKey)> {
        let mut state = self.state();
        let moved = state.ledger.settle_ties(paths);
        let mut new_holders: Vec<(Place, LinkKey)> = Vec::with_capacity(moved.len());
        for (key, previous, holder) in moved {
            state.superseded.push((previous, key));
            // A record that takes both its link and its id is read once.
            if new_holders.iter().all(|&(place, _)| place != holder) {
                new_holders.push((holder, key));
            }
        }
        new_holders
    }

    /// Take a record that became its link's holder when ties were settled:
    /// count it and keep it wherever it is among the newest.
    fn offer_holder(&self, record: Record, place: Place) {
        self.fold(record, place, Entry::Settled);
    }

    /// Fold one record into the feeds; how it enters decides what the ledger
    /// is asked.
    fn fold(&self, record: Record, place: Place, entry: Entry<'_>) {
        let select = self.options.select;
        if !select.include_future && record.published > select.now {
            if matches!((&self.pass, entry), (Pass::First, Entry::Arriving(_))) {
                self.state().future += 1;
            }
            return;
        }
        let (link, own_id) = record_keys(&record);
        let labels = prepare::labels(&record);
        let rank = Rank { published: record.published, id: std::cmp::Reverse(Arc::from(labels.id.as_str())) };
        let topic_keys: Vec<String> = labels.topics.iter().map(|topic| name_key(topic)).collect();
        let spelled = spelled(&self.options.families, &labels, &topic_keys);
        let logo = prepare::provider_logo(&record);
        if let Entry::Arriving(Some(keep)) = entry {
            let mut feeds: Vec<(Family, &str)> =
                spelled.iter().map(|(family, key, _)| (*family, key.as_str())).collect();
            feeds.sort_unstable();
            feeds.dedup();
            keep.keep(&record, place, &feeds);
        }

        let mut state = self.state();
        let state = &mut *state;
        match (&self.pass, entry) {
            (Pass::First, Entry::Arriving(_)) => {
                let (won, replaced) = admit(&mut state.ledger, &record, place, (link, own_id));
                state.superseded.extend(replaced);
                if !won {
                    if own_id.is_some() {
                        state.not_counted.insert(place);
                    }
                    return;
                }
            }
            (Pass::Again, _) | (_, Entry::Settled) if !state.ledger.is_item(link, place) => {
                if own_id.is_some() {
                    state.not_counted.insert(place);
                }
                return;
            }
            (Pass::Again, _) | (_, Entry::Settled) => state.holders_seen += 1,
        }
        for (key, topic) in topic_keys.iter().zip(&labels.topics) {
            match state.topic_spellings.get_mut(key) {
                Some(spellings) => count(spellings, topic),
                None => count(state.topic_spellings.entry(key.clone()).or_default(), topic),
            }
        }
        let mut wanted: Vec<(Family, &str)> = Vec::new();
        for (family, key, spelling) in &spelled {
            let gathering = self.gathering(state, *family, key);
            count(&mut gathering.spellings, spelling);
            if wanted.contains(&(*family, key.as_str())) {
                continue;
            }
            if let (Family::Providers, Some(url)) = (family, logo)
                && gathering.logos.consider(&rank)
            {
                gathering.logos.offer(rank.clone(), Logo { link, place, url: url.to_owned() });
            }
            if gathering.items.consider(&rank) {
                wanted.push((*family, key));
            }
        }
        if wanted.is_empty() {
            return;
        }
        let candidate = Candidate { link, place, record: Arc::new(prepare::trimmed(record)) };
        for (family, key) in wanted {
            if let Some(gathering) = state.feeds.get_mut(&family).and_then(|feeds| feeds.get_mut(key)) {
                gathering.items.offer(rank.clone(), candidate.clone());
            }
        }
    }

    /// The places whose paths [`Closing::finish`] needs: records left out
    /// for a duplicate link, the records kept for those links, and the
    /// records to read again.
    fn places_to_name(&self) -> BTreeSet<Place> {
        let state = self.state();
        let mut places = state.ledger.places_to_name();
        places.extend(state.superseded.iter().map(|&(place, _)| place));
        places
    }

    /// Close every feed as reading ends: drop the records that lost their
    /// link, cut each feed to its limit, and prepare the records left as
    /// items, on all cores. Ties in update time are still unsettled and
    /// superseded records still counted: [`Closing`] deals with both, once
    /// the paths are known (the caller may look them up meanwhile).
    fn close(self) -> Closing {
        let options = self.options;
        let mut state = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        // A record counted once is taken back once, whichever keys it lost.
        let mut taken_back = std::mem::take(&mut state.not_counted);
        state.superseded.retain(|&(place, _)| taken_back.insert(place));
        let mut spellings: HashMap<Family, HashMap<String, Spellings>> = HashMap::new();
        let mut closed: Vec<(Family, Closed)> = Vec::new();
        for (family, feeds) in std::mem::take(&mut state.feeds) {
            for (key, gathering) in feeds {
                let Gathering { spellings: counts, items, logos } = gathering;
                let held = |link, place| state.ledger.is_item(link, place);
                closed.push((family, close(key.clone(), items, logos, options.limit, held)));
                spellings.entry(family).or_default().insert(key, counts);
            }
        }
        let mut survivors: HashMap<Place, Arc<Record>> = HashMap::new();
        let feeds = closed
            .into_iter()
            .map(|(family, feed)| {
                let Closed { key, records, icon, exact } = feed;
                let places = records
                    .into_iter()
                    .map(|(place, record)| {
                        survivors.entry(place).or_insert(record);
                        place
                    })
                    .collect();
                (family, Closed { key, records: places, icon, exact })
            })
            .collect();
        let sources = survivors.iter().map(|(&place, record)| (place, record.source.clone())).collect();
        Closing { options, state, spellings, feeds, items: prepare_survivors(survivors), sources }
    }
}

/// Admit `record`, at `place`, to `ledger` under each of its `keys` (its
/// link's, and its own id's if it has one: [`record_keys`]): whether it
/// won every key, and the records it replaced, each with the key it took
/// from them.
fn admit(
    ledger: &mut Ledger,
    record: &Record,
    place: Place,
    (link, own_id): (LinkKey, Option<LinkKey>),
) -> (bool, Vec<(Place, LinkKey)>) {
    let mut won = true;
    let mut replaced = Vec::new();
    let mut admit_key = |ledger: &mut Ledger, key: LinkKey, named: &url::Url, id: Option<&str>| {
        let arrival = Arrival { named, id, updated: record.updated, place };
        match ledger.admit(key, arrival) {
            Admission::First => {}
            Admission::Replaces(previous) => replaced.push((previous, key)),
            Admission::Loses => won = false,
        }
    };
    admit_key(ledger, link, &record.link, None);
    if let Some(key) = own_id {
        let id = prepare::item_id(record);
        ledger.own_id(place, link, key);
        // A key is named by the URL it is the text of: a record that holds
        // this id as its link has that link.
        let named = url::Url::parse(&id).unwrap_or_else(|_| record.link.clone());
        admit_key(ledger, key, &named, Some(&id));
    }
    (won, replaced)
}

/// Whether `key` is one of `record`'s keys: a record read again must be
/// the one the ledger knows.
fn has_key(record: &Record, key: LinkKey) -> bool {
    let (link, own_id) = record_keys(record);
    link == key || own_id == Some(key)
}

/// Every (family, key, spelling) a record's labels count towards in
/// `families`: each topic spelling (keyed by `topic_keys`, one per topic),
/// and one membership per feed of the other families.
fn spelled<'a>(families: &[Family], labels: &'a Labels, topic_keys: &[String]) -> Vec<(Family, String, &'a str)> {
    let others = families.iter().filter(|&&family| family != Family::Topics);
    let mut spelled: Vec<(Family, String, &str)> = others
        .flat_map(|&family| {
            memberships(labels.facets(), family).into_iter().map(move |(key, name)| (family, key, name))
        })
        .collect();
    if families.contains(&Family::Topics) {
        let topics = topic_keys.iter().zip(&labels.topics);
        spelled.extend(topics.map(|(key, topic)| (Family::Topics, key.clone(), topic.as_str())));
    }
    spelled
}

/// Every feed closed and its items prepared; names not yet settled.
#[derive(Debug)]
struct Closing {
    options: GatherOptions,
    /// The ledger, counts and topic spellings; its feeds are moved out.
    state: State,
    /// Each feed's name spellings, by family and key.
    spellings: HashMap<Family, HashMap<String, Spellings>>,
    /// Each feed, with the places of its records.
    feeds: Vec<(Family, Closed<Place>)>,
    /// The prepared items, by their record's place; topics not yet renamed.
    items: HashMap<Place, Item>,
    /// The file of each of `items`, by place.
    sources: HashMap<Place, PathBuf>,
}

impl Closing {
    /// The records counted that then lost their link (to a record read
    /// later, or in a tie), with the fingerprint of that link. Read each
    /// again and hand it to [`Closing::uncount`] before finishing.
    fn superseded(&self) -> &[(Place, LinkKey)] {
        &self.state.superseded
    }

    /// Take back the names a superseded record counted (see
    /// [`Closing::superseded`]).
    fn uncount(&mut self, record: &Record) {
        let labels = prepare::labels(record);
        let topic_keys: Vec<String> = labels.topics.iter().map(|topic| name_key(topic)).collect();
        for (key, topic) in topic_keys.iter().zip(&labels.topics) {
            uncount_one(self.state.topic_spellings.get_mut(key), topic);
        }
        for (family, key, spelling) in spelled(&self.options.families, &labels, &topic_keys) {
            let feed = self.spellings.get_mut(&family).and_then(|feeds| feeds.get_mut(&key));
            uncount_one(feed, spelling);
        }
    }

    /// Whether a feed has a record left: superseded records were uncounted.
    fn is_counted(&self, family: Family, key: &str) -> bool {
        let counts = self.spellings.get(&family).and_then(|feeds| feeds.get(key));
        counts.is_some_and(|counts| counts.values().any(|&count| count > 0))
    }

    /// The feeds, or, when some feed may be missing an item, a gatherer
    /// for a second reading of every record. `paths` holds the path of
    /// every place of [`Gatherer::places_to_name`], and ties are settled.
    fn finish(mut self, paths: &HashMap<Place, PathBuf>) -> Finished {
        self.state.duplicates = self.state.ledger.duplicates(paths);
        let exact = self.feeds.iter().all(|(family, feed)| feed.exact || !self.is_counted(*family, &feed.key));
        if exact {
            return Finished::Done(self.into_gathered());
        }
        let state = self.state;
        let again =
            State { ledger: state.ledger, future: state.future, duplicates: state.duplicates, ..State::default() };
        Finished::ReadAgain(Box::new(SecondReading(Gatherer {
            options: self.options,
            pass: Pass::Again,
            state: Mutex::new(again),
        })))
    }

    /// Name the feeds and rename the items' topics: the result.
    fn into_gathered(mut self) -> Gathered {
        let topic_names = TopicNames(
            self.state.topic_spellings.iter().map(|(key, spellings)| (key.clone(), display_name(spellings))).collect(),
        );
        let shown = self.items.iter().map(|(place, item)| (self.sources[place].clone(), item.id.clone())).collect();
        let items: HashMap<Place, Arc<Item>> = std::mem::take(&mut self.items)
            .into_iter()
            .map(|(id, mut item)| {
                topic_names.rename(&mut item);
                (id, Arc::new(item))
            })
            .collect();
        let mut by_family: HashMap<Family, Vec<Unnamed>> = HashMap::new();
        for (family, feed) in std::mem::take(&mut self.feeds) {
            let Some(spellings) = self.spellings.get(&family).and_then(|feeds| feeds.get(&feed.key)) else { continue };
            if spellings.values().all(|&count| count == 0) {
                continue;
            }
            let name = display_name(spellings);
            let feed_items = feed.records.iter().map(|place| Arc::clone(&items[place])).collect();
            by_family.entry(family).or_default().push(Unnamed {
                key: feed.key,
                name,
                items: feed_items,
                icon: feed.icon,
            });
        }
        if self.options.families.contains(&Family::All) && !by_family.contains_key(&Family::All) {
            let empty = Unnamed { key: String::new(), name: String::new(), items: Vec::new(), icon: None };
            by_family.entry(Family::All).or_default().push(empty);
        }
        let feeds = self
            .options
            .families
            .iter()
            .flat_map(|family| names::name_feeds(*family, by_family.remove(family).unwrap_or_default()))
            .collect();
        let holders = Holders::new(self.state.ledger.holder_places());
        Gathered { feeds, future: self.state.future, duplicates: self.state.duplicates, holders, topic_names, shown }
    }
}

/// A second reading of every record, with every link's holder known, so
/// that no item goes stale.
#[derive(Debug)]
struct SecondReading(Gatherer);

impl SecondReading {
    /// Take one record, as [`Gatherer::offer`].
    fn offer(&self, record: Record, place: Place) {
        self.0.offer(record, place);
    }

    /// The feeds; an error when a record that held its link in the first
    /// reading was not found again: the inputs changed in between.
    fn finish(self) -> Result<Gathered, InputsChanged> {
        let closing = self.0.close();
        if closing.state.holders_seen != closing.state.ledger.holders() {
            return Err(InputsChanged);
        }
        Ok(closing.into_gathered())
    }
}

/// Records were added, removed or edited between two readings of the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InputsChanged;

/// Add one to the count of `spelling`.
fn count(spellings: &mut Spellings, spelling: &str) {
    match spellings.get_mut(spelling) {
        Some(count) => *count += 1,
        None => {
            spellings.insert(spelling.to_owned(), 1);
        }
    }
}

/// Take one off the count of `spelling`, dropping it at zero.
fn uncount_one(spellings: Option<&mut Spellings>, spelling: &str) {
    if let Some(spellings) = spellings
        && let Some(count) = spellings.get_mut(spelling)
    {
        *count = count.saturating_sub(1);
        if *count == 0 {
            spellings.remove(spelling);
        }
    }
}

/// One feed, closed: its records (with their places, or the places alone),
/// newest first, cut to the limit.
#[derive(Debug)]
struct Closed<R = (Place, Arc<Record>)> {
    key: String,
    records: Vec<R>,
    icon: Option<String>,
    /// Whether the records are surely the feed's newest, and the icon the
    /// newest logo.
    exact: bool,
}

/// Close one feed: drop the records that lost their link (`held` says which
/// still hold theirs), cut to `limit`, pick the icon.
fn close(
    key: String,
    items: Best<Rank, Candidate>,
    logos: Best<Rank, Logo>,
    limit: usize,
    held: impl Fn(LinkKey, Place) -> bool,
) -> Closed {
    let turned_away = items.turned_away();
    let mut records: Vec<(Place, Arc<Record>)> = Vec::new();
    for (_, candidate) in items.into_best_first() {
        if held(candidate.link, candidate.place) && (limit == 0 || records.len() < limit) {
            records.push((candidate.place, candidate.record));
        }
    }
    let logos_turned_away = logos.turned_away();
    let icon = logos.into_best_first().into_iter().find(|(_, logo)| held(logo.link, logo.place));
    let short = turned_away && records.len() < limit;
    let icon_unsure = icon.is_none() && logos_turned_away;
    Closed { key, records, icon: icon.map(|(_, logo)| logo.url), exact: !short && !icon_unsure }
}

/// Prepare each record that made a feed (by its place), on all cores. Each
/// record is dropped as soon as its item is made, so that records and items
/// do not all coexist.
fn prepare_survivors(survivors: HashMap<Place, Arc<Record>>) -> HashMap<Place, Item> {
    survivors.into_par_iter().map(|(place, record)| (place, prepare::prepare(&record))).collect()
}

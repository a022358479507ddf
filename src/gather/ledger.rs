//! Selection's duplicate rule, streamed: which record holds each link.
//!
//! Two records with one link are one item: the one updated last, and on a
//! tie, the later path. Records arrive in any order, so the ledger remembers
//! who holds every link seen. That is the one thing a build keeps for every
//! record, so it is kept small: a 128-bit fingerprint of the link, the
//! holder's update time, and its [`Place`] in the walk of the inputs, a
//! number instead of a path. The few paths a build needs (to name
//! duplicates, to read a record again) are found by walking once more.
//!
//! A tie in update time needs both paths, and the holder's is not at hand:
//! the holder keeps the link for now, and [`Ledger::settle_ties`] decides
//! once the paths are known.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use url::Url;
use xxhash_rust::xxh3::xxh3_128;

use crate::model::{Duplicate, Record, sort_duplicates};
use crate::prepare::item_id;

/// A link's fingerprint (XXH3, 128 bits): a million links collide with a
/// probability below 10⁻²⁶.
pub(crate) type LinkKey = u128;

/// A file's position in the walk of the inputs ([`crate::load::read_all`]).
pub(crate) type Place = u32;

/// The fingerprint of `link`.
pub(crate) fn link_key(link: &Url) -> LinkKey {
    xxh3_128(link.as_str().as_bytes())
}

/// The record that currently holds a link.
#[derive(Debug, Clone, Copy)]
struct Holder {
    updated: DateTime<Utc>,
    place: Place,
}

/// What the ledger decided about a record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// It is the first with its link.
    First,
    /// It replaces the record at this place, which held the link until now.
    Replaces(Place),
    /// The link's holder stays (for a tie: for now); this record is left out.
    Loses,
}

/// A record left out for a duplicate link (or id).
#[derive(Debug, Clone)]
struct LeftOut {
    key: LinkKey,
    /// The key's text as a URL: the shared link (or id).
    link: Url,
    /// The key's text when it is an `id` of the record that came with it.
    id: Option<Box<str>>,
    place: Place,
}

/// The keys of a record with an `id` of its own: besides its link, it must
/// hold its id, or be left out. Kept apart from the holders, two keys per
/// such record.
#[derive(Debug, Clone, Copy)]
struct OwnId {
    link: LinkKey,
    key: LinkKey,
}

/// What the ledger is told about a record arriving under one of its keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival<'a> {
    /// The key's text as a URL.
    pub named: &'a Url,
    /// The key's text, when the key is the record's own `id`.
    pub id: Option<&'a str>,
    pub updated: DateTime<Utc>,
    pub place: Place,
}

/// Who holds each link, and every record left out for a duplicate link.
///
/// A record with an `id` of its own is known by it as well as by its link
/// (two items with one id would be one article to every reader), so it
/// must hold both: a record that loses either is left out. An id is
/// fingerprinted as a link is, so a record whose `id` is another record's
/// link shares that record's key.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    holders: HashMap<LinkKey, Holder>,
    left_out: Vec<LeftOut>,
    /// Records that lost only for lack of the holder's path: (key, place,
    /// update time).
    ties: Vec<(LinkKey, Place, DateTime<Utc>)>,
    /// The records with an `id` of their own, by place.
    own_ids: HashMap<Place, OwnId>,
}

/// The keys a record must hold to be an item: its link's, and its own id's
/// when it has an `id` that is not its link.
pub(crate) fn record_keys(record: &Record) -> (LinkKey, Option<LinkKey>) {
    let link = link_key(&record.link);
    let own = record.id.is_some().then(|| xxh3_128(item_id(record).as_bytes())).filter(|&key| key != link);
    (link, own)
}

impl Ledger {
    /// Decide about the record `arrival` describes, under `key` (its link's,
    /// or its own id's).
    pub(crate) fn admit(&mut self, key: LinkKey, arrival: Arrival<'_>) -> Admission {
        let Arrival { named, id, updated, place } = arrival;
        let id = id.map(Box::from);
        let Some(holder) = self.holders.get_mut(&key) else {
            self.holders.insert(key, Holder { updated, place });
            return Admission::First;
        };
        if updated > holder.updated {
            let replaced = std::mem::replace(holder, Holder { updated, place });
            self.left_out.push(LeftOut { key, link: named.clone(), id, place: replaced.place });
            return Admission::Replaces(replaced.place);
        }
        if updated == holder.updated {
            self.ties.push((key, place, updated));
        }
        self.left_out.push(LeftOut { key, link: named.clone(), id, place });
        Admission::Loses
    }

    /// Note that the record at `place` (whose link is keyed `link_key`) has
    /// an `id` of its own, keyed `key`: it is an item only if it holds both.
    pub(crate) fn own_id(&mut self, place: Place, link_key: LinkKey, key: LinkKey) {
        self.own_ids.insert(place, OwnId { link: link_key, key });
    }

    /// Whether the record at `place`, whose link is keyed `key`, is an
    /// item: it holds its link and, if it has an `id` of its own, its id.
    pub(crate) fn is_item(&self, key: LinkKey, place: Place) -> bool {
        self.holds(key, place) && self.own_ids.get(&place).is_none_or(|own| self.holds(own.key, place))
    }

    /// Whether the record at `place` holds the link `key`.
    pub(crate) fn holds(&self, key: LinkKey, place: Place) -> bool {
        self.holders.get(&key).is_some_and(|holder| holder.place == place)
    }

    /// The places whose paths [`Ledger::settle_ties`] and
    /// [`Ledger::duplicates`] need.
    pub(crate) fn places_to_name(&self) -> BTreeSet<Place> {
        let holders = self.left_out.iter().map(|left_out| self.holders[&left_out.key].place);
        self.left_out.iter().map(|left_out| left_out.place).chain(holders).collect()
    }

    /// Whether some record tied with its link's holder on update time:
    /// [`Ledger::settle_ties`] needs paths then.
    pub(crate) fn has_ties(&self) -> bool {
        !self.ties.is_empty()
    }

    /// The place of every record that is an item ([`Ledger::is_item`]), in
    /// no order.
    pub(crate) fn holder_places(&self) -> impl Iterator<Item = Place> + '_ {
        self.holders.iter().filter_map(|(&key, holder)| {
            let own = self.own_ids.get(&holder.place);
            // A record with an id of its own is counted once, at its link.
            let item = match own {
                None => true,
                Some(own) => own.link == key && self.holds(own.key, holder.place),
            };
            item.then_some(holder.place)
        })
    }

    /// How many records are items.
    pub(crate) fn holders(&self) -> usize {
        self.holder_places().count()
    }

    /// Give each tied link to the later path among the records tied at its
    /// holder's update time. Returns the links that changed hands, as (key,
    /// holder before, holder now), once per link however many records tied.
    pub(crate) fn settle_ties(&mut self, paths: &HashMap<Place, PathBuf>) -> Vec<(LinkKey, Place, Place)> {
        let mut moved: HashMap<LinkKey, (Place, Place)> = HashMap::new();
        for &(key, place, updated) in &self.ties {
            let Some(holder) = self.holders.get_mut(&key) else { continue };
            if holder.updated == updated && paths.get(&place) > paths.get(&holder.place) {
                let previous = std::mem::replace(&mut holder.place, place);
                let tied = |left_out: &&mut LeftOut| left_out.place == place && left_out.key == key;
                if let Some(left_out) = self.left_out.iter_mut().find(tied) {
                    left_out.place = previous;
                }
                moved.entry(key).and_modify(|(_, now)| *now = place).or_insert((previous, place));
            }
        }
        self.ties.clear();
        let mut moved: Vec<(LinkKey, Place, Place)> =
            moved.into_iter().map(|(key, (from, to))| (key, from, to)).collect();
        moved.sort_unstable();
        moved
    }

    /// Every record left out, with the record finally kept for its link,
    /// sorted by link, then by the path left out; `paths` must hold every
    /// place of [`Ledger::places_to_name`].
    pub(crate) fn duplicates(&self, paths: &HashMap<Place, PathBuf>) -> Vec<Duplicate> {
        let path = |place: Place| paths.get(&place).cloned().unwrap_or_default();
        // A record left out for both its link and its id is reported once,
        // for its link.
        let mut by_place: HashMap<Place, &LeftOut> = HashMap::new();
        for left_out in &self.left_out {
            let own = self.own_ids.get(&left_out.place);
            let for_link = own.is_none_or(|own| own.link == left_out.key);
            by_place
                .entry(left_out.place)
                .and_modify(|kept| {
                    if for_link {
                        *kept = left_out
                    }
                })
                .or_insert(left_out);
        }
        let mut duplicates: Vec<Duplicate> = by_place
            .into_values()
            .map(|left_out| {
                let own = self.own_ids.get(&left_out.place);
                let shared_id = own.is_some_and(|own| own.key == left_out.key);
                let id = shared_id.then(|| left_out.id.as_deref().unwrap_or(left_out.link.as_str()).to_owned());
                let kept = path(self.holders[&left_out.key].place);
                Duplicate { link: left_out.link.clone(), id, kept, dropped: path(left_out.place) }
            })
            .collect();
        sort_duplicates(&mut duplicates);
        duplicates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2025-01-{day:02}T00:00:00Z")).unwrap().into()
    }

    /// A record with `link` (and no id of its own) at `place`.
    fn arrival(link: &Url, updated: DateTime<Utc>, place: Place) -> Arrival<'_> {
        Arrival { named: link, id: None, updated, place }
    }

    /// Places 0, 1, 2 are `b.md` (day 1), `a.md` (day 2) and `c.md` (day 2).
    fn paths() -> HashMap<Place, PathBuf> {
        HashMap::from([(0, "b.md".into()), (1, "a.md".into()), (2, "c.md".into())])
    }

    #[test]
    fn three_records_tied_move_their_link_once_to_the_latest_path() {
        let link = Url::parse("https://a.test/x").unwrap();
        let key = link_key(&link);
        let paths = HashMap::from([(0, "a.md".into()), (1, "b.md".into()), (2, "c.md".into())]);
        let mut ledger = Ledger::default();
        for place in 0..3 {
            ledger.admit(key, arrival(&link, at(5), place));
        }
        assert_eq!(ledger.settle_ties(&paths), [(key, 0, 2)]);
        assert!(ledger.holds(key, 2));
    }

    #[test]
    fn the_record_updated_last_holds_the_link_and_ties_go_to_the_later_path_whatever_the_order() {
        let link = Url::parse("https://a.test/x").unwrap();
        let key = link_key(&link);
        let mut forwards = Ledger::default();
        assert_eq!(forwards.admit(key, arrival(&link, at(1), 0)), Admission::First);
        assert_eq!(forwards.admit(key, arrival(&link, at(2), 1)), Admission::Replaces(0));
        assert_eq!(forwards.admit(key, arrival(&link, at(2), 2)), Admission::Loses);
        assert_eq!(forwards.settle_ties(&paths()), [(key, 1, 2)], "c.md is later than a.md");
        let mut backwards = Ledger::default();
        assert_eq!(backwards.admit(key, arrival(&link, at(2), 2)), Admission::First);
        assert_eq!(backwards.admit(key, arrival(&link, at(2), 1)), Admission::Loses);
        assert_eq!(backwards.admit(key, arrival(&link, at(1), 0)), Admission::Loses);
        assert_eq!(backwards.settle_ties(&paths()), [], "c.md already holds the link");
        for ledger in [&forwards, &backwards] {
            assert!(ledger.holds(key, 2) && !ledger.holds(key, 1));
            assert_eq!(ledger.places_to_name(), BTreeSet::from([0, 1, 2]));
            let pairs: Vec<_> = ledger.duplicates(&paths()).into_iter().map(|d| (d.kept, d.dropped)).collect();
            assert_eq!(pairs, [("c.md".into(), "a.md".into()), ("c.md".into(), "b.md".into())]);
        }
    }
}

//! A bounded collection of the best values offered: what keeps a feed's
//! memory proportional to its limit rather than to the corpus.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A value filed under a rank; only the rank decides the order.
#[derive(Debug)]
struct Ranked<R, V>(R, V);

impl<R: Ord, V> PartialEq for Ranked<R, V> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<R: Ord, V> Eq for Ranked<R, V> {}

impl<R: Ord, V> PartialOrd for Ranked<R, V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<R: Ord, V> Ord for Ranked<R, V> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

/// The values of the `capacity` greatest ranks offered (every value when
/// the capacity is 0), and whether any value was turned away for lack of
/// room: the caller needs to know whether what it holds is the whole top.
#[derive(Debug)]
pub(crate) struct Best<R: Ord, V> {
    heap: BinaryHeap<Reverse<Ranked<R, V>>>,
    capacity: usize,
    turned_away: bool,
}

impl<R: Ord, V> Best<R, V> {
    /// An empty collection holding at most `capacity` values; 0 is no limit.
    pub(crate) fn new(capacity: usize) -> Self {
        Best { heap: BinaryHeap::new(), capacity, turned_away: false }
    }

    fn is_full(&self) -> bool {
        self.capacity > 0 && self.heap.len() >= self.capacity
    }

    /// Whether a value of `rank` would be kept if it were offered now.
    fn admits(&self, rank: &R) -> bool {
        !self.is_full() || self.heap.peek().is_some_and(|Reverse(lowest)| lowest.0 < *rank)
    }

    /// Weigh a value of `rank` before making it: true when it would be kept
    /// now (offer it then); false when it is turned away.
    pub(crate) fn consider(&mut self, rank: &R) -> bool {
        let admitted = self.admits(rank);
        self.turned_away |= !admitted;
        admitted
    }

    /// Keep `value` if its rank is among the best; the lowest-ranked value
    /// makes room for it when the collection is full.
    pub(crate) fn offer(&mut self, rank: R, value: V) {
        if !self.is_full() {
            self.heap.push(Reverse(Ranked(rank, value)));
        } else {
            self.turned_away = true;
            if self.admits(&rank) {
                self.heap.pop();
                self.heap.push(Reverse(Ranked(rank, value)));
            }
        }
    }

    /// Whether a value was ever turned away or pushed out.
    pub(crate) fn turned_away(&self) -> bool {
        self.turned_away
    }

    /// The values kept, with their ranks, best first.
    pub(crate) fn into_best_first(self) -> Vec<(R, V)> {
        self.heap.into_sorted_vec().into_iter().map(|Reverse(Ranked(rank, value))| (rank, value)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_greatest_ranks_and_says_when_it_turned_one_away() {
        let mut best = Best::new(3);
        for rank in [5, 1, 9, 7] {
            best.offer(rank, rank * 10);
        }
        assert!(best.turned_away());
        assert!(!best.consider(&4) && best.consider(&6));
        assert_eq!(best.into_best_first(), [(9, 90), (7, 70), (5, 50)]);
    }

    #[test]
    fn capacity_zero_keeps_everything() {
        let mut best = Best::new(0);
        for rank in 0..100 {
            best.offer(rank, ());
        }
        assert!(!best.turned_away());
        assert_eq!(best.into_best_first().len(), 100);
    }

    #[test]
    fn a_collection_never_full_turns_nothing_away() {
        let mut best = Best::new(3);
        best.offer(2, ());
        best.offer(1, ());
        assert!(best.consider(&0) && !best.turned_away());
    }

    #[test]
    fn a_value_considered_and_refused_counts_as_turned_away() {
        let mut best = Best::new(1);
        best.offer(5, ());
        assert!(!best.turned_away());
        assert!(!best.consider(&4));
        assert!(best.turned_away());
    }
}

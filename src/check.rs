//! `feedgen check`: read and validate every record, building nothing. It is
//! the quick test for a CI job that only needs the records to be right, and
//! the parse-only pass a build's speed is measured against.
//!
//! Asked for warnings, it also reports what a build would go ahead with but
//! the author probably did not mean: keys feedgen does not know, records
//! dated in the future, and two records with one link (only one is built).
//! Duplicates are found as a build finds them ([`Ledger`]), so memory stays
//! a few bytes per record.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use crate::gather::{Ledger, link_key};
use crate::load::{self, LoadError, LoadOptions, RecordProblem, Survey, Tally};
use crate::progress::Progress;
use crate::select::Duplicate;

/// Read and validate every record under `inputs`; with
/// [`LoadOptions::warn`], also find the warnings, duplicates last.
pub fn check(inputs: &[PathBuf], options: LoadOptions, progress: &dyn Progress) -> Result<Survey, LoadError> {
    let tally = Mutex::new(Tally::default());
    let ledger = Mutex::new(Ledger::default());
    let walked = load::read_all(inputs, options, progress, &|file| {
        let place = file.place;
        let record = tally.lock().unwrap_or_else(PoisonError::into_inner).note(file);
        let (Some(record), Some(warn)) = (record, options.warn) else { return };
        // A build leaves future records out before it looks for duplicates.
        if warn.future_after.is_none_or(|now| record.published <= now) {
            let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            ledger.admit(link_key(&record.link), &record.link, record.updated, place);
        }
    })?;
    let mut survey = tally.into_inner().unwrap_or_else(PoisonError::into_inner).into_survey();
    let mut ledger = ledger.into_inner().unwrap_or_else(PoisonError::into_inner);
    let places = ledger.places_to_name();
    if !places.is_empty() {
        let paths = load::paths_at(inputs, &places, walked)?;
        ledger.settle_ties(&paths);
        survey.warnings.extend(ledger.duplicates(&paths).iter().map(duplicate_warning));
    }
    Ok(survey)
}

/// The warning for a record left out for a duplicate link, at its link.
fn duplicate_warning(duplicate: &Duplicate) -> RecordProblem {
    let message = format!(
        "same link as {} ({}); a build keeps only {}, the record updated last",
        duplicate.kept.display(),
        duplicate.link,
        duplicate.kept.display()
    );
    let warning = RecordProblem::new(&duplicate.dropped, None, message)
        .with_hint("give each article its own link, or delete the record that is not wanted");
    load::pointed_at_key(warning, &["originalUrl", "webUrl"])
}

//! `feedgen check`: read and validate every record, building nothing. It is
//! the quick test for a CI job that only needs the records to be right, and
//! the parse-only pass a build's speed is measured against.
//!
//! Asked for warnings, it also reports what a build would go ahead with but
//! the author probably did not mean: keys feedgen does not know, records
//! dated in the future, and two records with one link (only one is built).
//! Duplicates are found as a build finds them ([`Ledger`]), so memory stays
//! a few bytes per record.
//!
//! Given the output folder, it also reports what the [guard](crate::guard)
//! would refuse there, as `build` and `build --check` do.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};

use crate::config::CheckSettings;
use crate::gather::{GatherOptions, SelectOptions};
use crate::guard::{Guard, Refusal, feed_of};
use crate::ids::IdGuard;
use crate::load::{self, LoadOptions, RecordProblem, Sources, Survey, Tally, WarnOptions};
use crate::model::{Duplicate, Feed};
use crate::progress::Progress;
use crate::reading::{Request, gather_records, survey_duplicates};
use crate::{BuildError, write};

/// What `feedgen check` found.
#[derive(Debug)]
pub struct Checked {
    /// The records: counts, problems, warnings.
    pub survey: Survey,
    /// Why a build would stop before writing, if it would.
    pub refusal: Option<Refusal>,
}

/// Read and validate every record of `settings.inputs`. With `warnings`,
/// also find what a build would quietly do otherwise than meant (unknown
/// keys, data left out, records dated in the future, duplicates last).
/// With `guarded`, also tell whether a build would be refused in the
/// output folder ([`Refusal`]).
///
/// Only when the output folder holds feeds (and `allow_empty` is off) is
/// there something to refuse, and then the records are gathered into feeds
/// as a build gathers them, in the same single reading, to learn which
/// feeds a build would keep; otherwise checking only parses.
pub fn check(
    settings: &CheckSettings,
    warnings: bool,
    guarded: bool,
    progress: &dyn Progress,
) -> Result<Checked, BuildError> {
    let warn = warnings.then_some(WarnOptions { future_after: (!settings.include_future).then_some(settings.now) });
    let options = LoadOptions { include_unpublished: settings.include_unpublished, warn };
    let never = AtomicBool::new(false);
    let sources = Sources::new(&settings.inputs, &settings.output, &never)?;
    let select = SelectOptions { include_future: settings.include_future, now: settings.now };
    let ids = warnings.then(|| IdGuard::open(&settings.inputs, &settings.output, select));
    let mut checked = None;
    if guarded && !settings.allow_empty {
        let listed = write::listed(&settings.output)?;
        if listed.iter().any(|path| feed_of(path).is_some()) {
            checked = Some(check_against(&sources, options, settings, &listed, progress, ids.as_ref())?);
        }
    }
    let (mut checked, duplicates) = match checked {
        Some(checked) => checked,
        None => {
            let (survey, duplicates) = survey(&sources, options, select, progress, ids.as_ref())?;
            (Checked { survey, refusal: None }, duplicates)
        }
    };
    checked.survey.warnings.extend(ids.map(|ids| ids.changes(&duplicates)).unwrap_or_default());
    Ok(checked)
}

/// Parse every record; when warnings are wanted, also find duplicates as
/// a build finds them (a ledger of links, a few bytes per record; they are
/// returned too) and show `ids` every record.
fn survey(
    sources: &Sources<'_>,
    options: LoadOptions,
    select: SelectOptions,
    progress: &dyn Progress,
    ids: Option<&IdGuard>,
) -> Result<(Survey, Vec<Duplicate>), BuildError> {
    if options.warn.is_some() {
        let (mut survey, duplicates) = survey_duplicates(sources, options, select, progress, ids)?;
        survey.warnings.extend(duplicates.iter().map(duplicate_warning));
        return Ok((survey, duplicates));
    }
    let tally = Mutex::new(Tally::default());
    load::read_all(sources, options, None, progress, &|file| {
        tally.lock().unwrap_or_else(PoisonError::into_inner).note(file);
    })?;
    Ok((tally.into_inner().unwrap_or_else(PoisonError::into_inner).into_survey(), Vec::new()))
}

/// Gather the records as a build would (one item per feed is enough to
/// know which feeds there are) and ask the guard about the feeds the
/// output folder lists (`listed`); also returns the duplicates found.
fn check_against(
    sources: &Sources<'_>,
    options: LoadOptions,
    settings: &CheckSettings,
    listed: &BTreeSet<String>,
    progress: &dyn Progress,
    ids: Option<&IdGuard>,
) -> Result<(Checked, Vec<Duplicate>), BuildError> {
    let request = Request {
        sources,
        load: options,
        gather: GatherOptions {
            select: SelectOptions { include_future: settings.include_future, now: settings.now },
            families: settings.families.clone(),
            limit: 1,
        },
        skip_invalid: true,
        keep: None,
        ids,
        reader: None,
    };
    let found = gather_records(&request, progress)?;
    let publishes = found.published();
    let mut survey = found.survey;
    if options.warn.is_some() {
        survey.warnings.extend(found.gathered.duplicates.iter().map(duplicate_warning));
    }
    let guard = Guard { allow_empty: false, publishes, records_read: survey.records_read, inputs: sources.inputs() };
    let stems: Vec<String> = found.gathered.feeds.iter().map(Feed::stem).collect();
    let refusal = guard.approve(&settings.output, listed, stems.iter().map(String::as_str)).err();
    Ok((Checked { survey, refusal }, found.gathered.duplicates))
}

/// The warning for a record left out for a duplicate link (at its link)
/// or id (at its `id`).
fn duplicate_warning(duplicate: &Duplicate) -> RecordProblem {
    let (what, shared, keys): (_, &str, &[&str]) = match &duplicate.id {
        Some(id) => ("id", id, &["id", "originalUrl", "webUrl"]),
        None => ("link", duplicate.link.as_str(), &["originalUrl", "webUrl"]),
    };
    let message = format!(
        "same {what} as {} ({shared}); a build keeps only {}, the record updated last",
        duplicate.kept.display(),
        duplicate.kept.display()
    );
    let warning = RecordProblem::new(&duplicate.dropped, None, message)
        .with_hint(format!("give each article its own {what}, or delete the record that is not wanted"));
    load::pointed_at_key(warning, keys)
}

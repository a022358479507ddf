//! The build's reading: the input folders, through the loader, into
//! gathering (stage 1 into stage 2). `build`, `list` and `check` read this
//! way; it tallies what the files were (counts, problems, warnings) as the
//! records stream past.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::BuildError;
use crate::gather::{self, GatherError, GatherOptions, Gathered, Keep, Place, RecordSource, SelectOptions};
use crate::ids::IdGuard;
use crate::load::{self, LoadError, LoadOptions, Parsed, RecordReader, Sources, Survey, Tally};
use crate::model::{Duplicate, Record};
use crate::progress::Progress;

/// What one gathering reads, and how.
pub(crate) struct Request<'a> {
    /// The files to read.
    pub sources: &'a Sources<'a>,
    /// Which records loading keeps, and whether it looks for warnings.
    pub load: LoadOptions,
    /// Which records are selected, into which feeds.
    pub gather: GatherOptions,
    /// Go on when records are invalid (their problems are in the survey).
    pub skip_invalid: bool,
    /// What sees every selected record as it is first read (the archives).
    pub keep: Option<&'a dyn Keep>,
    /// What looks at every valid record's id as it is first read.
    pub ids: Option<&'a IdGuard>,
    /// What reads the record files in place of parsing each (the build
    /// cache); `None`: every file is read and parsed.
    pub reader: Option<&'a dyn RecordReader>,
}

/// What a gathering found.
#[derive(Debug)]
pub(crate) struct Found {
    /// What the files were: counts, problems, warnings.
    pub survey: Survey,
    /// The feeds, and what selection left out.
    pub gathered: Gathered,
}

impl Found {
    /// How many records became items: the valid ones, less those held back
    /// as future or left out as duplicates. (Counted from the valid ones, not
    /// from every file read less the invalid files, which would count an
    /// invalid file read twice, through overlapping inputs, once too often.)
    pub(crate) fn published(&self) -> usize {
        self.survey.valid.saturating_sub(self.gathered.future + self.gathered.duplicates.len())
    }
}

/// Read every record of `request` and gather the feeds, streaming.
pub(crate) fn gather_records(request: &Request<'_>, progress: &dyn Progress) -> Result<Found, BuildError> {
    let mut inputs = Inputs::new(request.sources, request.load, request.skip_invalid, progress, request.ids);
    inputs.reader = request.reader;
    let gathered =
        gather::gather(&inputs, request.gather.clone(), request.keep).map_err(|error| inputs.failed(error))?;
    Ok(Found { survey: inputs.into_survey(), gathered })
}

/// Read every record of `sources` once, tallying what the files are, and
/// find the records a build would leave out for sharing a link (records
/// `select` holds back as future aside), and show `ids` every valid record;
/// invalid records do not stop it.
pub(crate) fn survey_duplicates(
    sources: &Sources<'_>,
    load: LoadOptions,
    select: SelectOptions,
    progress: &dyn Progress,
    ids: Option<&IdGuard>,
) -> Result<(Survey, Vec<Duplicate>), BuildError> {
    let inputs = Inputs::new(sources, load, true, progress, ids);
    let duplicates = gather::duplicates(&inputs, select).map_err(|error| inputs.failed(error))?;
    Ok((inputs.into_survey(), duplicates))
}

/// The inputs as [`gather`] reads them: through the loader, tallying what
/// the first reading finds (counts, problems, warnings).
struct Inputs<'a> {
    sources: &'a Sources<'a>,
    load: LoadOptions,
    /// Go on when records are invalid, rather than fail after the first reading.
    skip_invalid: bool,
    progress: &'a dyn Progress,
    tally: Mutex<Tally>,
    ids: Option<&'a IdGuard>,
    reader: Option<&'a dyn RecordReader>,
}

impl<'a> Inputs<'a> {
    fn new(
        sources: &'a Sources<'a>,
        load: LoadOptions,
        skip_invalid: bool,
        progress: &'a dyn Progress,
        ids: Option<&'a IdGuard>,
    ) -> Self {
        Inputs { sources, load, skip_invalid, progress, tally: Mutex::new(Tally::default()), ids, reader: None }
    }

    fn tally(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the files were, in input, then path order.
    fn into_survey(self) -> Survey {
        self.tally.into_inner().unwrap_or_else(PoisonError::into_inner).into_survey()
    }

    /// Gathering's failure as the build's: a change to the files names the
    /// file, or else the first input.
    fn failed(&self, error: GatherError<BuildError>) -> BuildError {
        match error {
            GatherError::Source(error) => error,
            GatherError::Changed(path) => {
                let path = path.or_else(|| self.sources.inputs().first().cloned()).unwrap_or_default();
                BuildError::Load(LoadError::Changed(path))
            }
        }
    }
}

impl RecordSource for Inputs<'_> {
    type Error = BuildError;

    /// The first reading tallies every file and fails, once every file is
    /// read, on invalid records (unless they are to be skipped); records
    /// read again were tallied, warnings and all, the first time.
    fn read_all(&self, reading: gather::Reading, offer: &(dyn Fn(Record, Place) + Sync)) -> Result<u32, BuildError> {
        let (sources, options) = (self.sources, self.load);
        let walked = match reading {
            gather::Reading::First => load::read_all(sources, options, self.reader, self.progress, &|file| {
                let place = file.place;
                let record = self.tally().note(file);
                if let Some(record) = record {
                    if let Some(ids) = self.ids {
                        ids.check(&record);
                    }
                    offer(record, place);
                }
            })?,
            gather::Reading::Again => load::read_all(sources, options, self.reader, self.progress, &|file| {
                if let Ok(Parsed::Record(record, _)) = file.outcome {
                    offer(*record, file.place);
                }
            })?,
        };
        if reading == gather::Reading::First && !self.skip_invalid && self.tally().has_errors() {
            let survey = std::mem::take(&mut *self.tally()).into_survey();
            return Err(BuildError::InvalidRecords(survey.errors));
        }
        Ok(walked)
    }

    fn paths_at(&self, places: &BTreeSet<Place>, walked: u32) -> Result<HashMap<Place, PathBuf>, BuildError> {
        Ok(load::paths_at(self.sources, places, walked)?)
    }

    fn read_one(&self, _place: Place, path: &Path) -> Option<Record> {
        match load::reread(path, self.load) {
            Ok(Parsed::Record(record, _)) => Some(*record),
            _ => None,
        }
    }
}

//! A problem with one file feedgen reads (a record, or `feedgen.yaml`):
//! what is wrong, where, and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::excerpt::{Excerpt, excerpt, key_excerpt};
use super::front_matter::Position;

/// A problem with one record file, pointing at the spot when it is known.
/// An error when the record cannot be built; also a warning about a record
/// that builds, but without data it could not use or probably not as
/// meant. A problem with a setting in `feedgen.yaml` is one too
/// ([`crate::config::ConfigError::InFile`]), so that both are shown alike.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub struct RecordProblem {
    /// The file.
    pub path: PathBuf,
    /// Line and column, when the problem has a place in the file.
    pub position: Option<Position>,
    /// What is wrong, starting with the field's name when there is one.
    pub message: String,
    /// What to write instead, when there is something to say.
    pub hint: Option<String>,
    /// The line at `position`, when it is safe to show (see `load::excerpt`).
    pub excerpt: Option<Excerpt>,
    /// The problem is about the key at `position`, whose value the excerpt
    /// must not show (`load::excerpt::key_excerpt`).
    pub(crate) about_key: bool,
}

impl RecordProblem {
    /// A problem at `position` in `path`, without a hint or excerpt.
    pub fn new(path: &Path, position: Option<Position>, message: impl Into<String>) -> Self {
        RecordProblem {
            path: path.to_owned(),
            position,
            message: message.into(),
            hint: None,
            excerpt: None,
            about_key: false,
        }
    }

    /// This problem, about the key at its position rather than the value.
    pub(crate) fn about_key(self) -> Self {
        RecordProblem { about_key: true, ..self }
    }

    /// This problem with `hint`.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// This problem with the excerpt of `text` (the file) at its position.
    pub(crate) fn excerpted_from(mut self, text: &str) -> Self {
        let excerpt = if self.about_key { key_excerpt } else { excerpt };
        self.excerpt = self.position.and_then(|at| excerpt(text, at));
        self
    }

    /// `FILE:LINE:COL: message`, or `FILE: message` without a position: the
    /// first line of a diagnostic, without the hint.
    pub fn headline(&self) -> String {
        match self.position {
            Some(at) => format!("{}:{}:{}: {}", self.path.display(), at.line, at.column, self.message),
            None => format!("{}: {}", self.path.display(), self.message),
        }
    }
}

/// One line: the headline, then `; hint`.
impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        match &self.hint {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

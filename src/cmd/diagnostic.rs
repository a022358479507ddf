//! Problems in records and in `feedgen.yaml` as diagnostics: the
//! `FILE:LINE:COL: message` line, the source line with a caret under the
//! spot, and a hint, drawn by `annotate-snippets` (the renderer rustc
//! uses). Colour only when stderr is a terminal and `NO_COLOR` is not set.

use std::ffi::OsStr;
use std::io::IsTerminal;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use feedgen::RecordProblem;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Severity {
    /// The record cannot be built.
    Error,
    /// The record builds, but without data it could not use, or probably
    /// not as meant.
    Warning,
}

/// Whether to colour diagnostics: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org).
pub(super) fn wants_colour(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// The renderer for stderr, coloured when [`wants_colour`] says so.
fn renderer() -> Renderer {
    let no_color = std::env::var_os("NO_COLOR");
    if wants_colour(std::io::stderr().is_terminal(), no_color.as_deref()) {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// `problem` drawn by `renderer`, without a final newline.
fn render(renderer: &Renderer, problem: &RecordProblem, severity: Severity) -> String {
    let level = match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let headline = problem.headline();
    let mut group = Group::with_title(level.primary_title(headline));
    if let Some(excerpt) = &problem.excerpt {
        let annotation = AnnotationKind::Primary.span(excerpt.span.clone());
        group = group.element(Snippet::source(excerpt.text.as_str()).line_start(excerpt.line).annotation(annotation));
    }
    if let Some(hint) = &problem.hint {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    renderer.render(&[group])
}

/// Print every problem to stderr, each as a diagnostic.
pub(super) fn print(problems: &[RecordProblem], severity: Severity) {
    let renderer = renderer();
    for problem in problems {
        eprintln!("{}", render(&renderer, problem, severity));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use feedgen::parse_record;

    use super::*;

    fn rendered(text: &str) -> String {
        let problems = parse_record(Path::new("r.md"), text.as_bytes(), Default::default()).unwrap_err();
        render(&Renderer::plain(), &problems[0], Severity::Error)
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(wants_colour(true, None));
        assert!(wants_colour(true, Some(OsStr::new(""))));
        assert!(!wants_colour(true, Some(OsStr::new("1"))));
        assert!(!wants_colour(false, None));
    }

    #[test]
    fn a_bad_date_shows_its_line_with_a_caret_and_a_hint() {
        let text = "---\ntitle: T\npublishedDateTime: yesterday\noriginalUrl: https://a.test/\n---\n";
        let expected = "\
error: r.md:3:20: publishedDateTime: not a date: \"yesterday\"
  |
3 | publishedDateTime: yesterday
  |                    ^^^^^^^^^
  |
  = help: expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999";
        assert_eq!(rendered(text), expected);
    }
}

//! The console side of `void-ls run`: the `pretty` reporter and the live progress display.
//!
//! - The live display (one redrawn line per running section with its state and counts, plus an
//!   overall progress line) goes to stderr, and only when stderr is a terminal.
//! - The `pretty` reporter writes, as each section finishes, its verdict and every assertion
//!   row, then a summary that repeats each failing row with its expected and actual values.
//!   With colours and symbols on a terminal, as plain `PASS`/`FAIL` lines otherwise.
//!
//! This module only draws; it never decides a verdict (that is [`super::model`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use super::events::{LiveStatus, RunEvent, SectionId};
use super::model::{RowReport, RowStatus, RunReport, SectionReport, SectionVerdict};
use crate::cli::count;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn cyan(self, t: &str) -> String {
        self.paint("36", t)
    }
}

/// Where the console output goes and how it looks.
pub struct ConsoleOptions {
    /// Receives the pretty report (stdout or `--output`); `None` for the json/junit reporters,
    /// which write their document at the end.
    pub report_out: Option<Box<dyn Write + Send>>,
    /// Draw the live display on stderr (only when stderr is a terminal).
    pub live: bool,
    /// Style of the pretty report.
    pub style: Style,
    /// Style of the live display.
    pub live_style: Style,
    /// Print every live-log line (sent and received frames) as it happens.
    pub show_log: bool,
    /// Number of sections planned (for the progress line).
    pub planned: usize,
    /// Prefix live-log lines with their section's label (sections run at once).
    pub label_log_lines: bool,
    /// Name the transcript of every section (`--transcript`); otherwise only failing ones.
    pub show_transcripts: bool,
}

struct Running {
    file: String,
    label: String,
    url: String,
    status: LiveStatus,
}

/// Draws run events on the console.
pub struct Console {
    opts: ConsoleOptions,
    running: BTreeMap<SectionId, Running>,
    finished: usize,
    failed: usize,
    /// Lines of the live area currently on screen.
    live_lines: usize,
    started: Instant,
    last_draw: Option<Instant>,
    tick: usize,
    /// How the person runs this tool, for hints (`void-ls`, or the `cargo run` line).
    program: String,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

impl Console {
    pub fn new(opts: ConsoleOptions) -> Self {
        Console {
            opts,
            running: BTreeMap::new(),
            finished: 0,
            failed: 0,
            live_lines: 0,
            started: Instant::now(),
            last_draw: None,
            tick: 0,
            program: crate::cli::invocation::program(),
        }
    }

    /// Handles one event from the executor.
    pub fn on_event(&mut self, event: RunEvent) {
        match event {
            RunEvent::Started {
                id,
                file,
                label,
                url,
            } => {
                if self.opts.show_log && !self.opts.label_log_lines {
                    let st = self.opts.style;
                    let line = format!(
                        "{} {} {}",
                        st.cyan("▶"),
                        st.bold(&format!("{file} › {label}")),
                        st.dim(&url)
                    );
                    self.permanent(&[line]);
                }
                self.running.insert(
                    id,
                    Running {
                        file,
                        label,
                        url,
                        status: LiveStatus::default(),
                    },
                );
                self.redraw(true);
            }
            RunEvent::Status { id, status } => {
                if let Some(r) = self.running.get_mut(&id) {
                    r.status = status;
                }
                self.redraw(false);
            }
            RunEvent::Log { id, line } => {
                if self.opts.show_log && !is_handshake_detail(&line) {
                    let prefix = match self.running.get(&id) {
                        Some(r) if self.opts.label_log_lines => format!("[{}] ", r.label),
                        _ => String::new(),
                    };
                    let text = format!("  {prefix}{}", self.style_log_line(&line));
                    self.permanent(&[text]);
                }
            }
            RunEvent::Finished { id, file, report } => {
                self.running.remove(&id);
                self.finished += 1;
                if report.verdict() != SectionVerdict::Passed {
                    self.failed += 1;
                }
                let lines = self.section_lines(&file, &report);
                self.permanent(&lines);
            }
        }
    }

    /// Advances the spinner; call a few times a second so the live display moves.
    pub fn tick(&mut self) {
        self.tick = self.tick.wrapping_add(1);
        self.redraw(true);
    }

    /// Clears the live display and writes the summary of the whole run.
    pub fn finish(&mut self, report: &RunReport) {
        self.clear_live();
        let lines = summary_lines(report, self.opts.style, &self.program);
        if let Some(out) = self.opts.report_out.as_mut() {
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
            let _ = out.flush();
        }
    }

    fn style_log_line(&self, line: &str) -> String {
        let s = self.opts.style;
        if line.contains(" → ") {
            s.cyan(line)
        } else if line.contains(" ← ") {
            s.green(line)
        } else if line.contains(" ✗ ") {
            s.red(line)
        } else if line.contains(" ✕ ") {
            s.yellow(line)
        } else {
            s.dim(line)
        }
    }

    fn section_lines(&self, file: &str, s: &SectionReport) -> Vec<String> {
        let st = self.opts.style;
        let verdict = s.verdict();
        let mark = match (verdict, st.color) {
            (SectionVerdict::Passed, true) => st.green("✓"),
            (SectionVerdict::Failed, true) => st.red("✗"),
            (SectionVerdict::Error, true) => st.red("!"),
            (SectionVerdict::Passed, false) => "PASS".into(),
            (SectionVerdict::Failed, false) => "FAIL".into(),
            (SectionVerdict::Error, false) => "ERROR".into(),
        };
        let mut facts = vec![
            format!("{} sent", s.sent),
            format!("{} received", s.received),
        ];
        if let Some(sub) = &s.connection.subprotocol {
            facts.push(format!("subprotocol {sub}"));
        }
        facts.push(human_duration(s.duration));
        let mut lines = vec![format!(
            "{mark} {} {} {}",
            st.bold(&format!("{file} › {}", s.label)),
            st.dim(&s.url),
            st.dim(&format!("· {}", facts.join(" · ")))
        )];
        for warning in &s.warnings {
            lines.push(format!("    {}", st.yellow(&format!("⚠ {warning}"))));
        }
        if verdict == SectionVerdict::Error {
            lines.extend(error_lines(s, st, &self.program, true));
        } else {
            if let Some(err) = &s.connection.error {
                lines.push(format!("    {}", st.red(err)));
            }
            for row in &s.rows {
                lines.extend(row_lines(row, st, "    "));
            }
            lines.extend(reply_failure_lines(s, st));
        }
        if s.rows.is_empty() && verdict != SectionVerdict::Error {
            lines.push(format!("    {}", st.dim("(no assertions)")));
        }
        if !matches!(s.ended_by, super::model::EndReason::Settled)
            && verdict != SectionVerdict::Error
        {
            lines.push(format!(
                "    {}",
                st.dim(&format!("ended: {}", s.ended_by.describe()))
            ));
        }
        if let Some(p) = s
            .transcript
            .as_ref()
            .filter(|_| self.opts.show_transcripts || verdict != SectionVerdict::Passed)
        {
            lines.push(format!(
                "    {}",
                st.dim(&format!("transcript: {}", p.display()))
            ));
        }
        lines
    }

    fn permanent(&mut self, lines: &[String]) {
        self.clear_live();
        if let Some(out) = self.opts.report_out.as_mut() {
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
            let _ = out.flush();
        } else if self.opts.live {
            // json/junit on a terminal: keep the finished lines visible on stderr too.
            let mut err = std::io::stderr().lock();
            for l in lines {
                let _ = writeln!(err, "{l}");
            }
        }
        self.redraw(true);
    }

    fn clear_live(&mut self) {
        if !self.opts.live || self.live_lines == 0 {
            return;
        }
        let mut err = std::io::stderr().lock();
        // Up to the first live line, then clear to the end of the screen.
        let _ = write!(err, "\x1b[{}F\x1b[J", self.live_lines);
        let _ = err.flush();
        self.live_lines = 0;
    }

    fn redraw(&mut self, force: bool) {
        if !self.opts.live {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last_draw
                .is_some_and(|t| now.duration_since(t) < Duration::from_millis(80))
        {
            return;
        }
        self.last_draw = Some(now);
        self.clear_live();
        let st = self.opts.live_style;
        let spin = SPINNER[self.tick % SPINNER.len()];
        let mut lines = Vec::new();
        for r in self.running.values() {
            let s = &r.status;
            let state = if s.state.is_empty() {
                "connecting"
            } else {
                s.state.as_str()
            };
            let mut counts = format!("{} sent · {} received", s.sent, s.received);
            let rows = s.passed + s.failed + s.pending;
            if rows > 0 {
                counts.push_str(&format!(
                    " · assertions {} {} {}",
                    st.green(&format!("{} passed", s.passed)),
                    if s.failed > 0 {
                        st.red(&format!("{} failed", s.failed))
                    } else {
                        "0 failed".into()
                    },
                    st.yellow(&format!("{} pending", s.pending))
                ));
            }
            lines.push(format!(
                "{} {} {} {}",
                st.cyan(spin),
                st.bold(&format!("{} › {}", r.file, r.label)),
                st.dim(&format!("{} · {state}", r.url)),
                counts
            ));
        }
        if self.opts.planned > 0 && self.finished < self.opts.planned {
            lines.push(progress_line(
                self.finished,
                self.failed,
                self.opts.planned,
                self.started.elapsed(),
                st,
            ));
        }
        let mut err = std::io::stderr().lock();
        // Autowrap off while drawing: a line wider than the terminal is clipped instead of
        // taking two rows, so the cursor-up count that erases the area stays right.
        let _ = write!(err, "\x1b[?7l");
        for l in &lines {
            let _ = writeln!(err, "\x1b[2K{l}");
        }
        let _ = write!(err, "\x1b[?7h");
        let _ = err.flush();
        self.live_lines = lines.len();
    }
}

/// A handshake request or response header line (`12:03:04.123 ⇄ → host: ...`): kept in the
/// transcript and the editor's log, left out of the console to keep it readable.
fn is_handshake_detail(line: &str) -> bool {
    line.split_once(' ')
        .is_some_and(|(_, rest)| rest.starts_with("⇄ → ") || rest.starts_with("⇄ ← "))
}

fn progress_line(
    done: usize,
    failed: usize,
    planned: usize,
    elapsed: Duration,
    st: Style,
) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH).checked_div(planned).unwrap_or(0);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(WIDTH - filled));
    let bar = if failed > 0 {
        st.red(&bar)
    } else {
        st.green(&bar)
    };
    format!(
        "{bar} {done}/{} · {}",
        count(planned, "section", "sections"),
        human_duration(elapsed)
    )
}

fn row_lines(row: &RowReport, st: Style, indent: &str) -> Vec<String> {
    let mark = match (row.status, st.color) {
        (RowStatus::Passed, true) => st.green("✓"),
        (RowStatus::Failed, true) => st.red("✗"),
        (RowStatus::Pending, true) => st.yellow("…"),
        (RowStatus::Passed, false) => "pass".into(),
        (RowStatus::Failed, false) => "fail".into(),
        (RowStatus::Pending, false) => "pending".into(),
    };
    let mut lines = vec![format!("{indent}{mark} {}", row.title())];
    if row.is_failure() {
        let pad = format!("{indent}    ");
        lines.push(format!(
            "{pad}{} {} {}",
            st.dim("expected"),
            row.field,
            if row.expected.is_empty() {
                row.operator.clone()
            } else {
                format!("{} {}", row.operator, row.expected)
            }
        ));
        match row.actual.as_deref() {
            None => lines.push(format!(
                "{pad}{}   {}",
                st.dim("actual"),
                st.dim("(no value)")
            )),
            Some(actual) => {
                // A multi-line value (pretty-printed JSON, say) keeps its shape: every line
                // after the first is indented under the first, not thrown to the margin.
                let mut value = actual.lines();
                let first = value.next().unwrap_or_default();
                lines.push(format!("{pad}{}   {}", st.dim("actual"), st.red(first)));
                let under = format!("{pad}{}", " ".repeat("actual   ".len()));
                lines.extend(value.map(|line| format!("{under}{}", st.red(line))));
            }
        }
        if row.status == RowStatus::Pending {
            lines.push(format!(
                "{pad}{}",
                st.yellow("still pending when the run ended")
            ));
        }
        if let Some(d) = &row.detail {
            lines.push(format!("{pad}{}", st.dim(d)));
        }
    }
    lines
}

/// A section that ended in error: the error once, what to do about it, and how many rows went
/// unchecked (instead of each row failing with no value).
fn error_lines(s: &SectionReport, st: Style, program: &str, with_hint: bool) -> Vec<String> {
    let err = s
        .connection
        .error
        .clone()
        .unwrap_or_else(|| s.ended_by.describe().into());
    let mut lines = vec![format!("    {}", st.red(&err))];
    if let Some(hint) = s.hint(program).filter(|_| with_hint) {
        lines.push(format!("    {} {hint}", st.yellow("hint:")));
    }
    if !s.rows.is_empty() {
        let n = s.rows.len();
        lines.push(format!(
            "    {}",
            st.dim(&format!(
                "{n} assertion{} not checked: the connection never opened",
                if n == 1 { "" } else { "s" }
            ))
        ));
    }
    lines
}

/// The closing summary: failures again in one place, then the totals. `program` is how the
/// person runs this tool (for hints).
pub fn summary_lines(report: &RunReport, st: Style, program: &str) -> Vec<String> {
    let t = report.totals();
    let mut lines = vec![String::new()];
    let failing: Vec<_> = report
        .files
        .iter()
        .flat_map(|f| f.sections.iter().map(move |s| (f, s)))
        .filter(|(_, s)| s.verdict() != SectionVerdict::Passed)
        .collect();
    // The same hint for several sections is said once, after them.
    let hint = failing.iter().find_map(|(_, s)| s.hint(program));
    if !failing.is_empty() {
        lines.push(st.bold(&st.red("Failures:")));
        for (f, s) in failing {
            lines.push(format!(
                "  {}",
                st.bold(&format!("{} › {}", f.path, s.label))
            ));
            if s.verdict() == SectionVerdict::Error {
                lines.extend(error_lines(s, st, program, false));
                continue;
            }
            for row in s.rows.iter().filter(|r| r.is_failure()) {
                lines.extend(row_lines(row, st, "    "));
            }
            lines.extend(reply_failure_lines(s, st));
        }
        if let Some(hint) = hint {
            lines.push(format!("  {} {hint}", st.yellow("hint:")));
        }
        lines.push(String::new());
    }
    let sections = tally(
        st,
        count(t.sections, "section", "sections"),
        (t.sections_passed, t.sections_failed),
        paint_if(
            t.sections_errored > 0,
            &count(t.sections_errored, "error", "errors"),
            |x| st.red(x),
        ),
    );
    let rows = tally(
        st,
        count(t.rows, "assertion", "assertions"),
        (t.rows_passed, t.rows_failed),
        paint_if(
            t.rows_pending > 0,
            &format!("{} pending", t.rows_pending),
            |x| st.yellow(x),
        ),
    ) + &if t.rows_unchecked > 0 {
        format!(
            ", {}",
            st.yellow(&format!("{} not checked", t.rows_unchecked))
        )
    } else {
        String::new()
    };
    let verdict = if report.all_passed() {
        st.bold(&st.green("PASSED"))
    } else {
        st.bold(&st.red("FAILED"))
    };
    lines.push(format!("{verdict}  {sections} · {rows}"));
    lines.push(st.dim(&format!(
        "{} · {} sent · {} received · {}",
        count(t.files, "file", "files"),
        t.sent,
        t.received,
        human_duration(report.duration)
    )));
    lines
}

/// The replies a section could not send, each naming its rule and the message it answered.
fn reply_failure_lines(s: &SectionReport, st: Style) -> Vec<String> {
    let mut lines: Vec<String> = s
        .reply_failures
        .iter()
        .map(|f| format!("    {} {}", st.red("✗"), f.sentence()))
        .collect();
    let unlisted = s
        .reply_failure_count
        .saturating_sub(s.reply_failures.len() as u64);
    if unlisted > 0 {
        lines.push(format!(
            "    {}",
            st.red(&format!(
                "{unlisted} more replies were not sent (see the log)"
            ))
        ));
    }
    lines
}

/// `<total>: P passed, F failed, <last>`: the passed count green, the failed count red when
/// there are any.
fn tally(st: Style, total: String, (passed, failed): (usize, usize), last: String) -> String {
    format!(
        "{total}: {}, {}, {last}",
        st.green(&format!("{passed} passed")),
        paint_if(failed > 0, &format!("{failed} failed"), |x| st.red(x))
    )
}

fn paint_if(cond: bool, text: &str, paint: impl Fn(&str) -> String) -> String {
    if cond { paint(text) } else { text.to_string() }
}

/// `850 ms`, `1.2 s`, `2 min 5 s`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{ConnectionReport, FileReport};
    use super::*;

    #[test]
    fn plain_summary_lists_failures_with_expected_and_actual() {
        let section = SectionReport {
            label: "Echo".into(),
            url: "ws://127.0.0.1:1/echo".into(),
            connection: ConnectionReport {
                opened: true,
                ..ConnectionReport::default()
            },
            rows: vec![RowReport {
                description: "reply id".into(),
                field: "received[0].json.id".into(),
                operator: "equals".into(),
                expected: "7".into(),
                status: RowStatus::Failed,
                actual: Some("8".into()),
                detail: None,
            }],
            ..SectionReport::default()
        };
        let report = RunReport {
            files: vec![FileReport {
                path: "a.void".into(),
                sections: vec![section],
            }],
            ..RunReport::default()
        };
        let text = summary_lines(&report, Style { color: false }, "void-ls").join("\n");
        assert!(text.contains("Failures:"), "{text}");
        assert!(text.contains("a.void › Echo"), "{text}");
        assert!(
            text.contains("expected received[0].json.id equals 7"),
            "{text}"
        );
        assert!(text.contains("actual   8"), "{text}");
        assert!(
            text.contains("FAILED  1 section: 0 passed, 1 failed, 0 errors"),
            "{text}"
        );
        assert!(
            !text.contains('\x1b'),
            "plain output has no escapes: {text}"
        );
    }

    #[test]
    fn a_multi_line_actual_value_keeps_its_shape_under_the_label() {
        let row = RowReport {
            description: "whole reply".into(),
            field: "received[0]".into(),
            operator: "equals".into(),
            expected: "nope".into(),
            status: RowStatus::Failed,
            actual: Some("{\n  \"op\": \"hello\"\n}".into()),
            detail: None,
        };
        let lines = row_lines(&row, Style { color: false }, "    ");
        assert_eq!(
            lines[2..],
            [
                "        actual   {".to_string(),
                "                   \"op\": \"hello\"".to_string(),
                "                 }".to_string(),
            ]
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(850)), "850 ms");
        assert_eq!(human_duration(Duration::from_millis(1250)), "1.2 s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2 min 5 s");
    }
}

//! Running one HTTP or GraphQL section headless: resolve its variables, build its request,
//! send it through the run's shared [`HttpClient`](void_session::http::client::HttpClient)
//! (connections are reused between sections), and turn the outcome into a [`SectionReport`]
//! with the same rows, warnings and words the WebSocket sections have.
//!
//! The verdict on each row is the session crate's ([`void_session::http::exchange`]); this
//! module only copies it. It must not print (events go to the console through the channel).

use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use void_session::Outcome;
use void_session::http::exchange;
use void_session::http::section::from_http_section;
use void_session::http::view;
use void_session::mask::SessionMasker;
use void_session::project_files::Project;
use void_session::transcript::{Direction, Record, RecordBody, Transcript};
use void_session::{SessionSpec, TranscriptTarget};

use super::events::{RunEvent, SectionId};
use super::model::{ConnectionReport, EndReason, RowStatus, SectionReport};
use super::plan::{PlannedFile, PlannedSection};
use super::section::{RunContext, file_dir, not_started, row_report, spec_error};

/// Runs the HTTP section `planned` of `file` and reports it.
pub async fn run_http_section(
    id: SectionId,
    file: &PlannedFile,
    planned: &PlannedSection,
    context: &RunContext,
    events: &UnboundedSender<RunEvent>,
) -> SectionReport {
    let started = Instant::now();
    let (mut report, vars) = context.unstarted(file, planned);
    let built = from_http_section(
        &file.document,
        planned.section_index,
        &vars,
        file_dir(&file.path),
    );
    let (spec, http) = match built {
        Ok((spec, http)) => (context.with_run_proxy(spec), http),
        Err(e) => return not_started(report, started, spec_error(&e, &vars, file, planned)),
    };
    if http
        .graphql
        .as_ref()
        .is_some_and(|g| g.kind == "subscription")
    {
        let spec = match void_session::http::graphql::subscription_spec(spec, &http) {
            Ok(spec) => spec,
            Err(e) => return not_started(report, started, vars.mask(&e)),
        };
        report.url = vars.mask(&spec.url);
        report.server_error_fails = true;
        return super::section::run_spec(id, file, planned, context, events, spec, report, started)
            .await;
    }
    let masker = void_session::mask::Masker::new(&spec.secrets);
    report.url = masker.mask(&spec.url).into_owned();
    if spec.options.insecure && spec.url.trim_start().starts_with("https:") {
        report
            .warnings
            .push("TLS certificate checks are off (insecure: true)".to_string());
    }
    let _ = events.send(RunEvent::Started {
        id,
        file: file.display.clone(),
        label: planned.label.clone(),
        url: report.url.clone(),
    });
    let transcript = match open_transcript(context, file, planned, id, &spec) {
        Ok(t) => t,
        Err(e) => return not_started(report, started, e),
    };
    let outcome = exchange::run_recorded(&context.http, &spec, &http, &mut |_| {}, &mut |wire| {
        record_wire(&transcript, wire)
    })
    .await;
    (report.transcript, report.transcript_events) = close_transcript(&transcript, &outcome).await;
    if let Some(request) = &outcome.request {
        let _ = events.send(RunEvent::Log {
            id,
            line: format!("→ {} {}", request.method, request.url),
        });
    }
    let _ = events.send(RunEvent::Log {
        id,
        line: format!("← {}", view::summary(&outcome)),
    });
    for c in &outcome.captured {
        let mut shown = c.clone();
        if c.secret {
            shown.value = c
                .value
                .as_ref()
                .map(|_| void_syntax::variables::MASK.to_string());
        }
        let line = masker.mask(&view::capture_line(&shown)).into_owned();
        let _ = events.send(RunEvent::Log {
            id,
            line: vars.mask(&format!("{line}  (from {})", planned.label)),
        });
    }
    context.remember_captures(&file.path, &outcome.captured);
    report.warnings.extend(outcome.notes.iter().cloned());
    fill_from_outcome(&mut report, &outcome);
    report.duration = started.elapsed();
    report
}

/// The transcript of an HTTP section: in `--transcript DIR` when given, else where the
/// section's `transcript` option names (inside its project); none by default (unlike a
/// WebSocket session, an HTTP exchange is whole in its report and view but for a large body).
fn open_transcript(
    context: &RunContext,
    file: &PlannedFile,
    planned: &PlannedSection,
    id: SectionId,
    spec: &SessionSpec,
) -> Result<Transcript, String> {
    let target = match (context.transcript_dir(), &spec.options.transcript) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "cannot create the transcript directory {}: {e}",
                    dir.display()
                )
            })?;
            let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            let name = super::section::transcript_name(&file.display, &planned.label, id);
            Some((Project::unconfined(), dir.join(name)))
        }
        (None, TranscriptTarget::Path(p)) => Some((spec.project(), spec.relative_to_file(p))),
        (None, _) => None,
    };
    match target {
        None => Ok(Transcript::off()),
        Some((project, path)) => {
            Transcript::create(&project, &path, SessionMasker::new(&spec.secrets))
                .map_err(|e| format!("cannot write the transcript: {e}"))
        }
    }
}

/// One record per request sent, response head and piece of body (kept whole, as text when it
/// is UTF-8); masked by the transcript.
fn record_wire(transcript: &Transcript, wire: exchange::Wire<'_>) {
    if transcript.path().is_none() {
        return;
    }
    match wire {
        exchange::Wire::Head(request, head) => {
            let mut sent = format!("{} {}", request.method, request.url);
            for (name, value) in &request.headers {
                sent.push_str(&format!("\n{name}: {value}"));
            }
            transcript.try_record(Record::event("request", sent));
            if !request.body.is_empty() {
                transcript.try_record(text_record(Direction::Out, "body", request.body.clone()));
            }
            let mut answer = format!("{} {} {}", head.version, head.status, head.reason);
            for (name, value) in &head.headers {
                answer.push_str(&format!("\n{name}: {value}"));
            }
            transcript.try_record(Record::event("response", answer));
        }
        exchange::Wire::Body(piece) => {
            let body = match std::str::from_utf8(piece) {
                Ok(text) => RecordBody::Text(text.to_string().into()),
                Err(_) => RecordBody::Binary(piece.to_vec().into()),
            };
            transcript.try_record(Record {
                t: chrono::Utc::now(),
                dir: Direction::In,
                kind: "body",
                body,
            });
        }
    }
}

fn text_record(dir: Direction, kind: &'static str, text: String) -> Record {
    Record {
        t: chrono::Utc::now(),
        dir,
        kind,
        body: RecordBody::Text(text.into()),
    }
}

/// The end of the transcript (the error, if any, and a summary line), written out: its path
/// and event count for the report.
async fn close_transcript(
    transcript: &Transcript,
    outcome: &view::HttpOutcome,
) -> (Option<std::path::PathBuf>, Option<u64>) {
    let Some(path) = transcript.path().map(std::path::Path::to_path_buf) else {
        return (None, None);
    };
    if let Some(error) = &outcome.error {
        transcript.try_record(Record::event("error", error.clone()));
    }
    transcript.try_record(Record::event("end", view::summary(outcome)));
    transcript.flush().await;
    (Some(path), Some(transcript.events()))
}

/// The connection, counts, end and rows of a report, from an ended exchange.
fn fill_from_outcome(report: &mut SectionReport, outcome: &view::HttpOutcome) {
    report.connection = ConnectionReport {
        opened: outcome.head.is_some(),
        http_status: outcome.head.as_ref().map(|h| h.status),
        handshake_ms: outcome
            .head
            .as_ref()
            .map(|_| u64::try_from(outcome.timing.first_byte.as_millis()).unwrap_or(u64::MAX)),
        error: outcome.error.clone(),
        ..ConnectionReport::default()
    };
    report.sent = u64::from(outcome.request.is_some());
    report.received = u64::from(outcome.head.is_some());
    report.ended_by = if outcome.head.is_none() {
        EndReason::ConnectFailed
    } else if outcome.error.is_some() {
        EndReason::Dropped
    } else {
        EndReason::Settled
    };
    report.rows = outcome
        .checks
        .iter()
        .map(|r| {
            let status = match r.outcome {
                Outcome::Pass => RowStatus::Passed,
                Outcome::Fail => RowStatus::Failed,
                Outcome::Pending => RowStatus::Pending,
            };
            row_report(r, status)
        })
        .collect();
}

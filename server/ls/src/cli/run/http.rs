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
    let outcome = exchange::run(&context.http, &spec, &http).await;
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

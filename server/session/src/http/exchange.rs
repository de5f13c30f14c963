//! One HTTP section run to its end: the request sent through [`HttpClient`], the body read
//! (kept up to `maxResponseSize`), the `assertions-table` rows checked, the
//! `runtime-variables` captured, all inside the section's `timeout`, and everything shown
//! masked with the section's secrets.
//!
//! The result is an [`HttpOutcome`] the editor renders as the response view and the runner
//! turns into its report. A failure (refused, TLS, timeout, a body cut by the connection) is
//! the outcome's `error`, in the same words as for WebSocket; rows then fail with it.

use std::time::Instant;

use super::capture::{self, Exchanged};
use super::checks::{self, Response};
use super::client::HttpClient;
use super::spec::HttpRequestSpec;
use super::view::HttpOutcome;
use crate::mask::Masker;
use crate::spec::SessionSpec;
use crate::status::{AssertionResult, Outcome};

/// Sends the request and reads the whole response. Never panics on what a server sends.
pub async fn run(client: &HttpClient, spec: &SessionSpec, http: &HttpRequestSpec) -> HttpOutcome {
    let started = Instant::now();
    let mut outcome = HttpOutcome {
        notes: http.notes.clone(),
        operation: http.graphql.as_ref().map(|g| match &g.name {
            Some(name) => format!("{} {name}", g.kind),
            None => g.kind.clone(),
        }),
        ..HttpOutcome::default()
    };
    let timeout = http.options.timeout;
    let exchanged = tokio::time::timeout(timeout, async {
        let mut exchange = match client.send(spec, http).await {
            Ok(e) => e,
            Err(failure) => {
                outcome.request = failure.sent;
                outcome.hops = failure.hops;
                outcome.error = Some(failure.message);
                return;
            }
        };
        outcome.request = Some(exchange.request.clone());
        outcome.head = Some(exchange.head.clone());
        outcome.hops = exchange.hops.clone();
        outcome.timing = exchange.timing;
        match exchange
            .read_to_end(http.options.max_response_size, |_| {})
            .await
        {
            Ok(body) => outcome.body = Some(body),
            Err(e) => outcome.error = Some(e),
        }
    })
    .await;
    if exchanged.is_err() {
        outcome.error = Some(format!(
            "timeout ({}) passed before the response was complete",
            void_syntax::vocab::human_seconds(timeout)
        ));
    }
    outcome.total = started.elapsed();
    judge(&mut outcome, http);
    mask(&mut outcome, &spec.secrets);
    outcome
}

/// The rows and captures, read on the response; with no response every row fails with the
/// error and nothing is captured.
fn judge(outcome: &mut HttpOutcome, http: &HttpRequestSpec) {
    let (Some(head), Some(request)) = (&outcome.head, &outcome.request) else {
        let why = outcome
            .error
            .clone()
            .unwrap_or_else(|| "no response".into());
        outcome.checks = http
            .checks
            .iter()
            .enumerate()
            .map(|(index, c)| AssertionResult {
                index,
                description: c.description.clone(),
                field: c.field.clone(),
                operator: c.operator_text.clone(),
                expected: c.expected.clone(),
                outcome: Outcome::Fail,
                actual: None,
                message: why.clone(),
            })
            .collect();
        return;
    };
    let bytes = outcome
        .body
        .as_ref()
        .map(|b| b.bytes.clone())
        .unwrap_or_default();
    let body = checks::body_value(&bytes);
    let time_ms = u64::try_from(outcome.total.as_millis()).unwrap_or(u64::MAX);
    outcome.checks = checks::evaluate(
        &http.checks,
        &Response {
            head,
            body: &body,
            time_ms,
            request,
        },
    );
    outcome.captured = capture::capture(
        &http.captures,
        &Exchanged {
            request,
            head,
            body: &body,
            time_ms,
            size: outcome.body.as_ref().map_or(0, |b| b.size),
        },
    );
}

/// Secrets out of everything shown: the request (URL, headers, body), the error, the rows'
/// values. Captured values stay clear (later sections use them); whoever shows one masks it
/// ([`Captured::secret`], and the section's secrets).
fn mask(outcome: &mut HttpOutcome, secrets: &[String]) {
    let masker = Masker::new(secrets);
    let m = |s: &mut String| *s = masker.mask(s).into_owned();
    if let Some(request) = &mut outcome.request {
        m(&mut request.url);
        m(&mut request.body);
        for (_, v) in &mut request.headers {
            m(v);
        }
    }
    for hop in &mut outcome.hops {
        m(&mut hop.from);
        m(&mut hop.to);
    }
    if let Some(e) = &mut outcome.error {
        m(e);
    }
    for row in &mut outcome.checks {
        m(&mut row.expected);
        m(&mut row.message);
        if let Some(a) = &mut row.actual {
            m(a);
        }
    }
}

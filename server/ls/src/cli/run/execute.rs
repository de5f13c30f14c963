//! Running a plan: up to `--jobs` sections at once, each through the session engine (HTTP
//! and GraphQL sections through [`super::http`]), with
//! every state change forwarded to the console and each section's result turned into the
//! plain [`model`](super::model).
//!
//! This module drives sessions and converts their results; it must not evaluate assertions
//! itself (the engine's verdicts are reported as they are) and must not draw anything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};

use super::RunArgs;
use super::events::RunEvent;
use super::model::{FileReport, RunReport, SectionReport};
use super::plan::Plan;
use super::pretty::{Console, ConsoleOptions};
use super::{http, section};
use void_syntax::model::RequestKind;

/// Runs every planned section and returns the report, drawing progress as it goes.
pub async fn run_plan(
    plan: Plan,
    args: &RunArgs,
    context: section::RunContext,
    console: ConsoleOptions,
) -> RunReport {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (tx, mut rx) = mpsc::unbounded_channel::<RunEvent>();
    let mut console = Console::new(console);
    let jobs = Arc::new(Semaphore::new(usize::from(args.jobs.max(1))));
    let context = Arc::new(context);
    let plan = Arc::new(plan);

    // Sections start in plan order: the scheduler takes a slot before spawning each one, so
    // with `--jobs 1` they run (and are reported) exactly in file order.
    let scheduler = {
        let plan = Arc::clone(&plan);
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut handles = Vec::with_capacity(plan.sections.len());
            for id in 0..plan.sections.len() {
                let permit = Arc::clone(&jobs).acquire_owned().await.ok();
                let plan = Arc::clone(&plan);
                let context = Arc::clone(&context);
                let tx = tx.clone();
                handles.push(tokio::spawn(async move {
                    let _permit = permit;
                    let planned = &plan.sections[id];
                    let file = &plan.files[planned.file];
                    let report = if planned.kind == RequestKind::WebSocket {
                        section::run_section(id, file, planned, &context, &tx).await
                    } else {
                        http::run_http_section(id, file, planned, &context, &tx).await
                    };
                    let _ = tx.send(RunEvent::Finished {
                        id,
                        file: file.display.clone(),
                        report: Box::new(report.clone()),
                    });
                    report
                }));
            }
            handles
        })
    };
    drop(tx);

    // Draw events as they come, ticking the spinner while nothing happens.
    let mut ticker = tokio::time::interval(Duration::from_millis(120));
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(e) => console.on_event(e),
                None => break,
            },
            _ = ticker.tick() => console.tick(),
        }
    }

    let mut files: Vec<FileReport> = plan
        .files
        .iter()
        .map(|f| FileReport {
            path: f.display.clone(),
            sections: Vec::new(),
        })
        .collect();
    let handles = scheduler.await.unwrap_or_default();
    for (id, handle) in handles.into_iter().enumerate() {
        let planned = &plan.sections[id];
        let report = match handle.await {
            Ok(r) => r,
            Err(e) => SectionReport {
                label: planned.label.clone(),
                block_uid: planned.block_uid.clone(),
                ended_by: super::model::EndReason::NotStarted,
                connection: super::model::ConnectionReport {
                    error: Some(format!("internal error while running the section: {e}")),
                    ..Default::default()
                },
                ..SectionReport::default()
            },
        };
        files[planned.file].sections.push(report);
    }
    files.retain(|f| !f.sections.is_empty());
    let report = RunReport {
        files,
        duration: started.elapsed(),
        started_at,
    };
    console.finish(&report);
    report
}

//! Running one WebSocket section headless (being integrated with the session engine).

use tokio::sync::mpsc::UnboundedSender;

use super::RunArgs;
use super::events::{RunEvent, SectionId};
use super::model::{ConnectionReport, EndReason, SectionReport};
use super::plan::{PlannedFile, PlannedSection};

pub struct RunContext {
    pub env_vars: Vec<(String, String)>,
}

impl RunContext {
    pub fn new(args: &RunArgs) -> Self {
        RunContext {
            env_vars: args.env_vars.clone(),
        }
    }
}

pub async fn run_section(
    _id: SectionId,
    _file: &PlannedFile,
    planned: &PlannedSection,
    _context: &RunContext,
    _events: &UnboundedSender<RunEvent>,
) -> SectionReport {
    SectionReport {
        label: planned.label.clone(),
        block_uid: planned.block_uid.clone(),
        ended_by: EndReason::NotStarted,
        connection: ConnectionReport {
            error: Some("the session engine is not wired in yet".into()),
            ..ConnectionReport::default()
        },
        ..SectionReport::default()
    }
}

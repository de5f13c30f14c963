//! What the runner tells its reporters while sections run: a section started, its counts
//! changed, a frame went by, it finished.
//!
//! The executor sends these over a channel; the console reporter draws from them. Nothing here
//! knows how a section is run or how it is drawn.

use super::model::SectionReport;

/// Identifies a section within one run (its position in the run plan).
pub type SectionId = usize;

#[derive(Debug, Clone)]
pub enum RunEvent {
    /// A section is connecting.
    Started {
        id: SectionId,
        file: String,
        label: String,
        url: String,
    },
    /// The section's state or counts changed.
    Status { id: SectionId, status: LiveStatus },
    /// One line of the live log (sent, received, open, close), for `--log` and the demo.
    Log { id: SectionId, line: String },
    /// The section ended; its final report.
    Finished {
        id: SectionId,
        file: String,
        report: Box<SectionReport>,
    },
}

/// The live counts of a running section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// `connecting`, `open`, `closing`, `closed`, `failed`.
    pub state: String,
    pub sent: u64,
    pub received: u64,
    pub passed: usize,
    pub failed: usize,
    pub pending: usize,
}

//! The ways into and out of a session task: the commands handles send it ([`Command`]), and
//! the hooks it hands received messages to ([`Hooks`]: a tap and an automatic reply). Plain
//! types; the task and the handles meet here so that neither imports the other.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::assertions::Payload;
use crate::spec::Outgoing;

/// A request from a handle to the session task.
#[derive(Debug)]
pub(crate) enum Command {
    Send { outgoing: Outgoing },
    Close { code: u16, reason: String },
}

/// A synchronous answer to a received message, sent before the next frame is read (see
/// `SessionSettings::auto_reply`).
pub type AutoReply = Arc<dyn Fn(&Payload) -> Option<Outgoing> + Send + Sync>;

/// What the task hands received messages to.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub tap: Option<mpsc::Sender<Incoming>>,
    pub auto_reply: Option<AutoReply>,
}

/// Received messages handed to a tap (see `SessionSettings::message_tap`): every message
/// read from the socket in one go, in arrival order, never empty. Handing over a batch costs
/// one channel operation however many messages it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Shared with the session's log and transcript: handing them over copies nothing.
    pub payloads: Arc<[Payload]>,
}

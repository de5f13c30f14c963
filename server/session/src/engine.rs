//! The session task: one tokio task per session that connects, hands each open connection to
//! [`OpenConnection`] until it ends, and reconnects when the section asks for it (with backoff,
//! up to its limit). Commands that come while it connects or waits are handled here: a Close
//! cancels, a send is refused in words.
//!
//! Everything observers see changes through [`Shared`]'s named transitions; the transcript is
//! written by the process's shared writer thread (see [`crate::transcript`]). Nothing in this
//! module panics on what a server sends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connect::{self, ConnectError, Connected, Connector};
use crate::connection::{End, OpenConnection};
use crate::control::{Command, Hooks};
use crate::conversation::Conversation;
use crate::log::EntryKind;
use crate::queue;
use crate::shared::Shared;
use crate::status::SessionState;

/// First reconnect delay; doubles per failed attempt up to [`RECONNECT_MAX_DELAY`].
pub const RECONNECT_FIRST_DELAY: Duration = Duration::from_millis(500);
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(30);

/// What came of one connection attempt.
enum Attempt {
    /// Boxed: the open socket and its handshake are large, and move once per connection.
    Connected(Box<Connected>),
    Failed(ConnectError),
    /// A Close (or every handle going away) cancelled it; the Close's reason, if any.
    Cancelled(String),
}

/// How a wait to reconnect ended.
enum Wait {
    Reconnect,
    /// `reconnectLimit` was reached: no wait, the session stays as its last connection ended.
    LimitReached,
    /// A Close (or every handle going away) ended the wait: the session is closed.
    Cancelled,
}

/// A session task's own state between connections.
struct SessionTask {
    shared: Arc<Shared>,
    commands: queue::Receiver<Command>,
    connector: Arc<dyn Connector>,
    hooks: Hooks,
    /// The section's replies and what they captured: kept across reconnects (one session, one
    /// conversation).
    conversation: Conversation,
    /// Failures in a row: it sets the backoff (the reconnects people see are counted by
    /// [`Shared`]).
    failures: u32,
}

/// The session task: runs until the session is closed, fails for good, or stops reconnecting.
pub(crate) async fn session_task(
    shared: Arc<Shared>,
    commands: queue::Receiver<Command>,
    connector: Arc<dyn Connector>,
    hooks: Hooks,
) {
    let conversation = Conversation::new(&shared.spec);
    let mut task = SessionTask {
        shared,
        commands,
        connector,
        hooks,
        conversation,
        failures: 0,
    };
    // Warnings (TLS checks off) go to the log and the transcript before anything else, so no
    // record of the session lacks them.
    for warning in task.shared.warnings() {
        task.shared
            .event(EntryKind::Event, "warning", format!("⚠ {warning}"));
    }
    let final_state = task.connections().await;
    // The state is shown once the transcript is flushed, together with `finished`, so no
    // observer sees a closed session that is still finishing.
    task.shared.transcript.flush().await;
    task.shared.finish(final_state);
}

impl SessionTask {
    /// Connects, runs each connection and reconnects as the options say; the state the session
    /// ends in.
    async fn connections(&mut self) -> SessionState {
        loop {
            let end = match self.attempt().await {
                Attempt::Cancelled(reason) => {
                    // The reason (a headless run's `runTimeout`, say) is part of the words.
                    let words = if reason.is_empty() {
                        "cancelled while connecting".to_string()
                    } else {
                        format!("cancelled while connecting: {reason}")
                    };
                    self.shared.cancelled_while_connecting(words);
                    return SessionState::Closed;
                }
                Attempt::Failed(error) => connect_failed(&self.shared, error),
                Attempt::Connected(connected) => {
                    self.failures = 0;
                    OpenConnection::start(
                        &self.shared,
                        *connected,
                        &self.hooks,
                        &mut self.conversation,
                    )
                    .event_loop(&mut self.commands)
                    .await
                }
            };
            let ended_in = match end {
                End::Failed { .. } => SessionState::Failed,
                _ => SessionState::Closed,
            };
            match end {
                End::UserClosed | End::Failed { permanent: true } => return ended_in,
                _ if !self.shared.spec.options.reconnect => return ended_in,
                _ => {}
            }
            match self.wait_to_reconnect().await {
                Wait::Reconnect => {}
                Wait::LimitReached => return ended_in,
                Wait::Cancelled => return SessionState::Closed,
            }
        }
    }

    /// One connection attempt, within `connectTimeout`, while handling commands.
    async fn attempt(&mut self) -> Attempt {
        let spec = self.shared.spec.clone();
        self.shared.begin_connecting();
        self.shared.event(
            EntryKind::Event,
            "connecting",
            format!("connecting · {}", self.shared.masked_url),
        );
        // Boxed and scoped: the connect future (large, and holding the handshake's buffers) is
        // freed as soon as it is done instead of living as long as the connection.
        let mut connecting = Box::pin(tokio::time::timeout(
            spec.options.connect_timeout,
            connect::establish(&spec, &self.connector),
        ));
        loop {
            tokio::select! {
                result = &mut connecting => return match result {
                    Ok(Ok(connected)) => Attempt::Connected(Box::new(connected)),
                    Ok(Err(error)) => Attempt::Failed(error),
                    Err(_elapsed) => {
                        let secs = spec.options.connect_timeout.as_secs_f64();
                        Attempt::Failed(ConnectError::new(format!(
                            "timed out after {secs} s while connecting (connectTimeout)"
                        )))
                    }
                },
                command = self.commands.recv() => match command {
                    Some(Command::Send { .. }) => self.shared.refuse_send("not connected yet"),
                    Some(Command::Close { reason, .. }) => return Attempt::Cancelled(reason),
                    None => return Attempt::Cancelled(String::new()),
                },
            }
        }
    }

    /// Waits before the next attempt (backoff), unless the session stops reconnecting.
    async fn wait_to_reconnect(&mut self) -> Wait {
        self.failures = self.failures.saturating_add(1);
        let reconnects = self.shared.reconnects();
        let limit = self.shared.spec.options.reconnect_limit;
        if reconnects >= limit {
            self.shared.stop_reconnecting(format!(
                "stopped reconnecting after {reconnects} attempt{} (reconnectLimit {limit})",
                if reconnects == 1 { "" } else { "s" }
            ));
            return Wait::LimitReached;
        }
        let delay = RECONNECT_FIRST_DELAY
            .saturating_mul(1u32 << (self.failures - 1).min(10))
            .min(RECONNECT_MAX_DELAY);
        // The attempt people see counts every reconnect of the session, like the log line.
        self.shared
            .wait_to_reconnect(reconnects + 1, Instant::now() + delay);
        self.shared.event(
            EntryKind::Event,
            "reconnect",
            format!(
                "reconnecting in {} ms (attempt {} of {limit})",
                delay.as_millis(),
                reconnects + 1
            ),
        );
        let wait = tokio::time::sleep(delay);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                command = self.commands.recv() => match command {
                    Some(Command::Send { .. }) => {
                        self.shared.refuse_send("not connected (waiting to reconnect)")
                    }
                    Some(Command::Close { .. }) | None => {
                        self.shared.reconnect_cancelled();
                        return Wait::Cancelled;
                    }
                },
            }
        }
        self.shared.reconnect_started();
        Wait::Reconnect
    }
}

/// A failed attempt: what was really sent and answered is logged (a connection that never
/// opened sent nothing), then the failure.
fn connect_failed(shared: &Shared, error: ConnectError) -> End {
    if let Some(line) = &error.request_line {
        shared.log_handshake("→", Some(line), &error.request_headers);
    }
    if let Some(status) = error.http_status {
        let reason = tokio_tungstenite::tungstenite::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let line = format!("HTTP/1.1 {status} {reason}");
        shared.log_handshake("←", Some(line.trim_end()), &error.response_headers);
    }
    // Quiet, and the state is set by the caller.
    shared.connect_failed(&error);
    End::Failed {
        permanent: error.permanent,
    }
}

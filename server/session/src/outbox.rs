//! The frames waiting for the connection's writer, kept inside the session's shared state.
//!
//! A handle's send checks that the session is open and queues its message under the one lock
//! it already takes for the check; the writer takes everything queued at once under the same
//! lock. Handles, the session task (automatic sends, pings, replies, the close frame) and the
//! writer all meet here, in one order.
//!
//! The outbox has a soft limit ([`SEND_QUEUE_MESSAGES`], [`SEND_QUEUE_BYTES`]): `Session::send`
//! ignores it (interactive sends are few), `Session::send_when_ready` waits below it, as a
//! socket write waits for buffer space. It never blocks and never touches the network.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::spec::Outgoing;

/// The outbox's soft limit in messages: `Session::send_when_ready` waits while it holds this
/// many.
pub const SEND_QUEUE_MESSAGES: usize = 1024;
/// The outbox's soft limit in payload bytes: `Session::send_when_ready` waits while it holds
/// this much. The writer takes everything queued at once, so up to twice this (what it is
/// writing, and the outbox filled again behind it) can be on its way out.
pub const SEND_QUEUE_BYTES: usize = 4 * 1024 * 1024;

/// What the session task asks the writer to put on the wire.
#[derive(Debug)]
pub(crate) enum WriteJob {
    /// A counted, logged and transcribed message.
    Message(Outgoing),
    /// A message a reply sends, with the note that says why (shown in the log beside it).
    Reply(Outgoing, Arc<str>),
    /// A keep-alive ping (not counted).
    Ping(Bytes),
    /// A protocol frame that is not a message (a Socket.IO connect, pong or disconnect): not
    /// counted, not logged as a message.
    Control(Utf8Bytes),
    /// The close frame; `None` sends a close without a code.
    Close(Option<CloseFrame>),
}

impl WriteJob {
    /// What a job weighs against the outbox's byte limit: the payload bytes of a message.
    pub(crate) fn payload_bytes(&self) -> usize {
        match self {
            WriteJob::Message(outgoing) | WriteJob::Reply(outgoing, _) => outgoing.size(),
            WriteJob::Ping(_) | WriteJob::Close(_) | WriteJob::Control(_) => 0,
        }
    }
}

/// What [`Outbox::take_all`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// Jobs were moved out; `wake_senders` when senders wait for the room this made.
    Jobs { wake_senders: bool },
    /// Nothing queued yet: wait for a push.
    Empty,
    /// Nothing queued and the writer is to stop.
    Finished,
}

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    jobs: VecDeque<WriteJob>,
    /// Payload bytes of the queued messages.
    bytes: usize,
    /// A writer takes jobs: from the connection's open until its writer stops.
    attached: bool,
    /// Handles may queue messages here: attached, and neither side has begun closing.
    accepting: bool,
    /// The writer puts out what is queued and then stops.
    finishing: bool,
    /// A sender waits for room (the writer wakes it when it takes jobs).
    room_wanted: bool,
}

impl Outbox {
    /// A new connection's writer starts: whatever an earlier connection left is dropped, and
    /// handles may queue.
    pub fn attach(&mut self) {
        *self = Outbox {
            attached: true,
            accepting: true,
            ..Outbox::default()
        };
    }

    /// Handles' messages go through the session task from now on (it refuses them while
    /// closing). Returns whether senders wait for room and must be told.
    #[must_use]
    pub fn stop_accepting(&mut self) -> bool {
        self.accepting = false;
        std::mem::take(&mut self.room_wanted)
    }

    /// The writer is to put out what is queued and stop.
    pub fn finish(&mut self) {
        self.accepting = false;
        self.finishing = true;
    }

    /// The writer is gone: what is still queued is dropped and pushes fail. Returns whether
    /// senders wait for room and must be told.
    #[must_use]
    pub fn detach(&mut self) -> bool {
        let wanted = self.room_wanted;
        *self = Outbox::default();
        wanted
    }

    pub fn is_accepting(&self) -> bool {
        self.accepting
    }

    /// Below the soft limit.
    pub fn has_room(&self) -> bool {
        self.jobs.len() < SEND_QUEUE_MESSAGES && self.bytes < SEND_QUEUE_BYTES
    }

    /// A sender is about to wait for room.
    pub fn note_waiting_sender(&mut self) {
        self.room_wanted = true;
    }

    /// Queues a job of the session task's whatever the outbox holds. `Ok(true)` when the
    /// outbox was empty (the writer must be woken; otherwise a wake-up is already on its
    /// way); the job comes back when no writer is attached.
    pub fn push(&mut self, job: WriteJob) -> Result<bool, WriteJob> {
        if !self.attached {
            return Err(job);
        }
        Ok(self.enqueue(job))
    }

    /// Queues a handle's message whatever the outbox holds, while it accepts them (see
    /// [`Outbox::push`] for the `bool`); the message comes back otherwise.
    pub fn push_message(&mut self, message: Outgoing) -> Result<bool, Outgoing> {
        if !self.accepting {
            return Err(message);
        }
        Ok(self.enqueue(WriteJob::Message(message)))
    }

    fn enqueue(&mut self, job: WriteJob) -> bool {
        let was_empty = self.jobs.is_empty();
        self.bytes += job.payload_bytes();
        self.jobs.push_back(job);
        was_empty
    }

    /// Moves every queued job to the end of `out`.
    pub fn take_all(&mut self, out: &mut VecDeque<WriteJob>) -> Taken {
        if self.jobs.is_empty() {
            return if self.finishing || !self.attached {
                Taken::Finished
            } else {
                Taken::Empty
            };
        }
        if out.is_empty() {
            std::mem::swap(out, &mut self.jobs);
        } else {
            out.append(&mut self.jobs);
        }
        self.bytes = 0;
        Taken::Jobs {
            wake_senders: std::mem::take(&mut self.room_wanted),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn message(size: usize) -> WriteJob {
        WriteJob::Message(Outgoing::Binary(Bytes::from(vec![0; size])))
    }

    #[test]
    fn jobs_are_taken_in_order_and_only_while_a_writer_is_attached() {
        let mut outbox = Outbox::default();
        assert!(outbox.push(message(1)).is_err(), "no writer yet");
        outbox.attach();
        assert!(
            outbox.push(message(1)).unwrap(),
            "first push wakes the writer"
        );
        assert!(
            !outbox.push(message(2)).unwrap(),
            "a wake-up is already on its way"
        );
        let mut out = VecDeque::new();
        assert_eq!(
            outbox.take_all(&mut out),
            Taken::Jobs {
                wake_senders: false
            }
        );
        let sizes: Vec<usize> = out
            .iter()
            .map(|j| match j {
                WriteJob::Message(m) => m.size(),
                _ => 0,
            })
            .collect();
        assert_eq!(sizes, [1, 2]);
        assert_eq!(outbox.take_all(&mut out), Taken::Empty);
        outbox.finish();
        assert!(!outbox.is_accepting());
        outbox.push(message(3)).unwrap();
        assert_eq!(
            outbox.take_all(&mut out),
            Taken::Jobs {
                wake_senders: false
            },
            "queued before the end goes out"
        );
        assert_eq!(outbox.take_all(&mut out), Taken::Finished);
        let _ = outbox.detach();
        assert!(outbox.push(message(4)).is_err());
        outbox.attach();
        assert_eq!(
            outbox.take_all(&mut VecDeque::new()),
            Taken::Empty,
            "a new connection starts empty"
        );
    }

    #[test]
    fn room_ends_at_the_message_limit_or_the_byte_limit() {
        let mut outbox = Outbox::default();
        outbox.attach();
        for _ in 0..SEND_QUEUE_MESSAGES - 1 {
            outbox.push(WriteJob::Ping(Bytes::new())).unwrap();
        }
        assert!(outbox.has_room());
        outbox.push(message(0)).unwrap();
        assert!(!outbox.has_room());
        outbox.take_all(&mut VecDeque::new());
        assert!(outbox.has_room());
        outbox.push(message(SEND_QUEUE_BYTES)).unwrap();
        assert!(!outbox.has_room());
        outbox.note_waiting_sender();
        assert!(outbox.stop_accepting(), "waiters are reported once");
        assert!(!outbox.stop_accepting());
        outbox.note_waiting_sender();
        assert_eq!(
            outbox.take_all(&mut VecDeque::new()),
            Taken::Jobs { wake_senders: true },
            "taking jobs makes room for the waiting sender"
        );
    }
}

//! The writing half of an open connection: a task that owns the socket's sink, fed through the
//! session's [outbox](crate::outbox) by handles and the session task, so reading never waits
//! for a write (and a peer that stops reading while its own writes are blocked cannot deadlock
//! the session).
//!
//! It takes every job already queued, `feed`s each frame and flushes once per batch (one write
//! system call for many small messages), in queue order. After each flush it does the
//! bookkeeping of the messages that went out (counter, live log, transcript) under one lock and
//! tells observers at most every [`NOTIFY_INTERVAL`]. It must not read from the socket and must
//! not decide anything about the session's life: a write error ends the task and the session
//! task decides what that means.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::batch::Batch;
use crate::connect::BoxedTransport;
use crate::outbox::WriteJob;
use crate::shared::{NOTIFY_INTERVAL, Shared};
use crate::socketio::message::EmitAck;
use crate::spec::Outgoing;

/// Frames fed before a flush at most, even when more are queued.
const BATCH_FRAMES: usize = 1024;
/// Bytes fed before a flush at most, even when more are queued.
const BATCH_BYTES: usize = 256 * 1024;

pub(crate) type Sink = SplitSink<WebSocketStream<BoxedTransport>, Message>;

/// Feeds the frames of a message (the message itself, sharing its buffer, is kept for the
/// bookkeeping): one frame, or a Socket.IO packet and its attachments. An event that waits
/// for its acknowledgement gets its id here, as it goes out.
async fn feed_message(
    shared: &Shared,
    sink: &mut Sink,
    outgoing: &Outgoing,
) -> Result<usize, String> {
    let frame = match outgoing {
        Outgoing::Text { text, .. } => Message::Text(text.clone()),
        Outgoing::Binary(bytes) => Message::Binary(bytes.clone()),
        Outgoing::Event(event) => {
            let id = (event.ack == EmitAck::Want).then(|| {
                shared
                    .acks
                    .register(event.name.as_deref().unwrap_or("message"))
            });
            let packet = event.packet(id);
            let mut bytes = packet.len();
            feed(sink, Message::Text(packet.into())).await?;
            for attachment in &event.attachments {
                bytes += attachment.len();
                feed(sink, Message::Binary(attachment.clone())).await?;
            }
            return Ok(bytes);
        }
    };
    let bytes = frame.len();
    feed(sink, frame).await?;
    Ok(bytes)
}

async fn feed(sink: &mut Sink, frame: Message) -> Result<(), String> {
    sink.feed(frame)
        .await
        .map_err(|e| format!("sending failed: {e}"))
}

/// Runs until the outbox is finished and empty (returns `Ok`) or a write fails (returns the
/// error, in words). Either way the outbox is detached at the end, so later sends fail.
pub(crate) async fn writer_task(shared: Arc<Shared>, sink: Sink) -> Result<(), String> {
    let result = write_all(&shared, sink).await;
    shared.detach_writer();
    result
}

async fn write_all(shared: &Shared, mut sink: Sink) -> Result<(), String> {
    let mut sent: Vec<Outgoing> = Vec::new();
    // Notes of the replies among `sent`, by index.
    let mut notes: Vec<(u32, Arc<str>)> = Vec::new();
    let mut queued: VecDeque<WriteJob> = VecDeque::new();
    let mut last_notify: Option<tokio::time::Instant> = None;
    let notify = tokio::time::sleep(NOTIFY_INTERVAL);
    tokio::pin!(notify);
    let mut notify_armed = false;
    loop {
        if queued.is_empty() {
            tokio::select! {
                more = shared.next_jobs(&mut queued) => if !more {
                    break;
                },
                () = &mut notify, if notify_armed => {
                    notify_armed = false;
                    last_notify = Some(tokio::time::Instant::now());
                    shared.notify();
                    continue;
                }
            }
        }
        // The time a batch starts going out is its records' time (before any echo arrives).
        let wall = Utc::now();
        let mut frames = 0;
        let mut bytes = 0;
        while let Some(job) = queued.pop_front() {
            match job {
                WriteJob::Message(outgoing) => {
                    bytes += feed_message(shared, &mut sink, &outgoing).await?;
                    sent.push(outgoing);
                }
                WriteJob::Reply(outgoing, note) => {
                    bytes += feed_message(shared, &mut sink, &outgoing).await?;
                    notes.push((u32::try_from(sent.len()).unwrap_or(u32::MAX), note));
                    sent.push(outgoing);
                }
                WriteJob::Ping(data) => feed(&mut sink, Message::Ping(data)).await?,
                WriteJob::Control(text) => feed(&mut sink, Message::Text(text)).await?,
                WriteJob::Close(frame) => feed(&mut sink, Message::Close(frame)).await?,
            }
            frames += 1;
            if frames >= BATCH_FRAMES || bytes >= BATCH_BYTES {
                break;
            }
        }
        if let Err(e) = sink.flush().await {
            return Err(format!("sending failed: {e}"));
        }
        if !sent.is_empty() {
            record_sent(shared, &mut sent, &mut notes, wall).await;
            // Observers hear about counters at most every NOTIFY_INTERVAL.
            let now = tokio::time::Instant::now();
            match last_notify {
                Some(at) if now < at + NOTIFY_INTERVAL => {
                    if !notify_armed {
                        notify_armed = true;
                        notify.as_mut().reset(at + NOTIFY_INTERVAL);
                    }
                }
                _ => {
                    last_notify = Some(now);
                    shared.notify();
                }
            }
        }
    }
    if notify_armed {
        shared.notify();
    }
    Ok(())
}

/// Counts, logs and transcribes a batch of messages that went out, as one [`Batch`].
async fn record_sent(
    shared: &Shared,
    sent: &mut Vec<Outgoing>,
    notes: &mut Vec<(u32, Arc<str>)>,
    wall: DateTime<Utc>,
) {
    let count = sent.len() as u64;
    let batch = Batch::Sent {
        at: wall,
        messages: sent.drain(..).collect(),
        notes: (!notes.is_empty()).then(|| notes.drain(..).collect()),
    };
    shared.sent(count, batch.clone());
    shared.transcript.record_batch(batch).await;
}

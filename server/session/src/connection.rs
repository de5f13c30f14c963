//! One open connection of a session: an [`OpenConnection`] reads frames and handles commands
//! and timers until the connection ends, then says how it ended ([`End`]). It has one method
//! per event it handles: frames ([`OpenConnection::on_frames`]), commands, the writer's end,
//! automatic sends coming due, the ping and heartbeat timers, a missing pong, the notify timer
//! and the close timeout; each returns whether the connection goes on ([`Flow`]).
//!
//! The connection is split: this side reads (a batch of buffered frames at a time, applied
//! under one lock), while the writer task ([`crate::writer`]) owns the sending half, fed
//! through the outbox, so a write that waits never stops reading. Every change to what
//! observers see goes through [`Shared`]'s transitions. Nothing here panics on what a server
//! sends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::stream::SplitStream;
use futures_util::{FutureExt, StreamExt};
use tokio::task::JoinHandle;
use tokio::time::{Interval, MissedTickBehavior, Sleep};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use void_syntax::vocab::{MessageFormat, Protocol, SendMode};

use crate::assertions::Payload;
use crate::batch::Batch;
use crate::connect::{BoxedTransport, Connected};
use crate::control::{Command, Hooks, Incoming};
use crate::conversation::Conversation;
use crate::log::EntryKind;
use crate::outbox::WriteJob;
use crate::queue;
use crate::shared::{Ended, NOTIFY_INTERVAL, Opened, Shared};
use crate::socketio::packet::{OpenInfo, PacketKind, encode_packet};
use crate::socketio::reader::{Inbound, Reader};
use crate::spec::{Outgoing, SessionSpec};
use crate::status::EndedBy;
use crate::template;
use crate::writer;

mod graphql;

/// How long a close we started waits for the server's answer before the socket is dropped.
pub const CLOSE_ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Frames (and commands) handled per wake-up when more are already buffered.
const FRAME_BATCH: usize = 256;
/// How long a connection that ended waits for its writer to put out what was queued.
const WRITER_DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// How one connection (or attempt) ended, for the session task.
pub(crate) enum End {
    /// The user (or the last handle) closed the session.
    UserClosed,
    /// The server closed, the connection dropped, or an error closed it.
    Remote,
    /// No connection was made.
    Failed { permanent: bool },
}

/// Whether the connection goes on after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    End,
}

/// A connection this side ended (or saw drop): the close code reported, a sentence, and who
/// ended it.
struct LocalEnd {
    code: u16,
    message: String,
    by: EndedBy,
}

impl LocalEnd {
    /// The connection dropped (1006) under this client.
    fn network(message: impl Into<String>) -> Self {
        LocalEnd {
            code: 1006,
            message: message.into(),
            by: EndedBy::Network,
        }
    }

    /// This client closes with `code` because of what the server sent.
    fn client(code: u16, message: String) -> Self {
        LocalEnd {
            code,
            message,
            by: EndedBy::Client,
        }
    }
}

/// A send waiting for its time: when, which message, and the message it answers (an `after:`
/// message's trigger, for its `{{$msg...}}` values).
type Due = (tokio::time::Instant, usize, Option<Payload>);

/// The automatic sends of a connection: `on-open` messages (with their delays) and `after:`
/// messages once what they wait for arrives.
struct Schedule {
    /// Sends to make, in file order for equal times.
    due: Vec<Due>,
    /// `after:` messages: (message index, what they wait for, already fired).
    after: Vec<(usize, String, bool)>,
}

impl Schedule {
    /// The schedule of a connection that opened at `now`; a Socket.IO connection's `on-open`
    /// messages wait for its namespace (`opened` false), see [`Schedule::open`].
    fn new(spec: &SessionSpec, now: tokio::time::Instant, opened: bool) -> Self {
        let due = if opened {
            Self::on_open(spec, now)
        } else {
            Vec::new()
        };
        let after = spec
            .messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match &m.send {
                SendMode::After(name) => Some((i, name.clone(), false)),
                _ => None,
            })
            .collect();
        Schedule { due, after }
    }

    /// The `on-open` sends of a connection that opened at `now`.
    fn on_open(spec: &SessionSpec, now: tokio::time::Instant) -> Vec<Due> {
        spec.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.send == SendMode::OnOpen)
            .map(|(i, m)| (now + m.delay.unwrap_or_default(), i, None))
            .collect()
    }

    /// The conversation opens now (a Socket.IO namespace connected): its `on-open` sends.
    fn open(&mut self, spec: &SessionSpec, now: tokio::time::Instant) {
        self.due.extend(Self::on_open(spec, now));
    }

    /// The earliest due time, if any send waits.
    fn next(&self) -> Option<tokio::time::Instant> {
        self.due.iter().map(|(t, _, _)| *t).min()
    }

    /// Takes the sends due at `now`, in time order (file order for equal times).
    fn take_due(&mut self, now: tokio::time::Instant) -> Vec<Due> {
        let (mut due, later): (Vec<Due>, Vec<Due>) = std::mem::take(&mut self.due)
            .into_iter()
            .partition(|entry| entry.0 <= now);
        self.due = later;
        due.sort_by_key(|(t, i, _)| (*t, *i));
        due
    }
}

/// The connection's timers. Sleeps not in use wait for the far future.
struct Timers {
    /// The next automatic send.
    due: std::pin::Pin<Box<Sleep>>,
    /// Telling observers about counters (armed by the first change after a notify).
    notify: std::pin::Pin<Box<Sleep>>,
    notify_armed: bool,
    /// The pong of the last ping.
    pong: std::pin::Pin<Box<Sleep>>,
    /// The other side's answer to a close.
    close: std::pin::Pin<Box<Sleep>>,
    ping: Option<Interval>,
    heartbeat: Option<Interval>,
    /// Socket.IO: looking for acknowledgements later than `ackTimeout`.
    acks: Option<Interval>,
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending::<()>().await,
    }
}

impl Timers {
    fn new(spec: &SessionSpec, now: tokio::time::Instant) -> Self {
        let interval = |period: Duration| {
            let mut i = tokio::time::interval_at(now + period, period);
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        };
        Timers {
            due: Box::pin(tokio::time::sleep_until(far_future())),
            notify: Box::pin(tokio::time::sleep_until(far_future())),
            notify_armed: false,
            pong: Box::pin(tokio::time::sleep_until(far_future())),
            close: Box::pin(tokio::time::sleep_until(far_future())),
            ping: spec
                .options
                .ping_interval
                .filter(|d| !d.is_zero())
                .map(interval),
            heartbeat: spec.options.heartbeat.as_ref().map(|_| {
                interval(
                    spec.options
                        .heartbeat_interval
                        .max(Duration::from_millis(10)),
                )
            }),
            acks: (spec.options.protocol == Protocol::SocketIo).then(|| {
                interval(
                    (spec.options.ack_timeout / 4)
                        .clamp(Duration::from_millis(10), Duration::from_millis(250)),
                )
            }),
        }
    }

    /// Points the send timer at the next automatic send.
    fn reschedule(&mut self, schedule: &Schedule) {
        self.due
            .as_mut()
            .reset(schedule.next().unwrap_or_else(far_future));
    }

    /// Observers hear about counter changes at most every [`NOTIFY_INTERVAL`].
    fn mark_changed(&mut self) {
        if !self.notify_armed {
            self.notify_armed = true;
            self.notify
                .as_mut()
                .reset(tokio::time::Instant::now() + NOTIFY_INTERVAL);
        }
    }

    /// The close handshake has this long to finish.
    fn start_close_wait(&mut self) {
        self.close
            .as_mut()
            .reset(tokio::time::Instant::now() + CLOSE_ANSWER_TIMEOUT);
    }
}

/// One open connection, from the handshake to its end.
pub(crate) struct OpenConnection<'a> {
    shared: &'a Arc<Shared>,
    spec: Arc<SessionSpec>,
    hooks: &'a Hooks,
    /// The session's replies and captures (they outlive a connection: a reconnect keeps them).
    conversation: &'a mut Conversation,
    stream: SplitStream<WebSocketStream<BoxedTransport>>,
    writer: JoinHandle<Result<(), String>>,
    writer_ended: bool,
    schedule: Schedule,
    timers: Timers,
    awaiting_pong: bool,
    user_close: Option<(u16, String)>,
    server_close: Option<(u16, String)>,
    local_error: Option<LocalEnd>,
    /// Data messages of one batch of buffered frames, applied together.
    arrived: Vec<Payload>,
    /// The server ended the conversation in its protocol after data messages of the same
    /// batch: told once those are logged, so the log keeps the order things came in.
    server_end_after_batch: Option<String>,
    /// Socket.IO: the protocol's state on this connection (`None` for plain WebSocket).
    socketio: Option<SocketIo>,
    /// A GraphQL subscription's state on this connection (`None` for plain WebSocket).
    graphql: Option<graphql::GraphqlLink>,
}

/// A Socket.IO connection's state.
struct SocketIo {
    reader: Reader,
    /// The namespace accepted this client.
    connected: bool,
    /// How long after a ping (or the handshake) the next one must come: the server's
    /// `pingInterval` plus `pingTimeout`.
    ping_deadline: Duration,
}

impl<'a> OpenConnection<'a> {
    /// Takes over a connection that just opened: logs the handshake, starts the writer and
    /// tells observers the session is open.
    pub(crate) fn start(
        shared: &'a Arc<Shared>,
        connected: Connected,
        hooks: &'a Hooks,
        conversation: &'a mut Conversation,
    ) -> Self {
        let spec = shared.spec.clone();
        let Connected {
            ws,
            http_status,
            reason,
            request_line,
            request_headers,
            response_headers,
            subprotocol,
            handshake_time,
        } = connected;
        shared.log_handshake("→", Some(&request_line), &request_headers);
        let status_line = format!("HTTP/1.1 {http_status} {reason}");
        shared.log_handshake("←", Some(status_line.trim_end()), &response_headers);
        let handshake_ms = handshake_time.as_millis() as u64;
        // The writing half runs in its own task, fed in order through the outbox; reading goes
        // on while a write waits. Handles may send straight to it from the moment the state is
        // Open.
        let (sink, stream) = ws.split();
        shared.attach_writer();
        let writer = tokio::spawn(writer::writer_task(shared.clone(), sink));
        let mut open_line = format!("open · {http_status} {reason} · {handshake_ms} ms");
        if let Some(sub) = &subprotocol {
            open_line.push_str(&format!(" · subprotocol {sub}"));
        }
        let graphql = spec
            .options
            .graphql
            .as_ref()
            .map(|_| graphql::GraphqlLink::new(subprotocol.as_deref()));
        shared.opened(Opened {
            http_status,
            subprotocol,
            handshake_ms,
            response_headers,
        });
        shared.event(EntryKind::Event, "open", open_line);
        let now = tokio::time::Instant::now();
        let socketio = (spec.options.protocol == Protocol::SocketIo).then(|| {
            shared.acks.clear();
            SocketIo {
                reader: Reader::new(&spec.options.namespace),
                connected: false,
                ping_deadline: Duration::ZERO,
            }
        });
        let schedule = Schedule::new(&spec, now, socketio.is_none());
        let mut timers = Timers::new(&spec, now);
        timers.reschedule(&schedule);
        if socketio.is_some() {
            // The Engine.IO open packet must come within `connectTimeout` (a server that is
            // not a Socket.IO server may say nothing at all).
            timers
                .pong
                .as_mut()
                .reset(now + spec.options.connect_timeout);
        }
        let mut open = OpenConnection {
            shared,
            spec,
            hooks,
            conversation,
            stream,
            writer,
            writer_ended: false,
            schedule,
            timers,
            awaiting_pong: socketio.is_some(),
            user_close: None,
            server_close: None,
            local_error: None,
            arrived: Vec::new(),
            server_end_after_batch: None,
            socketio,
            graphql,
        };
        open.start_graphql();
        open
    }

    /// Runs the connection until it ends.
    pub(crate) async fn event_loop(mut self, commands: &mut queue::Receiver<Command>) -> End {
        loop {
            let flow = tokio::select! {
                frame = self.stream.next() => self.on_frames(frame).await,
                command = commands.recv() => self.on_commands(command, commands),
                result = &mut self.writer, if !self.writer_ended => self.on_writer_end(result),
                _ = &mut self.timers.due, if !self.schedule.due.is_empty() => self.on_sends_due(),
                _ = tick(&mut self.timers.ping) => self.on_ping_tick(),
                _ = &mut self.timers.pong, if self.awaiting_pong => self.on_pong_timeout(),
                _ = tick(&mut self.timers.heartbeat) => self.on_heartbeat_tick(),
                _ = tick(&mut self.timers.acks) => self.on_ack_tick(),
                _ = &mut self.timers.notify, if self.timers.notify_armed => self.on_notify(),
                _ = &mut self.timers.close, if self.is_closing() => self.on_close_timeout(),
            };
            if flow == Flow::End {
                break;
            }
        }
        self.end().await
    }

    /// Either side has begun closing.
    fn is_closing(&self) -> bool {
        self.user_close.is_some() || self.server_close.is_some()
    }

    /// Queues a frame for the writer; if the writer is gone the connection is over.
    fn send(&mut self, job: WriteJob) -> Flow {
        if self.shared.queue_write(job) {
            Flow::Continue
        } else {
            self.local_error
                .get_or_insert(LocalEnd::network("sending failed: the connection is gone"));
            Flow::End
        }
    }

    /// Frames: `first`, then whatever is already buffered (bounded), handled in one go so a
    /// flood costs one wake-up, one lock and one transcript job per batch instead of per frame.
    async fn on_frames(&mut self, first: Option<Result<Message, WsError>>) -> Flow {
        let mut frame = first;
        let mut budget = FRAME_BATCH;
        let mut ended = false;
        // Frames of one batch were already buffered together: one clock read for all.
        let arrived_at = (Instant::now(), Utc::now());
        loop {
            ended |= self.on_frame(frame);
            budget -= 1;
            if ended || budget == 0 || self.server_end_after_batch.is_some() {
                break;
            }
            match self.stream.next().now_or_never() {
                Some(next) => frame = next,
                None => break,
            }
        }
        if !self.arrived.is_empty() && self.on_messages(arrived_at).await == Flow::End {
            ended = true;
        }
        if let Some(reason) = self.server_end_after_batch.take() {
            self.server_ended(reason);
        }
        if ended { Flow::End } else { Flow::Continue }
    }

    /// One frame; `true` when the stream has ended.
    fn on_frame(&mut self, frame: Option<Result<Message, WsError>>) -> bool {
        match frame {
            Some(Ok(Message::Text(text))) if self.socketio.is_some() => {
                return self.on_socketio_frame(Ok(text));
            }
            Some(Ok(Message::Binary(bytes))) if self.socketio.is_some() => {
                return self.on_socketio_frame(Err(bytes));
            }
            Some(Ok(Message::Text(text))) if self.graphql.is_some() => {
                return self.on_graphql_text(&text);
            }
            Some(Ok(Message::Text(text))) => self.arrived.push(Payload::Text(text)),
            Some(Ok(Message::Binary(bytes))) => self.arrived.push(Payload::Binary(bytes)),
            Some(Ok(Message::Ping(_))) | Some(Ok(Message::Frame(_))) => {}
            // On Socket.IO the pong timer waits for the server's Engine.IO pings instead.
            Some(Ok(Message::Pong(_))) if self.socketio.is_none() => {
                self.awaiting_pong = false;
                self.timers.pong.as_mut().reset(far_future());
            }
            Some(Ok(Message::Pong(_))) => {}
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                self.on_graphql_close(code, &reason);
                self.server_close.get_or_insert((code, reason));
                self.shared.closing();
                if self.user_close.is_none() {
                    self.timers.start_close_wait();
                }
            }
            Some(Err(error)) => {
                if !self.is_closing() {
                    let end = classify_read_error(&error, &self.spec);
                    if end.code != 1006 {
                        let frame = CloseFrame {
                            code: CloseCode::from(end.code),
                            reason: close_reason_for(end.code).into(),
                        };
                        let _ = self.shared.queue_write(WriteJob::Close(Some(frame)));
                    }
                    self.local_error = Some(end);
                }
                return true;
            }
            None => return true,
        }
        false
    }

    /// The data messages of one batch: one shared list for the log, the assertion store, the
    /// transcript and the tap; `after:` sends they trigger, the section's replies, and
    /// automatic replies.
    async fn on_messages(&mut self, (now, wall): (Instant, chrono::DateTime<Utc>)) -> Flow {
        let payloads: Arc<[Payload]> = self.arrived.drain(..).collect();
        let batch = Batch::Received {
            at: wall,
            payloads: payloads.clone(),
        };
        let arrival = self
            .shared
            .received(&batch, &payloads, &mut self.schedule.after, now);
        self.timers.mark_changed();
        if !arrival.after_fired.is_empty() {
            let now = tokio::time::Instant::now();
            for (i, position) in arrival.after_fired {
                let delay = self.spec.messages[i].delay.unwrap_or_default();
                let trigger = payloads.get(position).cloned();
                self.schedule.due.push((now + delay, i, trigger));
            }
            self.timers.reschedule(&self.schedule);
        }
        self.shared.transcript.record_batch(batch).await;
        let mut flow = Flow::Continue;
        if self.conversation.has_rules() && !self.is_closing() {
            flow = self.answer(&payloads, arrival.first_number);
        }
        for payload in payloads.iter() {
            if let Some(reply) = self
                .hooks
                .auto_reply
                .as_ref()
                .and_then(|reply| reply(payload))
                && !self.is_closing()
                && !self.shared.queue_write(WriteJob::Message(reply))
            {
                self.local_error
                    .get_or_insert(LocalEnd::network("sending failed: the connection is gone"));
                flow = Flow::End;
            }
        }
        if let Some(tap) = &self.hooks.tap {
            // One hand-over per batch read, not per message.
            let _ = tap.send(Incoming { payloads }).await;
        }
        flow
    }

    /// The section's replies to a batch of messages (the first is the `first_number`th
    /// received): captures are stored, replies queued in order under one lock, failures said.
    fn answer(&mut self, payloads: &[Payload], first_number: u64) -> Flow {
        let mut jobs = Vec::new();
        for (number, payload) in (first_number..).zip(payloads.iter()) {
            for reaction in self.conversation.react(&self.spec, payload, number) {
                for (name, value) in &reaction.captured {
                    self.shared
                        .captured(name, value, capture_line(name, value, number));
                }
                match reaction.send {
                    Some(Ok((outgoing, note))) => jobs.push(WriteJob::Reply(outgoing, note)),
                    Some(Err(failure)) => self.shared.reply_failed(failure),
                    None => {}
                }
            }
        }
        if jobs.is_empty() || self.shared.queue_writes(jobs) {
            Flow::Continue
        } else {
            self.local_error
                .get_or_insert(LocalEnd::network("sending failed: the connection is gone"));
            Flow::End
        }
    }

    /// Commands: `first`, then every command already queued (bounded), so sends go to the
    /// writer as one batch.
    fn on_commands(
        &mut self,
        first: Option<Command>,
        commands: &mut queue::Receiver<Command>,
    ) -> Flow {
        let mut command = first;
        let mut budget = FRAME_BATCH;
        loop {
            let flow = match command {
                Some(Command::Send { outgoing }) => self.on_send(outgoing),
                Some(Command::Close { code, reason }) => self.on_close(code, reason),
                None => return self.on_handles_gone(),
            };
            if flow == Flow::End {
                return Flow::End;
            }
            budget -= 1;
            if budget == 0 {
                return Flow::Continue;
            }
            match commands.try_recv() {
                Some(next) => command = Some(next),
                None => return Flow::Continue,
            }
        }
    }

    /// A handle's send that came through the task (the outbox did not take it).
    fn on_send(&mut self, outgoing: Outgoing) -> Flow {
        if self.is_closing() {
            self.shared.refuse_send("the connection is closing");
            Flow::Continue
        } else {
            self.send(WriteJob::Message(outgoing))
        }
    }

    /// The user's Close: the close frame goes out (unless the server closed first) and the
    /// other side has [`CLOSE_ANSWER_TIMEOUT`] to answer.
    fn on_close(&mut self, code: u16, reason: String) -> Flow {
        if self.user_close.is_some() {
            return Flow::Continue;
        }
        self.user_close = Some((code, reason.clone()));
        self.shared.closing();
        self.shared.event(
            EntryKind::Event,
            "closing",
            close_line("closing", code, &reason, None),
        );
        self.timers.start_close_wait();
        if self.server_close.is_some() {
            return Flow::Continue;
        }
        if let Some(socketio) = &self.socketio
            && socketio.connected
        {
            // Leave the namespace politely before the connection closes.
            let leave = encode_packet(
                PacketKind::Disconnect,
                &self.spec.options.namespace,
                0,
                None,
                None,
            );
            let _ = self.send(WriteJob::Control(leave.into()));
        }
        self.stop_graphql();
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        self.send(WriteJob::Close(Some(frame)))
    }

    /// Every handle is gone: the session closes (a close without a code).
    fn on_handles_gone(&mut self) -> Flow {
        if self.user_close.is_some() {
            return Flow::Continue;
        }
        self.user_close = Some((1000, String::new()));
        self.timers.start_close_wait();
        self.send(WriteJob::Close(None))
    }

    /// The writer stopped: after the outbox was finished (nothing to do), or because a write
    /// failed (the connection is over).
    fn on_writer_end(
        &mut self,
        result: Result<Result<(), String>, tokio::task::JoinError>,
    ) -> Flow {
        self.writer_ended = true;
        match result {
            Ok(Ok(())) => Flow::Continue,
            Ok(Err(message)) => {
                if self.server_close.is_none() {
                    self.local_error.get_or_insert(LocalEnd::network(message));
                }
                Flow::End
            }
            Err(_) => {
                self.local_error
                    .get_or_insert(LocalEnd::network("sending failed: the writer stopped"));
                Flow::End
            }
        }
    }

    /// Automatic sends came due (none once closing has begun).
    fn on_sends_due(&mut self) -> Flow {
        let due = self.schedule.take_due(tokio::time::Instant::now());
        self.timers.reschedule(&self.schedule);
        if self.is_closing() {
            return Flow::Continue;
        }
        let spec = self.spec.clone();
        for (_, i, trigger) in due {
            let message = &spec.messages[i];
            let context = self.conversation.context(&spec, trigger.as_ref());
            match template::render_in(&spec, message, &context) {
                Ok(outgoing) => {
                    if self.send(WriteJob::Message(outgoing)) == Flow::End {
                        return Flow::End;
                    }
                }
                Err(e) => self.shared.event(
                    EntryKind::End,
                    "error",
                    format!("not sent: {}: {e}", message.label()),
                ),
            }
        }
        Flow::Continue
    }

    /// Time for a keep-alive ping (one at a time; not once closing has begun).
    fn on_ping_tick(&mut self) -> Flow {
        if self.awaiting_pong || self.is_closing() {
            return Flow::Continue;
        }
        if self.send(WriteJob::Ping(Bytes::from_static(b"void-ls"))) == Flow::End {
            return Flow::End;
        }
        self.awaiting_pong = true;
        self.timers
            .pong
            .as_mut()
            .reset(tokio::time::Instant::now() + self.spec.options.pong_timeout);
        Flow::Continue
    }

    /// No pong came in time (Socket.IO: no ping from the server): the client drops the
    /// connection.
    fn on_pong_timeout(&mut self) -> Flow {
        if let Some(end) = self.graphql_ack_timeout() {
            self.local_error = Some(end);
            return Flow::End;
        }
        if let Some(socketio) = &self.socketio {
            let message = if socketio.ping_deadline.is_zero() {
                format!(
                    "timed out: the server sent no Engine.IO open packet within {} ms of the WebSocket opening (connectTimeout); is it a Socket.IO v4 server?",
                    self.spec.options.connect_timeout.as_millis()
                )
            } else {
                format!(
                    "timed out: the server sent no ping within {} ms (its pingInterval + pingTimeout); the client dropped the connection",
                    socketio.ping_deadline.as_millis()
                )
            };
            self.local_error = Some(LocalEnd {
                code: 1006,
                message,
                by: EndedBy::Client,
            });
            return Flow::End;
        }
        let ms = self.spec.options.pong_timeout.as_millis();
        self.local_error = Some(LocalEnd {
            code: 1006,
            message: format!(
                "timed out: no pong within {ms} ms of a ping (pongTimeout); the client dropped the connection"
            ),
            by: EndedBy::Client,
        });
        Flow::End
    }

    /// Time for the `heartbeat` message (not once closing has begun).
    fn on_heartbeat_tick(&mut self) -> Flow {
        if self.is_closing() {
            return Flow::Continue;
        }
        let Some(text) = self.spec.options.heartbeat.clone() else {
            return Flow::Continue;
        };
        self.send(WriteJob::Message(Outgoing::Text {
            format: MessageFormat::Text,
            text: text.into(),
        }))
    }

    /// Socket.IO: events whose acknowledgement is later than `ackTimeout` are said in the log
    /// (and no longer waited for).
    fn on_ack_tick(&mut self) -> Flow {
        let timeout = self.spec.options.ack_timeout;
        for (id, name) in self.shared.acks.expired(timeout) {
            self.shared.event(
                EntryKind::Event,
                "warning",
                format!(
                    "⚠ no acknowledgement of {name} (#{id}) within {} ms (ackTimeout)",
                    timeout.as_millis()
                ),
            );
        }
        Flow::Continue
    }

    /// Socket.IO: a text frame (`Ok`) or a binary frame (`Err`), read as the protocol says;
    /// `true` when the connection is over.
    fn on_socketio_frame(&mut self, frame: Result<Utf8Bytes, Bytes>) -> bool {
        let Some(socketio) = self.socketio.as_mut() else {
            return false;
        };
        let acks = &self.shared.acks;
        let mut lookup = |id: u64| acks.take(id);
        let read = match frame {
            Ok(text) => socketio.reader.text(&text, &mut lookup),
            Err(bytes) => socketio.reader.binary(bytes, &mut lookup),
        };
        let inbound = match read {
            Ok(inbound) => inbound,
            Err(problem) => {
                let message = format!(
                    "the server broke the Socket.IO protocol ({problem}); the client closed the connection with 1002 (protocol error)"
                );
                self.end_locally(LocalEnd::client(1002, message));
                return true;
            }
        };
        match inbound {
            Inbound::Nothing => {}
            Inbound::Message(event) => self.arrived.push(Payload::Event(Arc::new(event))),
            Inbound::Open(info) => self.on_engine_open(&info),
            Inbound::Ping => {
                self.arm_ping_deadline();
                return self.send(WriteJob::Control(Utf8Bytes::from_static("3"))) == Flow::End;
            }
            Inbound::Connected(sid) => {
                if let Some(socketio) = self.socketio.as_mut() {
                    socketio.connected = true;
                }
                let sid = sid.map(|s| format!(" · socket id {s}")).unwrap_or_default();
                self.shared.event(
                    EntryKind::Event,
                    "socketio",
                    format!(
                        "connected to namespace {}{sid}",
                        self.spec.options.namespace
                    ),
                );
                self.schedule.open(&self.spec, tokio::time::Instant::now());
                self.timers.reschedule(&self.schedule);
            }
            Inbound::ConnectError(why) => {
                let message = format!(
                    "the server refused to connect this client to namespace {}: {why}",
                    self.spec.options.namespace
                );
                self.end_locally(LocalEnd {
                    code: 1000,
                    message,
                    by: EndedBy::Server,
                });
                return true;
            }
            Inbound::Disconnected => self.server_ended(format!(
                "the server disconnected this client from namespace {}",
                self.spec.options.namespace
            )),
            Inbound::Close => {
                self.server_ended("the server closed the Engine.IO connection".into())
            }
        }
        false
    }

    /// The Engine.IO handshake: the client connects to its namespace (with `auth`) and
    /// expects the server's pings from now on.
    fn on_engine_open(&mut self, info: &OpenInfo) {
        if let Some(socketio) = self.socketio.as_mut() {
            socketio.ping_deadline = info.ping_interval + info.ping_timeout;
        }
        self.shared.event(
            EntryKind::Event,
            "socketio",
            format!(
                "Engine.IO open · session {} · the server pings every {} ms (timeout {} ms)",
                info.sid,
                info.ping_interval.as_millis(),
                info.ping_timeout.as_millis()
            ),
        );
        self.arm_ping_deadline();
        let connect = encode_packet(
            PacketKind::Connect,
            &self.spec.options.namespace,
            0,
            None,
            self.spec.options.auth.as_deref(),
        );
        let _ = self.send(WriteJob::Control(connect.into()));
    }

    /// Socket.IO: the next ping must come within the server's deadline.
    fn arm_ping_deadline(&mut self) {
        if let Some(socketio) = &self.socketio
            && !socketio.ping_deadline.is_zero()
        {
            self.awaiting_pong = true;
            self.timers
                .pong
                .as_mut()
                .reset(tokio::time::Instant::now() + socketio.ping_deadline);
        }
    }

    /// This client ends the connection: the close frame goes out (its code, and the reason
    /// the code stands for) and `end` is how it ended.
    fn end_locally(&mut self, end: LocalEnd) {
        if !self.is_closing() {
            let frame = CloseFrame {
                code: CloseCode::from(end.code),
                reason: close_reason_for(end.code).into(),
            };
            let _ = self.shared.queue_write(WriteJob::Close(Some(frame)));
        }
        self.local_error.get_or_insert(end);
    }

    /// The server ended the conversation in its protocol (not with a close frame): the client
    /// closes the WebSocket, and the session reads as closed by the server with `reason`.
    fn server_ended(&mut self, reason: String) {
        if self.is_closing() {
            return;
        }
        if !self.arrived.is_empty() {
            // Messages that came before the end in the same batch are logged first.
            self.server_end_after_batch = Some(reason);
            return;
        }
        let label = if self.graphql.is_some() {
            "graphql"
        } else {
            "socketio"
        };
        self.shared.event(EntryKind::Event, label, reason.clone());
        self.server_close = Some((1000, reason));
        self.shared.closing();
        self.timers.start_close_wait();
        let _ = self.send(WriteJob::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })));
    }

    /// Observers are told about the counters that moved since the last time.
    fn on_notify(&mut self) -> Flow {
        self.timers.notify_armed = false;
        self.shared.notify();
        Flow::Continue
    }

    /// The close handshake did not finish in time: the client drops the connection (after its
    /// own close; after the server's, the connection just ends).
    fn on_close_timeout(&mut self) -> Flow {
        if self.server_close.is_none() {
            self.local_error = Some(LocalEnd {
                code: 1006,
                message: "the server did not answer the client's close frame in time; the client dropped the connection".into(),
                by: EndedBy::Client,
            });
        }
        Flow::End
    }

    /// The connection is over: the writer puts out what is queued (a close frame, replies),
    /// briefly, then stops; how it ended is recorded.
    async fn end(mut self) -> End {
        self.shared.finish_writer();
        if !self.writer_ended
            && tokio::time::timeout(WRITER_DRAIN_TIMEOUT, &mut self.writer)
                .await
                .is_err()
        {
            self.writer.abort();
        }
        self.shared.detach_writer();
        drop(self.stream);
        if self.timers.notify_armed {
            self.shared.notify();
        }
        let (ended, end) = ending(self.user_close, self.server_close, self.local_error);
        let line = close_line("closed", ended.code, &ended.reason, ended.error.as_deref());
        // Quiet, and the state is set by the caller: observers see the end together with
        // `finished` (or the reconnect), never a closed session that is still finishing.
        self.shared.connection_ended(ended, line);
        end
    }
}

/// The log line of a captured value: `captured SESSION_TOKEN = t-123 from ← #2` (a secret
/// is masked when the line is shown: the masker learns it first).
fn capture_line(name: &str, value: &str, number: u64) -> String {
    let shown: String = value.chars().take(60).collect();
    let more = if value.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    format!("captured {name} = {shown}{more} from ← #{number}")
}

/// The reason sent with a close this client starts because of what the server sent.
fn close_reason_for(code: u16) -> &'static str {
    match code {
        1007 => "invalid UTF-8 in a text message",
        1009 => "message too big",
        1002 => "protocol error",
        _ => "",
    }
}

/// Maps a read error to the close code the client reports, a sentence, and who ended it.
fn classify_read_error(error: &WsError, spec: &SessionSpec) -> LocalEnd {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => LocalEnd::client(
            1009,
            format!(
                "the server sent a message of {} ({size} bytes), over maxMessageSize {} ({max_size} bytes); the client closed the connection with 1009 (message too big)",
                void_syntax::vocab::human_size(*size as u64),
                void_syntax::vocab::human_size(spec.options.max_message_size)
            ),
        ),
        WsError::Capacity(other) => LocalEnd::client(
            1009,
            format!(
                "the server sent too much: {other}; the client closed the connection with 1009 (message too big)"
            ),
        ),
        WsError::Utf8(_) => LocalEnd::client(
            1007,
            "the server sent invalid UTF-8 in a text message; the client closed the connection with 1007 (invalid payload data)".into(),
        ),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            LocalEnd::network("the connection dropped without a close frame (1006)")
        }
        WsError::Protocol(p) => LocalEnd::client(
            1002,
            format!(
                "the server broke the WebSocket protocol ({p}); the client closed the connection with 1002 (protocol error)"
            ),
        ),
        WsError::Io(e) => LocalEnd::network(format!(
            "the connection dropped without a close frame (1006): {e}"
        )),
        other => LocalEnd::network(format!(
            "the connection ended abnormally (1006): {other}"
        )),
    }
}

/// How a connection ended, from who closed it and what went wrong: the close code and reason
/// reported, the error, and what the session task does next.
fn ending(
    user_close: Option<(u16, String)>,
    server_close: Option<(u16, String)>,
    local_error: Option<LocalEnd>,
) -> (Ended, End) {
    match (local_error, &user_close, server_close) {
        (Some(LocalEnd { code, message, by }), user, _) => {
            let (end, by) = if user.is_some() {
                // The user's Close started the end, whatever happened after.
                (End::UserClosed, EndedBy::Client)
            } else {
                (End::Remote, by)
            };
            let ended = Ended {
                code,
                reason: String::new(),
                error: Some(message),
                by,
            };
            (ended, end)
        }
        (None, Some((code, reason)), server) => {
            let (code, reason) = server.unwrap_or((*code, reason.clone()));
            let ended = Ended {
                code,
                reason,
                error: None,
                by: EndedBy::Client,
            };
            (ended, End::UserClosed)
        }
        (None, None, Some((code, reason))) => {
            let error = match code {
                1000 | 1001 | 1005 => None,
                _ => Some(format!(
                    "the server closed the connection with {code} ({}){}",
                    close_code_words(code),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {reason}")
                    }
                )),
            };
            let ended = Ended {
                code,
                reason,
                error,
                by: EndedBy::Server,
            };
            (ended, End::Remote)
        }
        (None, None, None) => {
            let ended = Ended {
                code: 1006,
                reason: String::new(),
                error: Some("the connection dropped without a close frame (1006)".into()),
                by: EndedBy::Network,
            };
            (ended, End::Remote)
        }
    }
}

/// Words for a close code.
pub fn close_code_words(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status code",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "missing extension",
        1011 => "internal server error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        _ => "application-defined code",
    }
}

/// A `closing`/`closed` log line: `closed · 1000 · normal closure`, `closed · 1000 · "bye"`,
/// `closed · 1006 · <what went wrong>`. An empty reason is told by the code's words, never
/// shown as `""`.
fn close_line(what: &str, code: u16, reason: &str, error: Option<&str>) -> String {
    match error {
        Some(e) => format!("{what} · {code} · {e}"),
        None if reason.is_empty() => format!("{what} · {code} · {}", close_code_words(code)),
        None => format!("{what} · {code} · {reason:?}"),
    }
}

//! A GraphQL subscription on an open connection: the protocol of
//! [`crate::http::graphql`] driven by the connection's event loop, so a subscription has the
//! log, transcript, assertions and close of any WebSocket session.
//!
//! On open the client sends `connection_init` and waits `connectTimeout` for
//! `connection_ack`; then it subscribes. Each result (`next`, legacy `data`) is a received
//! message (its payload, `{"data": ...}`, as JSON text); `ping` is answered with `pong`; the
//! server's `complete` or `error` ends the session as closed by the server; the user's Close
//! sends `complete` (legacy `stop`) before the close frame.

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{EndedBy, EntryKind, Flow, LocalEnd, OpenConnection, Payload, WriteJob};
use crate::http::graphql::{self, ServerMessage, WsProtocol};

/// The subscription's state on one connection.
pub(super) struct GraphqlLink {
    protocol: WsProtocol,
    /// The server acknowledged the connection and the subscription was sent.
    subscribed: bool,
    /// The server ended the subscription (`complete` or `error`): nothing to stop.
    ended: bool,
}

impl GraphqlLink {
    /// The link of a connection whose server picked `subprotocol`.
    pub(super) fn new(subprotocol: Option<&str>) -> Self {
        GraphqlLink {
            protocol: WsProtocol::picked(subprotocol),
            subscribed: false,
            ended: false,
        }
    }
}

impl OpenConnection<'_> {
    /// Sends `connection_init` (with the section's headers as its payload) and waits for the
    /// acknowledgement.
    pub(super) fn start_graphql(&mut self) {
        let (Some(link), Some(subscription)) = (&self.graphql, &self.spec.options.graphql) else {
            return;
        };
        let protocol = link.protocol;
        let init = graphql::init(&subscription.init);
        self.shared.event(
            EntryKind::Event,
            "graphql",
            format!(
                "{} · connection_init sent, waiting for connection_ack",
                protocol.name()
            ),
        );
        let _ = self.send(WriteJob::Control(init.into()));
        self.awaiting_pong = true;
        self.timers
            .pong
            .as_mut()
            .reset(tokio::time::Instant::now() + self.spec.options.connect_timeout);
    }

    /// One text frame of a subscription; `true` when the connection is over.
    pub(super) fn on_graphql_text(&mut self, text: &str) -> bool {
        let Some(protocol) = self.graphql.as_ref().map(|l| l.protocol) else {
            return false;
        };
        match graphql::decode(text) {
            ServerMessage::Ack => return self.on_graphql_ack(protocol),
            ServerMessage::Result(payload) => self
                .arrived
                .push(Payload::Text(Utf8Bytes::from(payload.to_string()))),
            ServerMessage::Ping => {
                return self.send(WriteJob::Control(graphql::pong().into())) == Flow::End;
            }
            ServerMessage::KeepAlive => {}
            ServerMessage::Complete => {
                self.mark_graphql_ended();
                self.server_ended("the server completed the subscription".into());
            }
            ServerMessage::Error(words) => {
                // The subscription is over; the client closes the connection it was for.
                self.mark_graphql_ended();
                self.end_locally(LocalEnd {
                    code: 1000,
                    message: format!("the server ended the subscription with an error: {words}"),
                    by: EndedBy::Server,
                });
                return true;
            }
            ServerMessage::Refused(words) => {
                self.end_locally(LocalEnd {
                    code: 1000,
                    message: format!("the server refused the GraphQL connection: {words}"),
                    by: EndedBy::Server,
                });
                return true;
            }
            ServerMessage::Unexpected(words) => {
                self.shared
                    .event(EntryKind::Event, "warning", format!("⚠ {words}"));
            }
        }
        false
    }

    /// `connection_ack`: the subscription starts.
    fn on_graphql_ack(&mut self, protocol: WsProtocol) -> bool {
        if self.graphql.as_ref().is_some_and(|l| l.subscribed) {
            return false;
        }
        self.awaiting_pong = false;
        self.timers.pong.as_mut().reset(super::far_future());
        let Some(subscription) = &self.spec.options.graphql else {
            return false;
        };
        let subscribe = graphql::subscribe(protocol, &subscription.payload);
        if let Some(link) = self.graphql.as_mut() {
            link.subscribed = true;
        }
        self.shared.event(
            EntryKind::Event,
            "graphql",
            format!(
                "connection acknowledged · subscribed (id {})",
                graphql::SUBSCRIPTION_ID
            ),
        );
        self.send(WriteJob::Control(subscribe.into())) == Flow::End
    }

    fn mark_graphql_ended(&mut self) {
        if let Some(link) = self.graphql.as_mut() {
            link.ended = true;
        }
    }

    /// The user closes: a live subscription is stopped first (`complete`, legacy `stop`).
    pub(super) fn stop_graphql(&mut self) {
        let Some(link) = &self.graphql else {
            return;
        };
        if !link.subscribed || link.ended {
            return;
        }
        let protocol = link.protocol;
        self.mark_graphql_ended();
        self.shared.event(
            EntryKind::Event,
            "graphql",
            format!(
                "{} sent: the subscription is stopped",
                match protocol {
                    WsProtocol::TransportWs => "complete",
                    WsProtocol::Legacy => "stop",
                }
            ),
        );
        let _ = self.send(WriteJob::Control(graphql::complete(protocol).into()));
    }

    /// The server closed with a `graphql-transport-ws` code (4400-4499): the end is said in
    /// the protocol's words (a close before the acknowledgement is a refused connection).
    pub(super) fn on_graphql_close(&mut self, code: u16, reason: &str) {
        let (Some(link), Some(words)) = (&self.graphql, graphql::close_words(code)) else {
            return;
        };
        if self.local_error.is_some() || self.is_closing() {
            return;
        }
        let reason = if reason.is_empty() {
            String::new()
        } else {
            format!(" \"{reason}\"")
        };
        let message = if link.subscribed {
            format!("the server closed the subscription's connection with {code}{reason}: {words}")
        } else {
            format!(
                "the server refused the GraphQL connection: it closed with {code}{reason}: {words}"
            )
        };
        self.local_error = Some(LocalEnd {
            code,
            message,
            by: EndedBy::Server,
        });
    }

    /// No `connection_ack` came within `connectTimeout`: how the session ends (`None` when
    /// the timer was not the acknowledgement's).
    pub(super) fn graphql_ack_timeout(&self) -> Option<LocalEnd> {
        let link = self.graphql.as_ref()?;
        if link.subscribed {
            return None;
        }
        Some(LocalEnd {
            code: 1006,
            message: format!(
                "timed out: the server sent no connection_ack within {} ms of connection_init (connectTimeout); is it a GraphQL over WebSocket server?",
                self.spec.options.connect_timeout.as_millis()
            ),
            by: EndedBy::Client,
        })
    }
}

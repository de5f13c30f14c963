//! The fully resolved description of one WebSocket session: what to connect to, with which
//! handshake, which messages exist, how to behave, and what to assert.
//!
//! A [`SessionSpec`] is plain data. Every `{{variable}}` is already resolved and every option is
//! a typed value, so the engine never reads `.void` text. The conversion from a parsed document
//! lives in [`crate::section`]; tests and other callers may also build specs by hand.
//! This module must not do I/O, except that [`MessageSpec::payload`] validates and encodes a
//! body.

use std::path::PathBuf;
use std::time::Duration;

use crate::socketio::message::SocketEmit;
use base64::Engine as _;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};
use void_syntax::conversation::{ArgsMode, Capture, Condition};
use void_syntax::vocab::{
    self, BinaryEncoding, Field, LogMode, MessageFormat, Operator, Protocol, SendMode, WsOption,
    xml_problem,
};

/// Everything the engine needs to run one WebSocket section.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    /// A `ws://` or `wss://` URL with query, path parameters and query-side auth applied.
    pub url: String,
    /// Handshake headers in order (the `Cookie` and auth headers included).
    pub headers: Vec<(String, String)>,
    /// Offered subprotocols, in order of preference.
    pub subprotocols: Vec<String>,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// The section's `ws-message` blocks, in file order.
    pub messages: Vec<MessageSpec>,
    pub options: SessionOptions,
    /// The section's `ws-assertions` rows that are enabled, in order.
    pub assertions: Vec<AssertionSpec>,
    /// Values that must never be shown in clear (logs, status, transcript, websocat output).
    pub secrets: Vec<String>,
    /// The directory of the `.void` file; relative `caFile`/`clientCert`/`clientKey`/transcript
    /// paths are resolved against it.
    pub file_dir: Option<PathBuf>,
    /// The project those paths must stay inside; `None` derives it from `file_dir`
    /// ([`SessionSpec::project`]).
    pub project_root: Option<PathBuf>,
    /// The values the environment gives to names the section's replies capture: a message
    /// sent before the capture uses these (docs/format.md §4.4, §5: captured values come last
    /// and win). Secret ones are in [`SessionSpec::secrets`] too.
    pub capture_defaults: Vec<(String, String)>,
}

impl SessionSpec {
    /// A spec for `url` with default options and nothing else.
    pub fn new(url: impl Into<String>) -> Self {
        SessionSpec {
            url: url.into(),
            headers: Vec::new(),
            subprotocols: Vec::new(),
            origin: None,
            messages: Vec::new(),
            options: SessionOptions::default(),
            assertions: Vec::new(),
            secrets: Vec::new(),
            file_dir: None,
            project_root: None,
            capture_defaults: Vec::new(),
        }
    }

    /// Finds a message by its block uid.
    pub fn message_by_uid(&self, uid: &str) -> Option<&MessageSpec> {
        self.messages.iter().find(|m| m.uid == uid)
    }

    /// Finds a message by its `name`.
    pub fn message_by_name(&self, name: &str) -> Option<&MessageSpec> {
        self.messages
            .iter()
            .find(|m| m.name.as_deref() == Some(name))
    }

    /// The project whose files this spec's paths may name: [`SessionSpec::project_root`], else
    /// the project of [`SessionSpec::file_dir`] (see
    /// [`project_root_of`](crate::project_files::project_root_of)). A spec with neither was
    /// built by a program, not read from a file: its paths are not confined (the bounded
    /// reader's other rules still apply).
    pub fn project(&self) -> crate::project_files::Project {
        use crate::project_files::{Project, project_root_of};
        match (&self.project_root, &self.file_dir) {
            (Some(root), _) => Project::new(root),
            (None, Some(dir)) => Project::new(project_root_of(&dir.join("_"), &[])),
            (None, None) => Project::unconfined(),
        }
    }

    /// A path written in the file, taken relative to [`SessionSpec::file_dir`] when it is relative.
    pub fn relative_to_file(&self, path: &std::path::Path) -> PathBuf {
        match &self.file_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// How this session's byte stream is opened: its proxy and TLS settings, paths resolved.
    pub fn transport_options(&self) -> TransportOptions {
        let resolve = |p: &Option<PathBuf>| p.as_ref().map(|p| self.relative_to_file(p));
        let o = &self.options;
        // The project only confines the files TLS reads; finding it walks up the directories
        // (a dozen system calls), so it is found only when there is a file to read, not for
        // every request a run sends.
        let reads_files = o.ca_file.is_some() || o.client_cert.is_some() || o.client_key.is_some();
        TransportOptions {
            proxy: o.proxy.clone(),
            tls: crate::tls::TlsOptions {
                insecure: o.insecure,
                ca_file: resolve(&o.ca_file),
                client_cert: resolve(&o.client_cert),
                client_key: resolve(&o.client_key),
                project: if reads_files {
                    self.project()
                } else {
                    crate::project_files::Project::unconfined()
                },
            },
        }
    }
}

/// How a byte stream is opened: through which proxy, with which TLS settings (file paths
/// already resolved against the `.void` file's directory). Built by
/// [`SessionSpec::transport_options`], used by [`crate::connect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportOptions {
    /// `http://host:port` of an HTTP CONNECT proxy.
    pub proxy: Option<String>,
    pub tls: crate::tls::TlsOptions,
}

/// One `ws-message` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSpec {
    /// The block's `uid` (may be empty for hand-built specs).
    pub uid: String,
    pub name: Option<String>,
    pub format: MessageFormat,
    /// How a binary body is written.
    pub encoding: BinaryEncoding,
    pub send: SendMode,
    /// Waited before an automatic (`on-open`, `after:`) send.
    pub delay: Option<Duration>,
    /// The body with the environment's variables resolved. The names the section's replies
    /// capture and the `{{$msg...}}` values are left as written: they are filled in when the
    /// message is sent (`crate::template`).
    pub body: String,
    /// Whether the block has a `body` at all: a reply without one only captures.
    pub has_body: bool,
    /// A reply's condition (`send: on-receive`); `None` answers every message.
    pub when: Option<Condition>,
    /// How often a reply is sent at most; `None` is unlimited.
    pub times: Option<u32>,
    /// What a reply stores from the message it answers, before its own body is sent.
    pub captures: Vec<Capture>,
    /// Socket.IO: the event name (`None` in a reply to an event that asks for an
    /// acknowledgement sends the acknowledgement).
    pub event: Option<String>,
    /// Socket.IO: whether the JSON body is the one argument or the argument list.
    pub args: ArgsMode,
    /// Socket.IO: wait for the acknowledgement and log it.
    pub ack: bool,
}

impl Default for MessageSpec {
    fn default() -> Self {
        MessageSpec::text("", "")
    }
}

impl MessageSpec {
    /// A manual text message.
    pub fn text(uid: impl Into<String>, body: impl Into<String>) -> Self {
        MessageSpec {
            uid: uid.into(),
            name: None,
            format: MessageFormat::Text,
            encoding: BinaryEncoding::Base64,
            send: SendMode::Manual,
            delay: None,
            body: body.into(),
            has_body: true,
            when: None,
            times: None,
            captures: Vec::new(),
            event: None,
            args: ArgsMode::Single,
            ack: false,
        }
    }

    /// A label for logs and errors: the name, else the uid.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.uid)
    }
}

/// A message ready to be sent: its frame type, payload and declared format. The payload is a
/// shared buffer: the frame, the live log and the transcript use it without copying, and a
/// caller that sends the same payload many times clones it for free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A text frame; `format` is `text`, `json` or `xml` (used for the log).
    Text {
        format: MessageFormat,
        text: Utf8Bytes,
    },
    Binary(Bytes),
    /// A Socket.IO event or acknowledgement: a text frame and its attachments.
    Event(std::sync::Arc<SocketEmit>),
}

impl Outgoing {
    /// Validates `body` for `format` (JSON and XML syntax, base64/hex for binary) and encodes
    /// it. The error says what is wrong, in words.
    pub fn encode(
        format: MessageFormat,
        encoding: BinaryEncoding,
        body: &str,
    ) -> Result<Outgoing, String> {
        match format {
            MessageFormat::Text => Ok(Outgoing::Text {
                format,
                text: Utf8Bytes::from(body),
            }),
            MessageFormat::Json => match serde_json::from_str::<serde_json::Value>(body) {
                Ok(_) => Ok(Outgoing::Text {
                    format,
                    text: Utf8Bytes::from(body),
                }),
                Err(e) => Err(format!("the body is not valid JSON: {e}")),
            },
            MessageFormat::Xml => {
                if let Some(problem) = xml_problem(body) {
                    return Err(match problem.byte {
                        Some(byte) => {
                            format!(
                                "the body is not valid XML at byte {byte}: {}",
                                problem.message
                            )
                        }
                        None => format!("the body is not valid XML: {}", problem.message),
                    });
                }
                Ok(Outgoing::Text {
                    format,
                    text: Utf8Bytes::from(body),
                })
            }
            MessageFormat::Binary => match encoding {
                BinaryEncoding::Base64 => {
                    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(compact.as_bytes())
                        .map(|bytes| Outgoing::Binary(Bytes::from(bytes)))
                        .map_err(|e| format!("the binary body is not valid base64: {e}"))
                }
                BinaryEncoding::Hex => {
                    decode_hex(body).map(|bytes| Outgoing::Binary(Bytes::from(bytes)))
                }
            },
        }
    }

    /// The payload size in bytes.
    pub fn size(&self) -> usize {
        match self {
            Outgoing::Text { text, .. } => text.len(),
            Outgoing::Binary(b) => b.len(),
            Outgoing::Event(e) => e.size(),
        }
    }
}

fn decode_hex(body: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err("the hex body has an odd number of digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s =
                std::str::from_utf8(pair).map_err(|_| "the hex body is not ASCII".to_string())?;
            u8::from_str_radix(s, 16).map_err(|_| format!("`{s}` is not a hex byte"))
        })
        .collect()
}

/// Where the transcript goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TranscriptTarget {
    /// The caller's default (the user's cache directory unless the settings say otherwise).
    #[default]
    Default,
    Off,
    /// A file path (relative paths are resolved against the `.void` file's directory).
    Path(PathBuf),
}

/// The `ws-options` as typed values. Defaults are docs/format.md §4.2's.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    pub connect_timeout: Duration,
    pub ping_interval: Option<Duration>,
    pub pong_timeout: Duration,
    /// The application heartbeat text, when on.
    pub heartbeat: Option<String>,
    pub heartbeat_interval: Duration,
    pub reconnect: bool,
    /// How many times a session reconnects at most (with `reconnect: on`).
    pub reconnect_limit: u32,
    pub max_message_size: u64,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// `http://host:port` of an HTTP CONNECT proxy.
    pub proxy: Option<String>,
    pub log_mode: LogMode,
    pub log_limit: usize,
    pub transcript: TranscriptTarget,
    pub run_timeout: Duration,
    pub idle_timeout: Duration,
    /// What the connection speaks: plain WebSocket or Socket.IO.
    pub protocol: Protocol,
    /// Socket.IO: the namespace (`/` by default).
    pub namespace: String,
    /// Socket.IO: the JSON object sent with the namespace connect.
    pub auth: Option<String>,
    /// Socket.IO: how long a message sent with `ack: true` waits for its acknowledgement.
    pub ack_timeout: Duration,
    /// A GraphQL subscription: the connection speaks `graphql-transport-ws` (or the legacy
    /// protocol when the server picks it) and its results are the received messages.
    pub graphql: Option<Subscription>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            connect_timeout: Duration::from_secs(10),
            ping_interval: None,
            pong_timeout: Duration::from_secs(10),
            heartbeat: None,
            heartbeat_interval: Duration::from_secs(30),
            reconnect: false,
            reconnect_limit: 10,
            max_message_size: 16 * 1024 * 1024,
            insecure: false,
            ca_file: None,
            client_cert: None,
            client_key: None,
            proxy: None,
            log_mode: LogMode::Append,
            log_limit: 10_000,
            transcript: TranscriptTarget::Default,
            run_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(5),
            protocol: Protocol::WebSocket,
            namespace: "/".into(),
            auth: None,
            ack_timeout: Duration::from_secs(10),
            graphql: None,
        }
    }
}

/// What a GraphQL subscription session sends once connected (the protocol is
/// [`crate::http::graphql`]'s).
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The `{query, variables, operationName}` of `subscribe`.
    pub payload: serde_json::Value,
    /// The `connection_init` payload (the section's headers, the app's `connectionParams`).
    pub init: Vec<(String, String)>,
}

/// What a `ws-options` row tells the caller that the options themselves do not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionEffect {
    /// The value was stored in [`SessionOptions`].
    Stored,
    /// `subprotocols`: put these in [`SessionSpec::subprotocols`].
    Subprotocols(Vec<String>),
    /// `origin`: put this in [`SessionSpec::origin`].
    Origin(String),
}

impl SessionOptions {
    /// Applies one `ws-options` row (`key`, resolved `value`), checking it with the shared
    /// vocabulary. Unknown keys and bad values are errors naming the key.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<OptionEffect, String> {
        let Some(known) = vocab::ws_option_key(key) else {
            if vocab::option_key(key).is_some() {
                return Err(format!(
                    "`{key}` applies to HTTP sections (the app's `options-table`), not to ws-options"
                ));
            }
            return Err(format!("unknown ws-options key `{key}`"));
        };
        vocab::check_option_value(known, value).map_err(|e| format!("`{key}`: {e}"))?;
        let v = value.trim();
        let duration = |v: &str| vocab::parse_duration(v).map_err(|e| format!("`{key}`: {e}"));
        match known.option {
            WsOption::Subprotocols => {
                return Ok(OptionEffect::Subprotocols(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                ));
            }
            WsOption::Origin => return Ok(OptionEffect::Origin(v.to_string())),
            WsOption::ConnectTimeout => self.connect_timeout = duration(v)?,
            WsOption::PingInterval => {
                self.ping_interval = if v == "off" { None } else { Some(duration(v)?) }
            }
            WsOption::PongTimeout => self.pong_timeout = duration(v)?,
            WsOption::Heartbeat => {
                self.heartbeat = if v.is_empty() || v == "off" {
                    None
                } else {
                    Some(value.to_string())
                }
            }
            WsOption::HeartbeatInterval => self.heartbeat_interval = duration(v)?,
            WsOption::Reconnect => self.reconnect = v == "on",
            WsOption::ReconnectLimit => {
                self.reconnect_limit = v
                    .parse::<u32>()
                    .map_err(|_| format!("`{key}`: `{v}` is not a whole number up to 4294967295"))?
            }
            WsOption::MaxMessageSize => {
                self.max_message_size = vocab::parse_size(v)
                    .map_err(|e| format!("`{key}`: {e}"))?
                    .max(1)
            }
            WsOption::Insecure => {
                self.insecure = vocab::parse_bool(v).map_err(|e| format!("`{key}`: {e}"))?
            }
            WsOption::CaFile => self.ca_file = Some(PathBuf::from(v)),
            WsOption::ClientCert => self.client_cert = Some(PathBuf::from(v)),
            WsOption::ClientKey => self.client_key = Some(PathBuf::from(v)),
            WsOption::Proxy => self.proxy = Some(v.to_string()),
            WsOption::LogMode => self.log_mode = LogMode::parse(v).unwrap_or_default(),
            WsOption::LogLimit => self.log_limit = v.parse::<usize>().unwrap_or(10_000).max(1),
            WsOption::Transcript => {
                self.transcript = if v == "off" {
                    TranscriptTarget::Off
                } else {
                    TranscriptTarget::Path(PathBuf::from(v))
                }
            }
            WsOption::RunTimeout => self.run_timeout = duration(v)?,
            WsOption::IdleTimeout => self.idle_timeout = duration(v)?,
            // Not `ws-options` keys (`ws_option_key` above refuses them).
            WsOption::Timeout
            | WsOption::FollowRedirects
            | WsOption::MaxRedirects
            | WsOption::MaxResponseSize => {
                return Err(format!("`{key}` applies to HTTP sections only"));
            }
            WsOption::Protocol => {
                self.protocol = Protocol::parse(v).map_err(|e| format!("`{key}`: {e}"))?
            }
            WsOption::Namespace => self.namespace = v.to_string(),
            WsOption::Auth => self.auth = Some(v.to_string()),
            WsOption::AckTimeout => self.ack_timeout = duration(v)?,
        }
        Ok(OptionEffect::Stored)
    }
}

/// One `ws-assertions` row, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct AssertionSpec {
    pub description: String,
    pub field: Field,
    pub operator: Operator,
    /// The expected value as written (resolved); empty for operators that take none.
    pub expected: String,
}

impl AssertionSpec {
    /// Parses a row from its cells. Errors name what is wrong.
    pub fn parse(
        description: &str,
        field: &str,
        operator: &str,
        expected: &str,
    ) -> Result<Self, String> {
        let field = Field::parse(field)?;
        let operator = Operator::parse(operator).ok_or_else(|| {
            format!(
                "unknown assertion operator `{}`; use one of {}",
                operator.trim(),
                Operator::ALL.map(|o| o.as_str()).join(", ")
            )
        })?;
        if operator == Operator::Within {
            vocab::parse_duration(expected)
                .map_err(|e| format!("`within` needs a duration: {e}"))?;
        }
        if matches!(operator, Operator::Matches) {
            regex::Regex::new(expected)
                .map_err(|e| format!("`{expected}` is not a valid regular expression: {e}"))?;
        }
        Ok(AssertionSpec {
            description: description.trim().to_string(),
            field,
            operator,
            expected: expected.to_string(),
        })
    }
}

/// Handshake authentication (the `auth` block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// `apiKey` sent as a header or as a query parameter.
    ApiKey {
        name: String,
        value: String,
        in_query: bool,
    },
}

impl Auth {
    /// Adds this auth to a spec: a header, or a query parameter on the URL. The secret parts
    /// are added to [`SessionSpec::secrets`].
    pub fn apply(&self, spec: &mut SessionSpec) -> Result<(), String> {
        match self {
            Auth::None => {}
            Auth::Bearer(token) => {
                spec.secrets.push(token.clone());
                spec.headers
                    .push(("Authorization".into(), format!("Bearer {token}")));
            }
            Auth::Basic { user, password } => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                spec.secrets.push(password.clone());
                spec.secrets.push(encoded.clone());
                spec.headers
                    .push(("Authorization".into(), format!("Basic {encoded}")));
            }
            Auth::ApiKey {
                name,
                value,
                in_query,
            } => {
                spec.secrets.push(value.clone());
                if *in_query {
                    let mut url = url::Url::parse(&spec.url)
                        .map_err(|e| format!("`{}` is not a valid URL: {e}", spec.url))?;
                    url.query_pairs_mut().append_pair(name, value);
                    spec.url = url.to_string();
                } else {
                    spec.headers.push((name.clone(), value.clone()));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_and_xml_are_checked_before_sending() {
        assert!(Outgoing::encode(MessageFormat::Json, BinaryEncoding::Base64, "{\"a\":1}").is_ok());
        let err =
            Outgoing::encode(MessageFormat::Json, BinaryEncoding::Base64, "{a:1}").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        assert!(
            Outgoing::encode(MessageFormat::Xml, BinaryEncoding::Base64, "<a><b/></a>").is_ok()
        );
        assert!(
            Outgoing::encode(MessageFormat::Xml, BinaryEncoding::Base64, "<a><b></a>").is_err()
        );
        assert!(Outgoing::encode(MessageFormat::Xml, BinaryEncoding::Base64, "<a/><b/>").is_err());
    }

    #[test]
    fn binary_bodies_decode_from_base64_or_hex() {
        assert_eq!(
            Outgoing::encode(MessageFormat::Binary, BinaryEncoding::Base64, "AAEC\n/w==").unwrap(),
            Outgoing::Binary(Bytes::from_static(&[0, 1, 2, 255]))
        );
        assert_eq!(
            Outgoing::encode(MessageFormat::Binary, BinaryEncoding::Hex, "00 01 ff").unwrap(),
            Outgoing::Binary(Bytes::from_static(&[0, 1, 255]))
        );
        assert!(Outgoing::encode(MessageFormat::Binary, BinaryEncoding::Hex, "0g").is_err());
        assert!(Outgoing::encode(MessageFormat::Binary, BinaryEncoding::Base64, "!!").is_err());
    }

    #[test]
    fn options_apply_typed_values() {
        let mut o = SessionOptions::default();
        assert_eq!(o.apply("connectTimeout", "2s"), Ok(OptionEffect::Stored));
        assert_eq!(o.connect_timeout, Duration::from_secs(2));
        o.apply("maxMessageSize", "64KiB").unwrap();
        assert_eq!(o.max_message_size, 65536);
        assert_eq!(
            o.apply("subprotocols", "chat, superchat").unwrap(),
            OptionEffect::Subprotocols(vec!["chat".into(), "superchat".into()])
        );
        o.apply("transcript", "off").unwrap();
        assert_eq!(o.transcript, TranscriptTarget::Off);
        assert!(
            o.apply("pingInterval", "soon")
                .unwrap_err()
                .contains("pingInterval")
        );
        assert!(o.apply("bogus", "1").is_err());
    }

    #[test]
    fn auth_in_query_and_header() {
        let mut spec = SessionSpec::new("ws://h/p?x=1");
        Auth::ApiKey {
            name: "key".into(),
            value: "s3cr3t".into(),
            in_query: true,
        }
        .apply(&mut spec)
        .unwrap();
        assert_eq!(spec.url, "ws://h/p?x=1&key=s3cr3t");
        Auth::Basic {
            user: "u".into(),
            password: "pw".into(),
        }
        .apply(&mut spec)
        .unwrap();
        assert_eq!(
            spec.headers[0],
            ("Authorization".into(), "Basic dTpwdw==".into())
        );
        assert!(spec.secrets.contains(&"s3cr3t".to_string()));
    }
}

//! The WebSocket vocabulary of `.void` files: the words that docs/format.md §4 defines for
//! the blocks this project adds (`ws-message`, `ws-options`, `ws-assertions`).
//!
//! This module is the single place that knows which option keys exist, what a duration or a
//! size looks like, which message formats and send modes are allowed, and the grammar of an
//! assertion field and operator. The parser uses it for diagnostics, the language server for
//! completion and hover, and the session engine to evaluate. It is pure: no I/O, no state.

use std::fmt;
use std::time::Duration;

/// Parses a duration as written in a file: `250ms`, `2s`, `1.5s`, `1m`, `1h`, or a bare number
/// of milliseconds (`500`). Whitespace around the value is ignored.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration; write e.g. `250ms`, `2s` or `1m`".into());
    }
    let (value, unit) = number_and_unit(t)
        .ok_or_else(|| format!("`{t}` is not a duration; write e.g. `250ms`, `2s` or `1m`"))?;
    let millis_per_unit = match unit {
        "" | "ms" => 1.0,
        "s" | "sec" => 1_000.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{t}`; use ms, s, m or h"
            ));
        }
    };
    let millis = value * millis_per_unit;
    if !millis.is_finite() || millis > 1e12 {
        return Err(format!("duration `{t}` is too large"));
    }
    Ok(Duration::from_micros((millis * 1000.0).round() as u64))
}

/// Parses a byte size: `1024`, `64KiB`, `16MiB`, `1GiB`, `10KB`, `5MB` (KB/MB/GB are powers of
/// 1000, KiB/MiB/GiB of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (value, unit) = number_and_unit(t)
        .ok_or_else(|| format!("`{t}` is not a size; write e.g. `65536`, `64KiB` or `16MiB`"))?;
    let factor: f64 = match unit {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{t}`; use B, KB, KiB, MB, MiB, GB or GiB"
            ));
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("size `{t}` is too large"));
    }
    Ok(bytes.round() as u64)
}

/// A leading decimal number and the unit after it (trimmed), as durations and sizes are
/// written: `1.5s` is `(1.5, "s")`; `None` when there is no number.
fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    Some((number.parse().ok()?, unit.trim()))
}

/// A count with its noun for people: `1 section`, `2 sections`, `0 errors`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration for people: `30 s`, `1.5 s`, `250 ms`.
pub fn human_seconds(d: std::time::Duration) -> String {
    if d < std::time::Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A size for people: `18 B`, `4.0 KiB`, `1.5 MiB`.
pub fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

/// Parses a boolean option value. Only the YAML 1.2 core words are accepted.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}` is not `true` or `false`")),
    }
}

/// Whether a WebSocket handshake can carry this `auth` block's `authType` (compared without
/// case): none/inherit, bearer, basic, apiKey (header or query) and oauth2 with a token. Other
/// types the app knows (`oauth1` signing, `digest`, `ntlm`, `awsSignature`, `hawk`, ...) are
/// refused by `check` and by a run alike.
pub fn is_ws_auth_type(auth_type: &str) -> bool {
    matches!(
        auth_type.trim().to_ascii_lowercase().as_str(),
        "" | "none"
            | "inherit"
            | "noauth"
            | "bearer"
            | "bearer-token"
            | "basic"
            | "basic-auth"
            | "apikey"
            | "api-key"
            | "api_key"
            | "oauth2"
    )
}

/// The auth types [`is_ws_auth_type`] accepts, in words.
pub const WS_AUTH_TYPES_IN_WORDS: &str = "none, bearer, basic, apiKey or oauth2";

/// How a message body is written and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageFormat {
    #[default]
    Text,
    Json,
    Xml,
    Binary,
}

impl MessageFormat {
    pub const ALL: [MessageFormat; 4] = [Self::Text, Self::Json, Self::Xml, Self::Binary];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Xml => "xml",
            Self::Binary => "binary",
        }
    }
}

impl fmt::Display for MessageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an `xml` message body is not one well-formed XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlProblem {
    /// What is wrong, in words (`an element is not closed`, the reader's error, ...).
    pub message: String,
    /// Where the XML reader stopped, for a syntax error.
    pub byte: Option<u64>,
}

/// Checks that `body` is one well-formed XML document (matching end tags, one root element, no
/// text outside it): the one XML check, used by diagnostics and before a message is sent.
pub fn xml_problem(body: &str) -> Option<XmlProblem> {
    use quick_xml::events::Event;
    let problem = |message: String| {
        Some(XmlProblem {
            message,
            byte: None,
        })
    };
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i64;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::Empty(_)) => {
                if depth == 0 {
                    roots += 1;
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Text(t)) => {
                if depth == 0 && !t.iter().all(|b| b.is_ascii_whitespace()) {
                    return problem("text outside the root element".into());
                }
            }
            Ok(_) => {}
            Err(e) => {
                return Some(XmlProblem {
                    message: e.to_string(),
                    byte: Some(reader.error_position()),
                });
            }
        }
    }
    if depth != 0 {
        return problem("an element is not closed".into());
    }
    if roots != 1 {
        return problem(format!("expected one root element, found {roots}"));
    }
    None
}

/// How a `binary` message body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryEncoding {
    #[default]
    Base64,
    Hex,
}

impl BinaryEncoding {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "base64" => Some(Self::Base64),
            "hex" => Some(Self::Hex),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Hex => "hex",
        }
    }
}

/// When a `ws-message` is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SendMode {
    /// Sent only by an explicit command, code lens or code action.
    #[default]
    Manual,
    /// Sent in file order as soon as the connection opens, and again after every reconnect.
    OnOpen,
    /// Sent when a received message matches the `ws-message` or assertion row with this name.
    After(String),
    /// A reply: sent each time an arriving message matches the message's `when:` condition
    /// (every arriving message when it has none), at most `times` times (docs/format.md §4.4).
    OnReceive,
}

impl SendMode {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        match t {
            "manual" => Ok(Self::Manual),
            "on-open" => Ok(Self::OnOpen),
            "on-receive" => Ok(Self::OnReceive),
            _ => match t.strip_prefix("after:") {
                Some(name) if !name.trim().is_empty() => Ok(Self::After(name.trim().to_string())),
                Some(_) => Err("`after:` needs the name of a message or assertion row".into()),
                None => Err(format!(
                    "unknown send mode `{t}`; use `manual`, `on-open`, `on-receive` or `after: <name>`"
                )),
            },
        }
    }
}

/// How the live log shows messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogMode {
    /// Newest last.
    #[default]
    Append,
    /// Newest first.
    Prepend,
    /// Only the latest received message.
    Snapshot,
}

impl LogMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "append" => Some(Self::Append),
            "prepend" => Some(Self::Prepend),
            "snapshot" => Some(Self::Snapshot),
            _ => None,
        }
    }
}

/// What kind of value an option takes; used to check values and to offer completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValueKind {
    /// Free text (subprotocol list, origin, heartbeat message).
    Text,
    Duration,
    /// A duration, or `off`.
    DurationOrOff,
    Size,
    Bool,
    /// `off` or `on`.
    OnOff,
    /// A path relative to the `.void` file.
    Path,
    /// `http://host:port`.
    ProxyUrl,
    LogMode,
    /// A positive whole number.
    Count,
    /// A path, or `off`.
    PathOrOff,
    /// `websocket` or `socket.io`.
    Protocol,
    /// A Socket.IO namespace: `/` or `/name`.
    Namespace,
    /// A JSON object (the Socket.IO `auth` payload).
    JsonObject,
}

/// A `ws-options` key, by identity: what the engine and the checks match on (the table
/// [`OPTION_KEYS`] gives each one's written name, value kind, default and docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WsOption {
    Subprotocols,
    Origin,
    ConnectTimeout,
    PingInterval,
    PongTimeout,
    Heartbeat,
    HeartbeatInterval,
    Reconnect,
    ReconnectLimit,
    MaxMessageSize,
    Insecure,
    CaFile,
    ClientCert,
    ClientKey,
    Proxy,
    LogMode,
    LogLimit,
    Transcript,
    RunTimeout,
    IdleTimeout,
    /// HTTP: the whole exchange, from connecting to the last byte of the body.
    Timeout,
    /// HTTP: follow `3xx` redirects.
    FollowRedirects,
    /// HTTP: how many redirects are followed at most.
    MaxRedirects,
    /// HTTP: the largest response body kept in memory for assertions and captures.
    MaxResponseSize,
    /// Socket.IO or plain WebSocket (docs/format.md §4.5).
    Protocol,
    /// Socket.IO: the namespace.
    Namespace,
    /// Socket.IO: the JSON object sent with the namespace connect.
    Auth,
    /// Socket.IO: how long an acknowledgement is waited for.
    AckTimeout,
}

impl WsOption {
    /// The key as written in a `ws-options` table.
    pub fn name(self) -> &'static str {
        OPTION_KEYS
            .iter()
            .find(|k| k.option == self)
            .map_or("", |k| k.name)
    }
}

/// Which sections an option key applies to: WebSocket sections read it from `ws-options`,
/// HTTP and GraphQL sections from the app's `options-table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionScope {
    WebSocket,
    Http,
    Both,
}

impl OptionScope {
    pub fn websocket(self) -> bool {
        matches!(self, OptionScope::WebSocket | OptionScope::Both)
    }

    pub fn http(self) -> bool {
        matches!(self, OptionScope::Http | OptionScope::Both)
    }
}

/// One option key: its name, the value it takes, its default and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionKey {
    pub option: WsOption,
    pub name: &'static str,
    pub kind: OptionValueKind,
    /// The default as a user would write it, or `None` when the option is off by default.
    pub default: Option<&'static str>,
    pub doc: &'static str,
    pub scope: OptionScope,
}

/// Every `ws-options` key, in the order docs/format.md §4.2 lists them.
pub const OPTION_KEYS: &[OptionKey] = &[
    OptionKey {
        option: WsOption::Subprotocols,
        name: "subprotocols",
        kind: OptionValueKind::Text,
        default: None,
        doc: "Comma-separated subprotocols sent as `Sec-WebSocket-Protocol`; the one the server picked is shown.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Origin,
        name: "origin",
        kind: OptionValueKind::Text,
        default: None,
        doc: "The `Origin` header sent with the handshake.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::ConnectTimeout,
        name: "connectTimeout",
        kind: OptionValueKind::Duration,
        default: Some("10s"),
        doc: "Time allowed for TCP, TLS and the upgrade together.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::PingInterval,
        name: "pingInterval",
        kind: OptionValueKind::DurationOrOff,
        default: None,
        doc: "Send a protocol ping frame at this interval.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::PongTimeout,
        name: "pongTimeout",
        kind: OptionValueKind::Duration,
        default: Some("10s"),
        doc: "No pong within this time closes the session as timed out.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Heartbeat,
        name: "heartbeat",
        kind: OptionValueKind::Text,
        default: None,
        doc: "An application-level text message sent on a timer (e.g. `__ping__`).",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::HeartbeatInterval,
        name: "heartbeatInterval",
        kind: OptionValueKind::Duration,
        default: Some("30s"),
        doc: "How often the `heartbeat` message is sent.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Reconnect,
        name: "reconnect",
        kind: OptionValueKind::OnOff,
        default: Some("off"),
        doc: "`on` reconnects with backoff after a drop; `on-open` messages are sent again.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::ReconnectLimit,
        name: "reconnectLimit",
        kind: OptionValueKind::Count,
        default: Some("10"),
        doc: "With `reconnect: on`, how many times a session reconnects at most; then it stays closed and says so.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::MaxMessageSize,
        name: "maxMessageSize",
        kind: OptionValueKind::Size,
        default: Some("16MiB"),
        doc: "Largest message accepted; a larger one closes with 1009 and a clear error.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Insecure,
        name: "insecure",
        kind: OptionValueKind::Bool,
        default: Some("false"),
        doc: "`true` skips TLS certificate checks. Always shown as a warning.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::CaFile,
        name: "caFile",
        kind: OptionValueKind::Path,
        default: None,
        doc: "PEM file of extra trusted CA certificates, relative to the .void file.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::ClientCert,
        name: "clientCert",
        kind: OptionValueKind::Path,
        default: None,
        doc: "PEM client certificate for mutual TLS, relative to the .void file.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::ClientKey,
        name: "clientKey",
        kind: OptionValueKind::Path,
        default: None,
        doc: "PEM private key for `clientCert`, relative to the .void file.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::Proxy,
        name: "proxy",
        kind: OptionValueKind::ProxyUrl,
        default: None,
        doc: "HTTP CONNECT proxy, `http://host:port`.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::LogMode,
        name: "logMode",
        kind: OptionValueKind::LogMode,
        default: Some("append"),
        doc: "How the live log shows messages: `append` (newest last), `prepend` (newest first), `snapshot` (only the latest received).",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::LogLimit,
        name: "logLimit",
        kind: OptionValueKind::Count,
        default: Some("10000"),
        doc: "Entries kept in the live view; older ones stay in the transcript.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::Transcript,
        name: "transcript",
        kind: OptionValueKind::PathOrOff,
        default: None,
        doc: "Path of a JSON Lines file that receives every event, or `off`. Default: under the user's cache directory.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::RunTimeout,
        name: "runTimeout",
        kind: OptionValueKind::Duration,
        default: Some("30s"),
        doc: "Headless runs: close after this long.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::IdleTimeout,
        name: "idleTimeout",
        kind: OptionValueKind::Duration,
        default: Some("5s"),
        doc: "Headless runs: close after this long without traffic.",
        scope: OptionScope::Both,
    },
    OptionKey {
        option: WsOption::Timeout,
        name: "timeout",
        kind: OptionValueKind::Duration,
        default: Some("30s"),
        doc: "HTTP: time allowed for the whole exchange, from connecting to the last byte of the response (a Server-Sent Events stream is bounded by `runTimeout` instead).",
        scope: OptionScope::Http,
    },
    OptionKey {
        option: WsOption::FollowRedirects,
        name: "followRedirects",
        kind: OptionValueKind::Bool,
        default: Some("true"),
        doc: "HTTP: follow `3xx` redirects (the app's `follow_redirects` is the same key). `false` shows the redirect itself.",
        scope: OptionScope::Http,
    },
    OptionKey {
        option: WsOption::MaxRedirects,
        name: "maxRedirects",
        kind: OptionValueKind::Count,
        default: Some("10"),
        doc: "HTTP: redirects followed at most; one more is an error naming the chain.",
        scope: OptionScope::Http,
    },
    OptionKey {
        option: WsOption::MaxResponseSize,
        name: "maxResponseSize",
        kind: OptionValueKind::Size,
        default: Some("64MiB"),
        doc: "HTTP: the response body kept in memory for the view, assertions and captures; the transcript keeps it whole.",
        scope: OptionScope::Http,
    },
    OptionKey {
        option: WsOption::Protocol,
        name: "protocol",
        kind: OptionValueKind::Protocol,
        default: Some("websocket"),
        doc: "`websocket`, or `socket.io` (Socket.IO v4 over Engine.IO v4, WebSocket transport): the engine does the Socket.IO handshake, ping/pong and namespaces, and messages become events.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Namespace,
        name: "namespace",
        kind: OptionValueKind::Namespace,
        default: Some("/"),
        doc: "With `protocol: socket.io`: the namespace to connect to (`/`, `/chat`).",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::Auth,
        name: "auth",
        kind: OptionValueKind::JsonObject,
        default: None,
        doc: "With `protocol: socket.io`: a JSON object sent with the namespace connect (the server's `socket.handshake.auth`), e.g. `{\"token\": \"{{TOKEN}}\"}`.",
        scope: OptionScope::WebSocket,
    },
    OptionKey {
        option: WsOption::AckTimeout,
        name: "ackTimeout",
        kind: OptionValueKind::Duration,
        default: Some("10s"),
        doc: "With `protocol: socket.io`: how long a message sent with `ack: true` waits for the acknowledgement before the log says it never came.",
        scope: OptionScope::WebSocket,
    },
];

/// Finds an option key by its exact name.
pub fn option_key(name: &str) -> Option<&'static OptionKey> {
    OPTION_KEYS.iter().find(|k| k.name == name)
}

/// Finds a `ws-options` key (one that applies to WebSocket sections) by its exact name.
pub fn ws_option_key(name: &str) -> Option<&'static OptionKey> {
    option_key(name).filter(|k| k.scope.websocket())
}

/// Finds a key of the app's `options-table` (HTTP and GraphQL sections): our names, and the
/// app's own `follow_redirects`.
pub fn http_option_key(name: &str) -> Option<&'static OptionKey> {
    let name = match name.trim() {
        "follow_redirects" => "followRedirects",
        other => other,
    };
    option_key(name)
}

/// Checks an option value against its key's kind. `Ok(())` when it is acceptable.
/// Values holding `{{variables}}` are only checked after resolution, so they pass here.
pub fn check_option_value(key: &OptionKey, value: &str) -> Result<(), String> {
    if value.contains("{{") {
        return Ok(());
    }
    let v = value.trim();
    match key.kind {
        OptionValueKind::Text | OptionValueKind::Path => Ok(()),
        OptionValueKind::PathOrOff => Ok(()),
        OptionValueKind::Duration => parse_duration(v).map(drop),
        OptionValueKind::DurationOrOff => {
            if v == "off" {
                Ok(())
            } else {
                parse_duration(v).map(drop)
            }
        }
        OptionValueKind::Size => parse_size(v).map(drop),
        OptionValueKind::Bool => parse_bool(v).map(drop),
        OptionValueKind::OnOff => match v {
            "on" | "off" => Ok(()),
            _ => Err(format!("`{v}` is not `on` or `off`")),
        },
        OptionValueKind::LogMode => LogMode::parse(v).map(drop).ok_or_else(|| {
            format!("`{v}` is not a log mode; use `append`, `prepend` or `snapshot`")
        }),
        OptionValueKind::Count => match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(()),
            _ => Err(format!("`{v}` is not a positive whole number")),
        },
        OptionValueKind::ProxyUrl => {
            if v.starts_with("http://") && v.len() > "http://".len() {
                Ok(())
            } else {
                Err(format!(
                    "`{v}` is not a proxy address; write `http://host:port`"
                ))
            }
        }
        OptionValueKind::Protocol => Protocol::parse(v).map(drop),
        OptionValueKind::Namespace => check_namespace(v),
        OptionValueKind::JsonObject => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            Ok(_) => Err("it must be a JSON object, e.g. `{\"token\": \"abc\"}`".into()),
            Err(e) => Err(format!("it is not valid JSON: {e}")),
        },
    }
}

/// What a WebSocket section speaks over its connection (`ws-options` key `protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Plain WebSocket messages.
    #[default]
    WebSocket,
    /// Socket.IO v4 over Engine.IO v4 on the WebSocket transport: messages are events.
    SocketIo,
}

impl Protocol {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "websocket" | "" => Ok(Self::WebSocket),
            "socket.io" | "socketio" => Ok(Self::SocketIo),
            other => Err(format!(
                "`{other}` is not a protocol; use `websocket` or `socket.io`"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebSocket => "websocket",
            Self::SocketIo => "socket.io",
        }
    }
}

/// Checks a Socket.IO namespace: `/`, or `/` followed by a name without spaces or commas (a
/// comma ends the namespace in a Socket.IO packet).
pub fn check_namespace(text: &str) -> Result<(), String> {
    let v = text.trim();
    if !v.starts_with('/') {
        return Err(format!(
            "`{v}` is not a namespace; it starts with `/`, e.g. `/chat`"
        ));
    }
    if v.contains([',', ' ', '\t', '\n', '?', '#']) {
        return Err(format!(
            "`{v}` is not a namespace: it cannot hold spaces, `,`, `?` or `#`"
        ));
    }
    Ok(())
}

/// The subject of an assertion row, before any accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldBase {
    Connected,
    HandshakeStatus,
    /// `handshake.headers.<name>`; the name is kept as written (matched case-insensitively).
    HandshakeHeader(String),
    Subprotocol,
    ReceivedCount,
    SentCount,
    /// `received[n]`: `n` from the start, or from the end when negative (`-1` is the last).
    Received(i64),
    /// `received[any]`: some received message satisfies the row.
    ReceivedAny,
    /// `received[all]`: every received message satisfies the row.
    ReceivedAll,
    CloseCode,
    CloseReason,
    LatencyFirst,
    Duration,
}

/// One step of a `.json.<path>`: a key, or an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonStep {
    Key(String),
    Index(i64),
}

/// What is read from a received message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Accessor {
    /// The message itself (its text, or its bytes for a binary message).
    #[default]
    Whole,
    /// `.json.<path>`: the value at that path of the message parsed as JSON.
    Json(Vec<JsonStep>),
    /// `.text`: the message as text.
    Text,
    /// `.size`: the payload size in bytes.
    Size,
    /// `.binary`: whether the message is binary.
    Binary,
    /// `.event`: a Server-Sent Event's type (`message` when the event names none), or the
    /// Socket.IO event name (for an acknowledgement, the name of the event it acknowledges);
    /// no value for a plain WebSocket message.
    Event,
    /// `.id`: a Server-Sent Event's `id`.
    Id,
    /// `.ack` / `.ack.<path>`: the arguments of a Socket.IO acknowledgement (one argument as
    /// itself, several as a list), or the value at that path in them; no value for a message
    /// that is not an acknowledgement.
    Ack(Vec<JsonStep>),
}

/// A parsed assertion field such as `received[-1].json.data.items[0].id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub base: FieldBase,
    pub accessor: Accessor,
}

/// Field names offered for completion, with a description each.
pub const FIELD_DOCS: &[(&str, &str)] = &[
    (
        "connected",
        "Whether the connection opened (`true`/`false`).",
    ),
    (
        "handshake.status",
        "HTTP status of the upgrade response (101 on success).",
    ),
    (
        "handshake.headers.",
        "A response header of the upgrade, by name.",
    ),
    ("subprotocol", "The subprotocol the server picked."),
    ("received.count", "Number of messages received."),
    ("sent.count", "Number of messages sent."),
    ("received[0]", "The first received message."),
    ("received[-1]", "The last received message."),
    ("received[any]", "Some received message satisfies the row."),
    ("received[all]", "Every received message satisfies the row."),
    (
        "close.code",
        "The close code (1006 when the connection dropped).",
    ),
    ("close.reason", "The close reason."),
    (
        "latency.first",
        "Milliseconds from open to the first received message.",
    ),
    ("duration", "Milliseconds the session has lasted."),
];

impl Field {
    /// Parses a field as written in an assertion row.
    pub fn parse(text: &str) -> Result<Field, String> {
        let t = text.trim();
        if t.starts_with("events") {
            // Errors name the field as written.
            return Self::parse_inner(t).map_err(|e| e.replace("received", "events"));
        }
        Self::parse_inner(t)
    }

    fn parse_inner(t: &str) -> Result<Field, String> {
        let unknown = || {
            format!(
                "unknown assertion field `{t}`; expected one of connected, handshake.status, \
                 handshake.headers.<name>, subprotocol, received.count, sent.count, received[n], \
                 received[any], received[all], close.code, close.reason, latency.first, duration"
            )
        };
        let simple = |base: FieldBase| {
            Ok(Field {
                base,
                accessor: Accessor::Whole,
            })
        };
        // A Server-Sent Events stream calls its messages events: `events[...]` is `received[...]`.
        let renamed;
        let t = match t.strip_prefix("events") {
            Some(rest) if rest.starts_with('[') || rest == ".count" => {
                renamed = format!("received{rest}");
                renamed.as_str()
            }
            _ => t,
        };
        match t {
            "connected" => return simple(FieldBase::Connected),
            "handshake.status" => return simple(FieldBase::HandshakeStatus),
            "subprotocol" => return simple(FieldBase::Subprotocol),
            "received.count" => return simple(FieldBase::ReceivedCount),
            "sent.count" => return simple(FieldBase::SentCount),
            "close.code" => return simple(FieldBase::CloseCode),
            "close.reason" => return simple(FieldBase::CloseReason),
            "latency.first" => return simple(FieldBase::LatencyFirst),
            "duration" => return simple(FieldBase::Duration),
            _ => {}
        }
        if let Some(name) = t.strip_prefix("handshake.headers.") {
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == ':') {
                return Err(format!(
                    "`{t}` needs a header name after `handshake.headers.`"
                ));
            }
            return simple(FieldBase::HandshakeHeader(name.to_string()));
        }
        let Some(rest) = t.strip_prefix("received[") else {
            return Err(unknown());
        };
        let Some(close) = rest.find(']') else {
            return Err(format!("`{t}`: missing `]` after `received[`"));
        };
        let base = match &rest[..close] {
            "any" => FieldBase::ReceivedAny,
            "all" => FieldBase::ReceivedAll,
            n => FieldBase::Received(n.trim().parse::<i64>().map_err(|_| {
                format!("`{t}`: `received[...]` takes a number, `any` or `all`, not `{n}`")
            })?),
        };
        let accessor = parse_accessor(&rest[close + 1..]).map_err(|e| format!("`{t}`: {e}"))?;
        Ok(Field { base, accessor })
    }

    /// Whether this field reads a received message (and so takes accessors).
    pub fn is_message(&self) -> bool {
        matches!(
            self.base,
            FieldBase::Received(_) | FieldBase::ReceivedAny | FieldBase::ReceivedAll
        )
    }
}

fn parse_accessor(text: &str) -> Result<Accessor, String> {
    match text {
        "" => return Ok(Accessor::Whole),
        // Server-Sent Events: `.data` is the event's text, `.id` its id.
        ".data" => return Ok(Accessor::Text),
        ".id" => return Ok(Accessor::Id),
        _ => {}
    }
    match text.strip_prefix('.').map(parse_message_field) {
        Some(Ok(accessor)) => Ok(accessor),
        _ => Err(format!(
            "unknown accessor `{text}`; use .json.<path>, .text, .size or .binary (Socket.IO also .event, .ack; events also .event, .id, .data)"
        )),
    }
}

/// What can be read from one message, as `when:` and `capture:` write it (docs/format.md §4.4)
/// and as assertion fields write it after `received[n].`: the word and what it reads.
pub const MESSAGE_FIELD_DOCS: &[(&str, &str)] = &[
    (
        "json.",
        "A value inside the message parsed as JSON (`json.op`, `json.items[0].id`); for a Socket.IO event, inside its argument (or its argument list when it has several).",
    ),
    ("text", "The message as text."),
    ("size", "The payload size in bytes."),
    ("binary", "Whether the message is binary (`true`/`false`)."),
    (
        "event",
        "Socket.IO: the event name (for an acknowledgement, the event it acknowledges).",
    ),
    (
        "ack",
        "Socket.IO: the arguments of an acknowledgement (`ack.ok`); no value for other messages.",
    ),
];

/// Parses a field of one message as `when:` and `capture:` write it: `json`, `json.<path>`,
/// `text`, `size`, `binary`, `event`, `ack` or `ack.<path>`.
pub fn parse_message_field(text: &str) -> Result<Accessor, String> {
    let t = text.trim();
    let path_after = |word: &str| -> Option<Result<Vec<JsonStep>, String>> {
        let rest = t.strip_prefix(word)?;
        if rest.is_empty() {
            return Some(Ok(Vec::new()));
        }
        if let Some(path) = rest.strip_prefix('.') {
            return Some(parse_json_path(path));
        }
        rest.starts_with('[').then(|| parse_json_path(rest))
    };
    match t {
        "text" => return Ok(Accessor::Text),
        "size" => return Ok(Accessor::Size),
        "binary" => return Ok(Accessor::Binary),
        "event" => return Ok(Accessor::Event),
        _ => {}
    }
    if let Some(path) = path_after("json") {
        return path.map(Accessor::Json);
    }
    if let Some(path) = path_after("ack") {
        return path.map(Accessor::Ack);
    }
    Err(format!(
        "unknown message field `{t}`; use json.<path>, text, size, binary, event or ack"
    ))
}

/// The text of a message field as `when:` and `capture:` write it (no leading dot).
pub fn message_field_text(accessor: &Accessor) -> String {
    let path = |steps: &[JsonStep]| {
        let mut s = String::new();
        for step in steps {
            match step {
                JsonStep::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                JsonStep::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    };
    match accessor {
        Accessor::Whole => "text".into(),
        Accessor::Text => "text".into(),
        Accessor::Size => "size".into(),
        Accessor::Binary => "binary".into(),
        Accessor::Event => "event".into(),
        Accessor::Id => "id".into(),
        Accessor::Json(steps) => format!("json{}", path(steps)),
        Accessor::Ack(steps) => format!("ack{}", path(steps)),
    }
}

/// Parses a JSON path such as `data.items[0].id` (dots between keys, `[n]` for indexes).
pub fn parse_json_path(path: &str) -> Result<Vec<JsonStep>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after
                .find(']')
                .ok_or_else(|| format!("missing `]` in `{path}`"))?;
            let n = after[..end]
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("`[{}]` is not an index in `{path}`", &after[..end]))?;
            steps.push(JsonStep::Index(n));
            rest = &after[end + 1..];
            if let Some(r) = rest.strip_prefix('.') {
                if r.is_empty() {
                    return Err(format!("`{path}` ends with `.`"));
                }
                rest = r;
            }
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return Err(format!("empty key in `{path}`"));
            }
            steps.push(JsonStep::Key(rest[..end].to_string()));
            rest = &rest[end..];
            if let Some(r) = rest.strip_prefix('.') {
                if r.is_empty() {
                    return Err(format!("`{path}` ends with `.`"));
                }
                rest = r;
            }
        }
    }
    Ok(steps)
}

/// An assertion operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    Matches,
    Exists,
    NotExists,
    GreaterThan,
    LessThan,
    IsJson,
    /// `within`: the expected value is a duration by which the row's condition must hold.
    Within,
}

impl Operator {
    pub const ALL: [Operator; 11] = [
        Self::Equals,
        Self::NotEquals,
        Self::Contains,
        Self::NotContains,
        Self::Matches,
        Self::Exists,
        Self::NotExists,
        Self::GreaterThan,
        Self::LessThan,
        Self::IsJson,
        Self::Within,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEquals => "notEquals",
            Self::Contains => "contains",
            Self::NotContains => "notContains",
            Self::Matches => "matches",
            Self::Exists => "exists",
            Self::NotExists => "notExists",
            Self::GreaterThan => "greaterThan",
            Self::LessThan => "lessThan",
            Self::IsJson => "isJson",
            Self::Within => "within",
        }
    }

    /// Whether the operator takes an expected value.
    pub fn takes_expected(self) -> bool {
        !matches!(self, Self::Exists | Self::NotExists | Self::IsJson)
    }

    pub fn doc(self) -> &'static str {
        match self {
            Self::Equals => {
                "The field equals the expected value (numbers compared as numbers, JSON as JSON)."
            }
            Self::NotEquals => "The field differs from the expected value.",
            Self::Contains => "The field's text contains the expected text.",
            Self::NotContains => "The field's text does not contain the expected text.",
            Self::Matches => "The field's text matches the expected regular expression.",
            Self::Exists => "The field has a value.",
            Self::NotExists => "The field has no value.",
            Self::GreaterThan => "The field is a number greater than the expected one.",
            Self::LessThan => "The field is a number less than the expected one.",
            Self::IsJson => "The field's text parses as JSON.",
            Self::Within => {
                "The field exists (a message arrives, the connection opens, ...) within the expected duration."
            }
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn xml_bodies_are_one_well_formed_document() {
        assert_eq!(xml_problem("<a><b/>text</a>"), None);
        assert_eq!(xml_problem(" <a/>\n"), None);
        let message = |body: &str| xml_problem(body).map(|p| p.message);
        assert_eq!(message("<a>"), Some("an element is not closed".into()));
        assert_eq!(
            message("<a/><b/>"),
            Some("expected one root element, found 2".into())
        );
        assert_eq!(
            message("x<a/>"),
            Some("text outside the root element".into())
        );
        let mismatched = xml_problem("<a></b>").unwrap();
        assert!(mismatched.byte.is_some(), "{mismatched:?}");
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(4096), "4.0 KiB");
        assert_eq!(human_size(11), "11 B");
        assert_eq!(human_size(3 << 20), "3.0 MiB");
    }

    #[test]
    fn every_option_is_in_the_table_once() {
        for key in OPTION_KEYS {
            assert_eq!(key.option.name(), key.name);
            assert_eq!(option_key(key.name).map(|k| k.option), Some(key.option));
        }
        let options: std::collections::HashSet<WsOption> =
            OPTION_KEYS.iter().map(|k| k.option).collect();
        assert_eq!(options.len(), OPTION_KEYS.len());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("500"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("2 weeks").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 * 1024 * 1024));
        assert_eq!(parse_size("10KB"), Ok(10_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("big").is_err());
    }

    #[test]
    fn send_modes() {
        assert_eq!(SendMode::parse("on-open"), Ok(SendMode::OnOpen));
        assert_eq!(
            SendMode::parse("after: login"),
            Ok(SendMode::After("login".into()))
        );
        assert!(SendMode::parse("after:").is_err());
        assert!(SendMode::parse("sometimes").is_err());
    }

    #[test]
    fn fields() {
        let f = Field::parse("received[-1].json.data.items[0].id").unwrap();
        assert_eq!(f.base, FieldBase::Received(-1));
        assert_eq!(
            f.accessor,
            Accessor::Json(vec![
                JsonStep::Key("data".into()),
                JsonStep::Key("items".into()),
                JsonStep::Index(0),
                JsonStep::Key("id".into()),
            ])
        );
        assert_eq!(
            Field::parse("received[any].text").unwrap().accessor,
            Accessor::Text
        );
        assert_eq!(
            Field::parse("handshake.headers.X-Id").unwrap().base,
            FieldBase::HandshakeHeader("X-Id".into())
        );
        assert!(Field::parse("recieved.count").is_err());
        assert!(Field::parse("received[x]").is_err());
        assert!(Field::parse("received[0].bogus").is_err());
        assert!(Field::parse("received[0].json.a.").is_err());
    }

    #[test]
    fn operators() {
        for op in Operator::ALL {
            assert_eq!(Operator::parse(op.as_str()), Some(op));
        }
        assert_eq!(Operator::parse("eq"), None);
    }

    #[test]
    fn option_values() {
        let timeout = option_key("connectTimeout").unwrap();
        assert!(check_option_value(timeout, "2s").is_ok());
        assert!(check_option_value(timeout, "soon").is_err());
        assert!(check_option_value(timeout, "{{T}}").is_ok());
        assert!(check_option_value(option_key("reconnect").unwrap(), "maybe").is_err());
        assert!(check_option_value(option_key("proxy").unwrap(), "http://p:3128").is_ok());
    }
}

//! What the editor explains and offers about `.void` words: block types and their attrs,
//! ws-message attr values, and common handshake header names. WebSocket option keys, assertion
//! fields and operators come from `void_syntax::vocab` (the shared vocabulary) and are not
//! repeated here. Pure data; no documents, no LSP types.

/// A block type people can write, what it is for, and the attrs it takes after `uid`.
#[derive(Debug, Clone, Copy)]
pub struct BlockType {
    pub name: &'static str,
    pub doc: &'static str,
    pub attrs: &'static [(&'static str, &'static str)],
}

/// Block types offered after ```` ```void ```` and on `type:` lines, WebSocket first.
pub const BLOCK_TYPES: &[BlockType] = &[
    BlockType {
        name: "socket-request",
        doc: "A WebSocket (or gRPC) request: `smethod` (`WSS`/`WS`) and `surl` (the `ws://`/`wss://` URL, may hold `{{variables}}`).",
        attrs: &[],
    },
    BlockType {
        name: "ws-message",
        doc: "A message to send on the section's WebSocket: by hand (code lens `Send`), on open, or after another message.",
        attrs: &[
            (
                "name",
                "Shown in code lenses, the log and assertions; unique within the section.",
            ),
            (
                "format",
                "`text` (default), `json`, `xml` or `binary`. JSON and XML are checked before sending.",
            ),
            ("encoding", "For `binary`: `base64` (default) or `hex`."),
            (
                "send",
                "`manual` (default), `on-open`, `on-receive` (a reply), or `after: <name>`.",
            ),
            (
                "delay",
                "Wait before an automatic send, e.g. `250ms`, `2s`.",
            ),
            (
                "when",
                "A reply's condition, read on each arriving message: `<field> <operator> <expected>`, e.g. `json.op equals ping`, `text contains hello`, `event equals joined`. Without it, the reply answers every message.",
            ),
            (
                "times",
                "How often a reply is sent at most (default: every time its `when:` holds).",
            ),
            (
                "capture",
                "`NAME = <field>` (several separated by `;`): stores a value of the message a reply answers as `{{NAME}}` for every later message of the session, before the reply's own body is sent. A reply with no `body` only captures. Names with TOKEN, SECRET, PASSWORD or KEY are secrets.",
            ),
            (
                "event",
                "Socket.IO: the event name. In a reply to an event that asks for an acknowledgement, leave it out to send the acknowledgement.",
            ),
            (
                "args",
                "Socket.IO: `list` when the JSON body is the argument list; by default it is the one argument.",
            ),
            (
                "ack",
                "Socket.IO: `true` waits for the server's acknowledgement and logs it beside the message.",
            ),
            (
                "body",
                "The message; may use `{{VARIABLES}}`, captured `{{NAMES}}` and, in a reply, `{{$msg.json.<path>}}`, `{{$msg.text}}`, `{{$msg.event}}` from the message it answers.",
            ),
        ],
    },
    BlockType {
        name: "ws-options",
        doc: "How to connect: a `[key, value, note]` table of WebSocket options (subprotocols, timeouts, heartbeat, TLS, proxy, log mode...).",
        attrs: &[],
    },
    BlockType {
        name: "ws-assertions",
        doc: "What must be true: rows `[description, field, operator, expected]`, checked live and by `void-ls run`.",
        attrs: &[],
    },
    BlockType {
        name: "headers-table",
        doc: "Handshake headers: rows `[name, value, note]`.",
        attrs: &[(
            "importedFrom",
            "Where the table was imported from (the app's bookkeeping).",
        )],
    },
    BlockType {
        name: "query-table",
        doc: "Query-string parameters appended to the URL: rows `[name, value, note]`.",
        attrs: &[("importedFrom", "Where the table was imported from.")],
    },
    BlockType {
        name: "cookies-table",
        doc: "Cookies sent in the `Cookie` header: rows `[name, value, note]`.",
        attrs: &[("importedFrom", "Where the table was imported from.")],
    },
    BlockType {
        name: "path-table",
        doc: "Values for `{name}` parameters in the URL path: rows `[name, value, note]`.",
        attrs: &[("importedFrom", "Where the table was imported from.")],
    },
    BlockType {
        name: "auth",
        doc: "Handshake authentication: `authType` (`inherit`, `none`, `bearer`, `basic`, `apiKey`, `oauth2`...) and a `[key, value]` table.",
        attrs: &[(
            "authType",
            "`inherit`, `none`, `bearer`, `basic`, `apiKey`, `oauth2`, ...",
        )],
    },
    BlockType {
        name: "request-separator",
        doc: "Starts a new section: the blocks below it, up to the next separator, form one independent request.",
        attrs: &[
            (
                "colorIndex",
                "Colour of the separator in the app (integer, default 0).",
            ),
            ("label", "The section's name (default `New Request`)."),
        ],
    },
    BlockType {
        name: "request",
        doc: "An HTTP request (`method` and `url` nodes). Kept and checked; running HTTP is the Voiden app's job.",
        attrs: &[],
    },
    BlockType {
        name: "options-table",
        doc: "The app's HTTP options table: rows `[key, value, note]`.",
        attrs: &[],
    },
    BlockType {
        name: "assertions-table",
        doc: "The app's HTTP assertions: rows `[description, field, operator, expected]`. For WebSockets use `ws-assertions`.",
        attrs: &[],
    },
    BlockType {
        name: "json_body",
        doc: "An HTTP JSON body.",
        attrs: &[
            ("body", "The JSON text."),
            ("contentType", "The media type."),
        ],
    },
    BlockType {
        name: "xml_body",
        doc: "An HTTP XML body.",
        attrs: &[
            ("body", "The XML text."),
            ("contentType", "The media type."),
        ],
    },
    BlockType {
        name: "yml_body",
        doc: "An HTTP YAML body.",
        attrs: &[("body", "The YAML text.")],
    },
    BlockType {
        name: "multipart-table",
        doc: "An HTTP multipart form body.",
        attrs: &[],
    },
    BlockType {
        name: "url-table",
        doc: "An HTTP URL-encoded form body.",
        attrs: &[],
    },
    BlockType {
        name: "pre_script",
        doc: "A script the app runs before an HTTP request. Kept; never executed here.",
        attrs: &[("language", "Script language."), ("body", "The script.")],
    },
    BlockType {
        name: "post_script",
        doc: "A script the app runs after an HTTP request. Kept; never executed here.",
        attrs: &[("language", "Script language."), ("body", "The script.")],
    },
    BlockType {
        name: "runtime-variables",
        doc: "Variables the app captures from responses. Kept.",
        attrs: &[],
    },
    BlockType {
        name: "messages-node",
        doc: "The app's WebSocket response panel. Kept and ignored.",
        attrs: &[
            ("wsId", "App bookkeeping."),
            ("url", "App bookkeeping."),
            ("headers", "App bookkeeping."),
            ("sourceFilePath", "App bookkeeping."),
        ],
    },
    BlockType {
        name: "linkedBlock",
        doc: "A block linked from another file by uid. Kept.",
        attrs: &[],
    },
    BlockType {
        name: "linkedFile",
        doc: "A whole file linked into this one. Kept.",
        attrs: &[],
    },
    BlockType {
        name: "restFile",
        doc: "A reference to a REST file. Kept.",
        attrs: &[],
    },
    BlockType {
        name: "smethod",
        doc: "The WebSocket method node inside a `socket-request`: `WSS` or `WS`, matching the URL scheme.",
        attrs: &[
            ("method", "Same as the text: `WSS` or `WS`."),
            ("importedFrom", "App bookkeeping."),
            ("visible", "App bookkeeping."),
        ],
    },
    BlockType {
        name: "surl",
        doc: "The URL node inside a `socket-request`: `ws://` or `wss://`, may hold `{{variables}}`.",
        attrs: &[],
    },
];

pub fn block_type(name: &str) -> Option<&'static BlockType> {
    BLOCK_TYPES.iter().find(|b| b.name == name)
}

/// Values offered for a `ws-message` attr.
pub fn message_attr_values(attr: &str) -> &'static [(&'static str, &'static str)] {
    match attr {
        "format" => &[
            ("text", "Sent as a text frame (default)."),
            ("json", "Checked as JSON, sent as a text frame."),
            ("xml", "Checked as XML, sent as a text frame."),
            (
                "binary",
                "Sent as a binary frame from base64 (or hex with `encoding: hex`).",
            ),
        ],
        "encoding" => &[
            ("base64", "The body is base64 (default)."),
            ("hex", "The body is hexadecimal."),
        ],
        "send" => &[
            (
                "manual",
                "Sent by a code lens, code action or command (default).",
            ),
            (
                "on-open",
                "Sent in file order when the connection opens, and after every reconnect.",
            ),
            (
                "on-receive",
                "A reply: sent each time an arriving message matches its `when:` (at most `times` times).",
            ),
            (
                "after: ",
                "Sent when a received message matches the named message or assertion row.",
            ),
        ],
        "args" => &[
            (
                "single",
                "The JSON body is the event's one argument (default).",
            ),
            ("list", "The JSON body is the event's argument list."),
        ],
        "ack" => &[
            (
                "true",
                "Wait for the server's acknowledgement and log it beside the message.",
            ),
            ("false", "Do not ask for an acknowledgement (default)."),
        ],
        "authType" => &[
            (
                "inherit",
                "Use the authentication of the enclosing collection.",
            ),
            ("none", "No authentication."),
            ("bearer", "`Authorization: Bearer <token>`."),
            ("basic", "`Authorization: Basic <user:password>`."),
            ("apiKey", "An API key in a header or the query string."),
            ("oauth2", "OAuth 2 (the app's flows)."),
        ],
        _ => &[],
    }
}

/// Header names commonly set on a WebSocket handshake.
pub const HEADER_NAMES: &[(&str, &str)] = &[
    ("Authorization", "Credentials, e.g. `Bearer {{TOKEN}}`."),
    (
        "Origin",
        "The page origin; some servers check it (also the `origin` option).",
    ),
    (
        "Sec-WebSocket-Protocol",
        "Requested subprotocols (prefer the `subprotocols` option).",
    ),
    ("Sec-WebSocket-Extensions", "Requested extensions."),
    ("Cookie", "Cookies (prefer a `cookies-table`)."),
    ("User-Agent", "The client's name."),
    ("Accept-Language", "Preferred languages."),
    ("Cache-Control", "Caching directives."),
    ("Pragma", "Legacy caching directive."),
    ("X-Api-Key", "A common API-key header."),
    ("X-Request-Id", "A request id for tracing."),
    ("X-Forwarded-For", "Client address through proxies."),
];

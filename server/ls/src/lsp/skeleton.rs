//! Text of new blocks, in the Voiden app's canonical YAML style (docs/format.md §1.1): what `/wss`,
//! `/ws` and the block-type completions insert. Every node gets a fresh UUID v4 uid.
//!
//! Output is either plain text or an LSP snippet (placeholders for what the user fills in next);
//! [`Template`] keeps literal text and placeholders apart so snippet escaping happens in one
//! place. This module must not look at documents; callers decide where the text goes.

use uuid::Uuid;

/// A piece of inserted text: literal, or a placeholder with a default.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(u32, String),
}

/// Text to insert, renderable as plain text or as an LSP snippet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    fn text(&mut self, s: &str) -> &mut Self {
        self.pieces.push(Piece::Text(s.to_string()));
        self
    }

    fn placeholder(&mut self, n: u32, default: &str) -> &mut Self {
        self.pieces.push(Piece::Placeholder(n, default.to_string()));
        self
    }

    /// Appends literal text.
    pub fn push_text(&mut self, s: &str) {
        self.pieces.push(Piece::Text(s.to_string()));
    }

    /// Appends another template.
    pub fn append(&mut self, other: Template) {
        self.pieces.extend(other.pieces);
    }

    /// The text as typed, with every placeholder's default (and `\n` as the line ending).
    pub fn plain(&self, line_ending: &str) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) | Piece::Placeholder(_, t) => out.push_str(t),
            }
        }
        out.replace('\n', line_ending)
    }

    /// The LSP snippet: literal text escaped (`\`, `$`, `}`), placeholders as `${n:default}`.
    pub fn snippet(&self, line_ending: &str) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(&escape_snippet(t)),
                Piece::Placeholder(n, d) => {
                    out.push_str(&format!("${{{n}:{}}}", escape_snippet(d)))
                }
            }
        }
        out.replace('\n', line_ending)
    }
}

fn escape_snippet(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '$' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fresh UUID v4, as the app writes uids.
pub fn new_uid() -> String {
    Uuid::new_v4().to_string()
}

/// Which WebSocket scheme a skeleton uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Ws,
    Wss,
}

impl Scheme {
    pub fn method(self) -> &'static str {
        match self {
            Scheme::Ws => "WS",
            Scheme::Wss => "WSS",
        }
    }

    pub fn url_prefix(self) -> &'static str {
        match self {
            Scheme::Ws => "ws://",
            Scheme::Wss => "wss://",
        }
    }
}

/// The `/wss` (or `/ws`) section: a `socket-request` block and an example `ws-message`.
pub fn websocket_section(scheme: Scheme) -> Template {
    let mut t = socket_request_block(scheme);
    t.text("\n");
    t.pieces.extend(ws_message_block(2).pieces);
    t
}

/// The `/socketio` section: a `socket-request` to a Socket.IO server, `ws-options` that say
/// `protocol: socket.io` and the namespace, and a message that emits an event on open and
/// waits for its acknowledgement (docs/format.md §4.5).
pub fn socketio_section() -> Template {
    let mut t = socket_request_block_at(Scheme::Ws, "localhost:3000");
    t.text("\n```void\n---\ntype: ws-options\nattrs:\n  uid: ")
        .text(&new_uid())
        .text("\ncontent:\n  - type: table\n    rows:\n")
        .text(&table_row("protocol", "socket.io"))
        .text("      - attrs:\n          disabled: false\n        row:\n          - namespace\n          - ")
        .placeholder(2, "/")
        .text("\n---\n```\n\n```void\n---\ntype: ws-message\nattrs:\n  uid: ")
        .text(&new_uid())
        .text("\n  name: ")
        .placeholder(3, "hello")
        .text("\n  format: json\n  send: on-open\n  body: '")
        .placeholder(4, "{\"text\": \"hello\"}")
        .text("'\n  event: ")
        .placeholder(5, "hello")
        .text("\n  ack: true\n---\n```\n");
    t
}

/// A `socket-request` block (`smethod` and `surl` with fresh uids); the URL is placeholder 1.
fn socket_request_block(scheme: Scheme) -> Template {
    socket_request_block_at(scheme, "localhost:8080/socket")
}

/// [`socket_request_block`] with `address` (after the scheme) as the URL's default.
fn socket_request_block_at(scheme: Scheme, address: &str) -> Template {
    let mut t = Template::default();
    t.text("```void\n---\ntype: socket-request\nattrs:\n  uid: ")
        .text(&new_uid())
        .text("\ncontent:\n  - type: smethod\n    attrs:\n      uid: ")
        .text(&new_uid())
        .text(&format!(
            "\n      method: {m}\n      importedFrom: \"\"\n      visible: true\n    content: {m}\n",
            m = scheme.method()
        ))
        .text("  - type: surl\n    attrs:\n      uid: ")
        .text(&new_uid())
        .text("\n    content: ")
        .text(scheme.url_prefix())
        .placeholder(1, address)
        .text("\n---\n```\n");
    t
}

/// A `ws-message` block sending a JSON example on open.
fn ws_message_block(first_placeholder: u32) -> Template {
    let mut t = Template::default();
    t.text("```void\n---\ntype: ws-message\nattrs:\n  uid: ")
        .text(&new_uid())
        .text("\n  name: ")
        .placeholder(first_placeholder, "hello")
        .text("\n  format: json\n  send: on-open\n  body: |-\n    ")
        .placeholder(first_placeholder + 1, "{\n      \"type\": \"hello\"\n    }")
        .text("\n---\n```\n");
    t
}

/// One `[key, value]` compacted table row in block style, at the app's indentation (`value` as
/// YAML: quoted by the caller where the app quotes it).
fn table_row(key: &str, value: &str) -> String {
    format!(
        "      - attrs:\n          disabled: false\n        row:\n          - {key}\n          - {value}\n"
    )
}

/// The YAML lines after `type: <block type>` for a new block of that type (attrs with a fresh
/// uid, plus a representative content), ending with the closing `---` and fence.
pub fn block_body(block_type: &str) -> Template {
    let mut t = Template::default();
    let uid = new_uid();
    match block_type {
        "socket-request" => {
            // The block minus its opening fence, `---` and `type:` line.
            let full = socket_request_block(Scheme::Wss);
            let mut rest = Template::default();
            let mut skipped = false;
            for piece in full.pieces {
                match (&piece, skipped) {
                    (Piece::Text(s), false) => {
                        if let Some(after) = s.strip_prefix("```void\n---\ntype: socket-request") {
                            rest.pieces.push(Piece::Text(after.to_string()));
                            skipped = true;
                        }
                    }
                    _ => rest.pieces.push(piece),
                }
            }
            return rest;
        }
        "ws-message" => {
            let full = ws_message_block(1);
            for (i, piece) in full.pieces.into_iter().enumerate() {
                match piece {
                    Piece::Text(s) if i == 0 => {
                        t.pieces.push(Piece::Text(
                            s.trim_start_matches("```void\n---\ntype: ws-message")
                                .to_string(),
                        ));
                    }
                    other => t.pieces.push(other),
                }
            }
            return t;
        }
        "ws-options" | "headers-table" | "query-table" | "cookies-table" | "path-table"
        | "options-table" => {
            let (key, value) = match block_type {
                "ws-options" => ("connectTimeout", "10s"),
                "headers-table" => ("Authorization", "Bearer {{TOKEN}}"),
                "query-table" => ("key", "value"),
                "cookies-table" => ("session", "\"{{SESSION}}\""),
                "path-table" => ("id", "1"),
                _ => ("key", "value"),
            };
            t.text(&format!(
                "\nattrs:\n  uid: {uid}\ncontent:\n  - type: table\n    rows:\n"
            ))
            .text(&table_row(key, value))
            .text("---\n```\n");
        }
        "ws-assertions" => {
            t.text(&format!(
                "\nattrs:\n  uid: {uid}\ncontent:\n  - type: table\n    rows:\n"
            ))
            .text("      - attrs:\n          disabled: false\n        row:\n          - ")
            .placeholder(1, "connection opens")
            .text("\n          - connected\n          - equals\n          - \"true\"\n---\n```\n");
        }
        "request-separator" => {
            t.text(&format!(
                "\nattrs:\n  uid: {uid}\n  colorIndex: 0\n  label: "
            ))
            .placeholder(1, "New Request")
            .text("\n---\n```\n");
        }
        "auth" => {
            t.text(&format!("\nattrs:\n  uid: {uid}\n  authType: "))
                .placeholder(1, "bearer")
                .text("\n---\n```\n");
        }
        _ => {
            t.text(&format!("\nattrs:\n  uid: {uid}\n---\n```\n"));
        }
    }
    t
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn uids(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("uid: "))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn skeleton_has_fresh_v4_uids_and_parses_clean() {
        let text = websocket_section(Scheme::Wss).plain("\n");
        let ids = uids(&text);
        assert_eq!(ids.len(), 4);
        for id in &ids {
            let parsed = Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
        }
        let again = uids(&websocket_section(Scheme::Wss).plain("\n"));
        assert!(
            ids.iter().all(|id| !again.contains(id)),
            "uids must be fresh each time"
        );
        let model = void_syntax::parse(&text);
        let errors: Vec<_> = model
            .diagnostics
            .iter()
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{text}");
        assert!(
            text.contains("method: WSS") && text.contains("content: wss://localhost:8080/socket")
        );
        assert_eq!(void_syntax::format(&text), text, "not in the app's style");
        let ws = websocket_section(Scheme::Ws).plain("\n");
        assert!(ws.contains("content: WS\n") && ws.contains("content: ws://"));
    }

    #[test]
    fn the_socketio_section_is_clean_and_in_the_apps_style() {
        let text = socketio_section().plain("\n");
        assert_eq!(uids(&text).len(), 5, "{text}");
        let model = void_syntax::parse(&text);
        assert!(
            model.diagnostics.is_empty(),
            "{:?}\n{text}",
            model.diagnostics
        );
        assert_eq!(void_syntax::format(&text), text, "not in the app's style");
        let section = &model.sections[0];
        assert_eq!(
            section.protocol(&model),
            void_syntax::vocab::Protocol::SocketIo
        );
        assert!(text.contains("event: hello") && text.contains("content: ws://localhost:3000"));
    }

    #[test]
    fn snippets_escape_literal_text() {
        let snippet = websocket_section(Scheme::Wss).snippet("\n");
        assert!(snippet.contains("${1:localhost:8080/socket}"));
        assert!(
            snippet.contains("${3:{\n      \"type\": \"hello\"\n    \\}}"),
            "{snippet}"
        );
        let crlf = websocket_section(Scheme::Wss).plain("\r\n");
        assert!(!crlf.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn block_bodies_complete_a_fence() {
        for ty in [
            "socket-request",
            "ws-message",
            "ws-options",
            "ws-assertions",
            "headers-table",
            "request-separator",
            "auth",
            "json_body",
            "cookies-table",
            "query-table",
            "path-table",
            "options-table",
        ] {
            let text = format!("```void\n---\ntype: {ty}{}", block_body(ty).plain("\n"));
            assert_eq!(
                void_syntax::format(&text),
                text,
                "{ty}: not in the app's style"
            );
            let model = void_syntax::parse(&text);
            assert_eq!(model.blocks.len(), 1, "{text}");
            assert_eq!(model.blocks[0].type_str(), ty, "{text}");
            let errors: Vec<_> = model
                .diagnostics
                .iter()
                .filter(|d| {
                    d.severity == void_syntax::Severity::Error
                        && d.code != void_syntax::codes::WS_BLOCK_OUTSIDE_SECTION
                })
                .collect();
            assert!(errors.is_empty(), "{ty}: {errors:?}\n{text}");
        }
    }
}

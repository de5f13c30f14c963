//! `void-ls serve` (docs/format.md §4.4): a section served on loopback as the server side of
//! its conversation, exercised by a Node `ws` client and by our own runner. The Node client
//! comes from `VOID_TEST_NODE_MODULES` (tests/lib/tools.sh); without it that test fails under
//! `CI=true` and elsewhere says so and skips.
#![allow(clippy::unwrap_used)]

#[path = "../../session/tests/common/mod.rs"]
mod peers;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The node_modules holding `package` (`$VOID_TEST_NODE_MODULES`, else installed through
/// tests/lib/tools.sh), or `None` when there is none: said, and a failure under `CI=true`.
fn node_modules_with(package: &str) -> Option<String> {
    let modules = peers::node_modules().filter(|m| Path::new(m).join(package).is_dir());
    if modules.is_none() {
        peers::missing(&format!(
            "no node_modules with `{package}` (set VOID_TEST_NODE_MODULES or run tests/lib/tools.sh)"
        ));
    }
    modules
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_void-ls")
}

/// One `ws-message` block.
fn message(uid: &str, attrs: &[(&str, &str)]) -> String {
    let mut s = format!("```void\n---\ntype: ws-message\nattrs:\n  uid: {uid}\n");
    for (k, v) in attrs {
        s.push_str(&format!("  {k}: {v}\n"));
    }
    s.push_str("---\n```\n\n");
    s
}

fn request(url: &str) -> String {
    format!(
        "```void\n---\ntype: socket-request\nattrs:\n  uid: 0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c01\ncontent:\n  - type: smethod\n    attrs:\n      uid: 0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c02\n      method: WS\n      importedFrom: \"\"\n      visible: true\n    content: WS\n  - type: surl\n    attrs:\n      uid: 0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c03\n    content: \"{url}\"\n---\n```\n\n"
    )
}

/// The mock: says hello, welcomes a login (capturing the user), answers pings with their id.
fn mock() -> String {
    let mut s = document("A mock login server", "ws://127.0.0.1:9/");
    s.push_str(&message(
        "0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c11",
        &[
            ("name", "hello"),
            ("format", "json"),
            ("send", "on-open"),
            ("body", "'{\"op\": \"hello\"}'"),
        ],
    ));
    s.push_str(&message(
        "0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c12",
        &[
            ("name", "welcome"),
            ("format", "json"),
            ("send", "on-receive"),
            ("body", "'{\"op\": \"welcome\", \"user\": \"{{USER}}\"}'"),
            ("when", "json.op equals login"),
            ("capture", "USER = json.user"),
        ],
    ));
    s.push_str(&message(
        "0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c13",
        &[
            ("name", "pong"),
            ("format", "json"),
            ("send", "on-receive"),
            ("body", "'{\"op\": \"pong\", \"id\": {{$msg.json.id}}}'"),
            ("when", "json.op equals ping"),
        ],
    ));
    // Judged on each client's conversation when it leaves: what the client sent.
    s.push_str(
        "```void\n---\ntype: ws-assertions\nattrs:\n  uid: 0b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c14\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - logs in first\n          - received[0].json.op\n          - equals\n          - login\n      - attrs:\n          disabled: false\n        row:\n          - says bye\n          - received[any].json.op\n          - equals\n          - bye\n---\n```\n",
    );
    s
}

/// `void-ls serve` on a free port: the child (killed when the guard drops), its URL and the
/// lines it says after it (read on a thread).
struct Served {
    child: Child,
    url: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(file: &Path) -> Served {
    let mut child = Command::new(bin())
        .arg("serve")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_default();
    let url = first.trim().to_string();
    assert!(url.starts_with("ws://127.0.0.1:"), "serve said {first:?}");
    Served { child, url, lines }
}

/// A `.void` document titled `title` whose WebSocket section's `socket-request` goes to `url`;
/// blocks are pushed after it.
fn document(title: &str, url: &str) -> String {
    let mut s = format!("# {title}\n\n");
    s.push_str(&request(url));
    s
}

/// Writes `mock` as `mock.void` in `dir` and serves it.
fn serve_mock(dir: &Path, mock: &str) -> Served {
    let file = dir.join("mock.void");
    std::fs::write(&file, mock).unwrap();
    serve(&file)
}

/// Writes `client` as `client.void` in `dir` and runs it (`void-ls run --color never`, then
/// `args`) against `served`, whose URL it gets as `MOCK_URL`.
fn run_client(dir: &Path, client: &str, served: &Served, args: &[&str]) -> std::process::Output {
    let client_file = dir.join("client.void");
    std::fs::write(&client_file, client).unwrap();
    Command::new(bin())
        .arg("run")
        .arg(&client_file)
        .args(["--color", "never"])
        .args(args)
        .arg("--env-var")
        .arg(format!("MOCK_URL={}", served.url))
        .output()
        .unwrap()
}

#[test]
fn a_node_ws_client_talks_to_the_served_mock() {
    let Some(modules) = node_modules_with("ws") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let served = serve_mock(dir.path(), &mock());
    // The client logs in after the hello, pings after the welcome, and prints what it got.
    let script = r#"
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1]);
const got = [];
const timer = setTimeout(() => { console.log(JSON.stringify(got)); process.exit(1); }, 20000);
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  got.push(m);
  if (m.op === 'hello') ws.send(JSON.stringify({ op: 'login', user: 'ada' }));
  if (m.op === 'welcome') ws.send(JSON.stringify({ op: 'ping', id: 7 }));
  if (m.op === 'pong') { clearTimeout(timer); console.log(JSON.stringify(got)); ws.close(); }
});
"#;
    let out = Command::new("node")
        .env("NODE_PATH", &modules)
        .args(["-e", script, &served.url])
        .output()
        .unwrap();
    let got = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{got}");
    assert_eq!(
        got.trim(),
        r#"[{"op":"hello"},{"op":"welcome","user":"ada"},{"op":"pong","id":7}]"#
    );
    // The section's rows are judged on the client's side of the conversation when it leaves.
    wait_for_lines(
        &served,
        &[
            "#1 assertions: ✓1 ✗1",
            "#1 ✗ says bye: received[any].json.op equals bye: actual (no value)",
        ],
    );
}

#[test]
fn our_runner_passes_against_the_served_mock() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_mock(dir.path(), &mock());
    let mut client = document("A client of the mock", "{{MOCK_URL}}");
    client.push_str(&message(
        "1b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c11",
        &[
            ("name", "login"),
            ("format", "json"),
            ("send", "on-receive"),
            ("body", "'{\"op\": \"login\", \"user\": \"ada\"}'"),
            ("when", "json.op equals hello"),
        ],
    ));
    client.push_str(&message(
        "1b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c12",
        &[
            ("name", "ping"),
            ("format", "json"),
            ("send", "on-receive"),
            ("body", "'{\"op\": \"ping\", \"id\": 7}'"),
            ("when", "json.op equals welcome"),
        ],
    ));
    client.push_str(
        "```void\n---\ntype: ws-assertions\nattrs:\n  uid: 1b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c13\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - welcomed\n          - received[1].json.user\n          - equals\n          - ada\n      - attrs:\n          disabled: false\n        row:\n          - ponged\n          - received[2].json.id\n          - equals\n          - \"7\"\n---\n```\n",
    );
    let out = run_client(dir.path(), &client, &served, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("pass welcomed") && stdout.contains("pass ponged"),
        "{stdout}"
    );
}

#[test]
fn serve_refuses_what_it_cannot_serve_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mock.void");
    std::fs::write(&file, mock()).unwrap();
    let out = Command::new(bin())
        .arg("serve")
        .arg(&file)
        .args(["--section", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no WebSocket section labelled `nope`"),
        "{err}"
    );
}

/// The shipped mock (`examples/login-mock.void`, served by the real `void-ls serve`) stands in
/// for the login server: the unchanged `examples/login.void` passes against it.
#[test]
fn the_shipped_login_client_passes_against_the_shipped_mock() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let served = serve(&examples.join("login-mock.void"));
    let out = Command::new(bin())
        .arg("run")
        .arg(examples.join("login.void"))
        .args(["--color", "never", "--env-var"])
        .arg(format!("ECHO_URL={}", served.url))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("pass The token is accepted")
            && stdout.contains("pass Three pings were answered"),
        "{stdout}"
    );
    // The mock's own row holds for the client's side of the conversation too.
    wait_for_lines(&served, &["#1 assertions: ✓1 ✗0"]);
}

/// One `ws-options` block.
fn options(uid: &str, rows: &[(&str, &str)]) -> String {
    let mut s = format!(
        "```void\n---\ntype: ws-options\nattrs:\n  uid: {uid}\ncontent:\n  - type: table\n    rows:\n"
    );
    for (k, v) in rows {
        s.push_str(&format!(
            "      - attrs:\n          disabled: false\n        row:\n          - {k}\n          - {v}\n"
        ));
    }
    s.push_str("---\n```\n\n");
    s
}

/// A Socket.IO mock on namespace `/chat` that wants `auth` `{"user": "ada"}`: welcomes each
/// client, echoes `chat` (and asks the client to acknowledge a `confirm`), acknowledges `sum`
/// with its argument's `a`, and answers an `upload` with a binary `file`. It pings every
/// 200 ms.
fn socketio_mock() -> String {
    let mut s = document("A Socket.IO mock", "ws://127.0.0.1:9/");
    s.push_str(&options(
        "2b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c01",
        &[
            ("protocol", "socket.io"),
            ("namespace", "/chat"),
            ("auth", "'{\"user\": \"ada\"}'"),
            ("pingInterval", "200ms"),
            ("pongTimeout", "5s"),
        ],
    ));
    let replies: [&[(&str, &str)]; 5] = [
        &[
            ("name", "welcome"),
            ("format", "json"),
            ("send", "on-open"),
            ("event", "welcome"),
            ("body", "'{\"room\": \"lobby\"}'"),
        ],
        &[
            ("name", "echo"),
            ("format", "json"),
            ("send", "on-receive"),
            ("when", "event equals chat"),
            ("event", "chat"),
            ("body", "'{\"echo\": \"{{$msg.json.text}}\"}'"),
        ],
        &[
            ("name", "confirm"),
            ("format", "json"),
            ("send", "on-receive"),
            ("when", "event equals chat"),
            ("event", "confirm"),
            ("ack", "true"),
            ("body", "'{\"please\": \"ack\"}'"),
        ],
        &[
            ("name", "sum"),
            ("format", "json"),
            ("send", "on-receive"),
            ("when", "event equals sum"),
            ("body", "'{\"ok\": true, \"a\": {{$msg.json.a}}}'"),
        ],
        &[
            ("name", "file"),
            ("format", "binary"),
            ("send", "on-receive"),
            ("when", "event equals upload"),
            ("event", "file"),
            ("body", "AAECAw=="),
        ],
    ];
    for (i, attrs) in replies.iter().enumerate() {
        s.push_str(&message(
            &format!("2b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c1{i}"),
            attrs,
        ));
    }
    s
}

/// Waits (bounded only for failure) until `void-ls serve` has said every one of `wanted`, and
/// returns all it said.
fn wait_for_lines(served: &Served, wanted: &[&str]) -> String {
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !wanted.iter().all(|w| seen.contains(w)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match served.lines.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => panic!("serve never said all of {wanted:?}; it said:\n{seen}"),
        }
    }
    seen
}

/// `void-ls serve` of a Socket.IO section, held by npm `socket.io-client` 4.8 on the WebSocket
/// transport: the namespace and `auth` refused and accepted, the on-open event, a reply event,
/// acknowledgements both ways, a binary attachment both ways and the server's pings.
#[test]
fn a_socketio_client_talks_to_the_served_socketio_mock() {
    let Some(modules) = node_modules_with("socket.io-client") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let served = serve_mock(dir.path(), &socketio_mock());
    let script = r#"
const { io } = require('socket.io-client');
const url = process.argv[1];
const out = {};
const wanted = ['refused', 'otherNamespace', 'welcome', 'chat', 'confirm', 'ack', 'file', 'pinged'];
const timer = setTimeout(() => { console.log(JSON.stringify(out)); process.exit(1); }, 20000);
const sockets = [];
const open = (ns, auth) => {
  const s = io(url + ns, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  sockets.push(s);
  return s;
};
const step = () => {
  if (!wanted.every((k) => k in out)) return;
  clearTimeout(timer);
  sockets.forEach((s) => s.close());
  console.log(JSON.stringify(out));
};
const eve = open('/chat', { user: 'eve' });
eve.on('connect_error', (e) => { out.refused = e.message; step(); });
const other = open('/other', { user: 'ada' });
other.on('connect_error', (e) => { out.otherNamespace = e.message; step(); });
const s = open('/chat', { user: 'ada' });
s.io.on('ping', () => { out.pinged = true; step(); });
s.on('welcome', (m) => {
  out.welcome = m;
  s.emit('chat', { text: 'hi' });
  s.emit('sum', { a: 2 }, (r) => { out.ack = r; step(); });
  s.emit('upload', Buffer.from([9, 8, 7]));
});
s.on('chat', (m) => { out.chat = m; step(); });
s.on('confirm', (m, cb) => { out.confirm = m; cb('seen'); step(); });
s.on('file', (b) => { out.file = [...b]; step(); });
"#;
    let out = Command::new("node")
        .env("NODE_PATH", &modules)
        .args(["-e", script, &served.url])
        .output()
        .unwrap();
    let got = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{got}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_str(got.trim()).unwrap();
    assert_eq!(
        got,
        serde_json::json!({
            "refused": "not authorized",
            "otherNamespace": "Invalid namespace",
            "welcome": {"room": "lobby"},
            "chat": {"echo": "hi"},
            "confirm": {"please": "ack"},
            "ack": {"ok": true, "a": 2},
            "file": [0, 1, 2, 3],
            "pinged": true,
        })
    );
    // The log speaks in events: the client's ack of `confirm`, its attachment, the refusals.
    let said = wait_for_lines(
        &served,
        &[
            "refused namespace /chat with auth {\"user\":\"eve\"}: its auth does not have the section's `user`",
            "refused namespace /other",
            "connected to namespace /chat with auth {\"user\":\"ada\"}",
            "← chat {\"text\":\"hi\"}",
            "→ sum (reply to ← sum #2) · ack #0 · {\"ok\":true,\"a\":2}",
            "← upload \"CQgH\" · 1 binary attachment",
            "← ack of confirm · \"seen\"",
        ],
    );
    assert!(!said.contains("did not answer the ping"), "{said}");
}

/// Our runner as the Socket.IO client of the served Socket.IO mock: its ack is read by an
/// assertion row, and the JUnit report of a reply that could not be sent names the reply, its
/// rule and the event it answered.
#[test]
fn our_runner_talks_socketio_to_the_served_mock_and_junit_names_the_event_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_mock(dir.path(), &socketio_mock());
    let mut client = document("A Socket.IO client of the mock", "{{MOCK_URL}}");
    client.push_str(&options(
        "3b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c01",
        &[
            ("protocol", "socket.io"),
            ("namespace", "/chat"),
            ("auth", "'{\"user\": \"ada\"}'"),
            ("runTimeout", "20s"),
        ],
    ));
    client.push_str(&message(
        "3b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c11",
        &[
            ("name", "sum"),
            ("format", "json"),
            ("send", "on-open"),
            ("event", "sum"),
            ("ack", "true"),
            ("body", "'{\"a\": 2}'"),
        ],
    ));
    client.push_str(&message(
        "3b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c12",
        &[
            ("name", "greet"),
            ("format", "json"),
            ("send", "on-receive"),
            ("when", "json.room equals lobby"),
            ("event", "chat"),
            ("body", "'{\"text\": \"{{$msg.json.topic}}\"}'"),
        ],
    ));
    client.push_str(
        "```void\n---\ntype: ws-assertions\nattrs:\n  uid: 3b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c13\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - welcomed\n          - received[0].event\n          - equals\n          - welcome\n      - attrs:\n          disabled: false\n        row:\n          - summed\n          - received[any].ack.a\n          - equals\n          - \"2\"\n---\n```\n",
    );
    let out = run_client(dir.path(), &client, &served, &["--reporter", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{xml}");
    assert!(
        xml.contains("tests=\"1\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure type=\"reply\" message=\"reply greet (when json.room equals lobby) to ← welcome lobby #1 was not sent: "
        ),
        "{xml}"
    );
    assert!(!xml.contains("type=\"assertion\""), "{xml}");
}

/// A served section that names a `transcript` writes one per client (`served-1.jsonl`): what
/// came in, what went out and how it ended, with a value captured under a secret name masked
/// everywhere, in the log as in the transcript, the message that brought it included.
#[test]
fn each_served_client_gets_a_transcript_with_captured_secrets_masked() {
    const TOKEN: &str = "tok-4f9a2c7e11";
    let dir = tempfile::tempdir().unwrap();
    let mut mock = document("A mock that keeps a transcript", "ws://127.0.0.1:9/");
    mock.push_str(&options(
        "4b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c01",
        &[("transcript", "served.jsonl")],
    ));
    mock.push_str(&message(
        "4b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c11",
        &[
            ("name", "welcome"),
            ("format", "json"),
            ("send", "on-receive"),
            ("when", "json.op equals login"),
            ("capture", "USER_TOKEN = json.token"),
            (
                "body",
                "'{\"op\": \"welcome\", \"token\": \"{{USER_TOKEN}}\"}'",
            ),
        ],
    ));
    let served = serve_mock(dir.path(), &mock);
    let mut client = document("A client", "{{MOCK_URL}}");
    client.push_str(&message(
        "5b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c11",
        &[
            ("name", "login"),
            ("format", "json"),
            ("send", "on-open"),
            (
                "body",
                &format!("'{{\"op\": \"login\", \"token\": \"{TOKEN}\"}}'"),
            ),
        ],
    ));
    client.push_str(
        "```void\n---\ntype: ws-assertions\nattrs:\n  uid: 5b6f5a1e-7c1d-4e84-9c7b-3f2a1d0e9c13\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - welcomed\n          - received[0].json.op\n          - equals\n          - welcome\n---\n```\n",
    );
    let out = run_client(dir.path(), &client, &served, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let said = wait_for_lines(&served, &["#1 ✕ closed"]);
    assert!(
        !said.contains(TOKEN),
        "the log shows the captured secret:\n{said}"
    );
    let transcript = std::fs::read_to_string(dir.path().join("served-1.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = transcript
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["dir"].as_str().unwrap().into(),
                r["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("event".to_string(), "open".to_string()),
            ("in".into(), "text".into()),
            ("out".into(), "json".into()),
            ("event".into(), "close".into()),
        ],
        "{transcript}"
    );
    assert!(!transcript.contains(TOKEN), "{transcript}");
    assert!(transcript.contains("login"), "{transcript}");
}

/// socket.io-client's default first request (HTTP long-polling) is not served, and the log says
/// why in words: the WebSocket transport is the only one.
#[test]
fn a_polling_request_to_a_served_socketio_section_is_explained_in_the_log() {
    use std::io::{Read as _, Write as _};
    let dir = tempfile::tempdir().unwrap();
    let served = serve_mock(dir.path(), &socketio_mock());
    let address = served.url.trim_start_matches("ws://").to_string();
    let mut tcp = std::net::TcpStream::connect(&address).unwrap();
    write!(
        tcp,
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .unwrap();
    // The server closes the connection (bounded only for failure).
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    wait_for_lines(
        &served,
        &[
            "#1 ✕ a plain HTTP request, not a WebSocket upgrade (socket.io-client's default polling transport?)",
        ],
    );
}

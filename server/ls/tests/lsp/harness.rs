//! An in-process LSP client speaking real JSON-RPC (Content-Length framing) to the server over
//! `tokio::io::duplex`, with timeouts on every wait. Server-to-client requests
//! (`client/registerCapability`, `workspace/configuration`, `window/workDoneProgress/create`,
//! `workspace/textDocumentContent/refresh`, ...) are answered by the reader task as soon as they
//! arrive, so a server that awaits its own request never stalls a test, and recorded.
//! Notifications are queued for `wait_notification` (which consumes them); every notification
//! and server request is also kept, in arrival order, in an append-only log for `mark`,
//! `wait_for` and `count` (the session tests, which look at what arrived after a point).
//! [`TestClient::spawn_process`] drives the real binary over its stdio instead (the hostile
//! input tests: the process's exit code, its memory, its stderr, every byte it wrote).
//! This is the only JSON-RPC test client of the language server: extend it, do not copy it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, oneshot};

pub const TIMEOUT: Duration = Duration::from_secs(30);

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;
/// The client's write side, shared by the test and the reader task (which answers server
/// requests); each frame is written while holding the lock, so frames never interleave.
type SharedWriter = Arc<tokio::sync::Mutex<Box<dyn AsyncWrite + Send + Unpin>>>;

/// The server a client talks to: a task in this process, or the binary as a child process.
enum Server {
    Task(tokio::task::JoinHandle<void_ls::lsp::transport::Ending>),
    Process(tokio::process::Child),
}

pub struct TestClient {
    writer: SharedWriter,
    next_id: i64,
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    /// Every notification and server request, in arrival order; never consumed.
    arrivals: Arc<Mutex<Vec<Value>>>,
    notified: Arc<Notify>,
    /// Server-to-client requests received, in order.
    pub server_requests: Arc<Mutex<Vec<Value>>>,
    /// Responses that carried no id we know (e.g. parse errors: `id: null`).
    pub orphan_responses: Arc<Mutex<Vec<Value>>>,
    /// Every byte the server wrote, in order (kept for a child process only).
    pub received_bytes: Arc<Mutex<Vec<u8>>>,
    server: Server,
}

/// Client capabilities of a modern editor (UTF-8 offered, snippets, hierarchical symbols).
pub fn modern_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-8", "utf-16"] },
        "textDocument": {
            "completion": { "completionItem": { "snippetSupport": true } },
            "documentSymbol": { "hierarchicalDocumentSymbolSupport": true },
            "hover": { "contentFormat": ["markdown", "plaintext"] },
            "synchronization": { "dynamicRegistration": false }
        },
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true }, "configuration": true }
    })
}

/// Client capabilities of an old editor (UTF-16 only, no snippets, flat symbols).
pub fn basic_capabilities() -> Value {
    json!({})
}

impl TestClient {
    /// Starts a server and runs `initialize` + `initialized`.
    pub async fn start(
        capabilities: Value,
        initialization_options: Value,
        root: Option<&std::path::Path>,
    ) -> (TestClient, Value) {
        let mut client = Self::spawn();
        let result = client
            .initialize(capabilities, initialization_options, root)
            .await;
        (client, result)
    }

    /// Starts a server without initializing it.
    pub fn spawn() -> TestClient {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        let server = tokio::spawn(void_ls::lsp::serve(server_read, server_write));
        let (reader, writer) = tokio::io::split(client_side);
        Self::connect(
            Box::new(reader),
            Box::new(writer),
            Server::Task(server),
            false,
        )
    }

    /// Starts `command` (the `void-ls` binary) and talks to it over its stdin and stdout; its
    /// stderr goes where `command` says. Nothing is sent yet.
    pub fn spawn_process(mut command: tokio::process::Command) -> TestClient {
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("the server binary starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        Self::connect(
            Box::new(stdout),
            Box::new(stdin),
            Server::Process(child),
            true,
        )
    }

    /// Starts [`Self::spawn_process`] and runs `initialize` + `initialized`.
    pub async fn start_process(
        command: tokio::process::Command,
        capabilities: Value,
        initialization_options: Value,
        root: Option<&std::path::Path>,
    ) -> (TestClient, Value) {
        let mut client = Self::spawn_process(command);
        let result = client
            .initialize(capabilities, initialization_options, root)
            .await;
        (client, result)
    }

    fn connect(
        reader: Box<dyn AsyncRead + Send + Unpin>,
        writer: Box<dyn AsyncWrite + Send + Unpin>,
        server: Server,
        keep_bytes: bool,
    ) -> TestClient {
        let client = TestClient {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            next_id: 1,
            pending: Arc::default(),
            notifications: Arc::default(),
            arrivals: Arc::default(),
            notified: Arc::default(),
            server_requests: Arc::default(),
            orphan_responses: Arc::default(),
            received_bytes: Arc::default(),
            server,
        };
        client.start_reader(reader, keep_bytes);
        client
    }

    /// `initialize` + `initialized`; the result of `initialize`.
    async fn initialize(
        &mut self,
        capabilities: Value,
        initialization_options: Value,
        root: Option<&std::path::Path>,
    ) -> Value {
        let root_uri = root.map(file_uri);
        let folders = root_uri
            .as_ref()
            .map(|u| json!([{ "uri": u, "name": "root" }]))
            .unwrap_or(Value::Null);
        let result = self
            .request("initialize", json!({ "processId": null, "rootUri": root_uri, "workspaceFolders": folders, "capabilities": capabilities, "initializationOptions": initialization_options, "clientInfo": {"name": "void-test"} }))
            .await
            .expect("initialize succeeds");
        self.notify("initialized", json!({})).await;
        result
    }

    /// The process id of a server started with [`Self::spawn_process`].
    pub fn process_id(&self) -> Option<u32> {
        match &self.server {
            Server::Process(child) => child.id(),
            Server::Task(_) => None,
        }
    }

    fn start_reader(&self, mut reader: Box<dyn AsyncRead + Send + Unpin>, keep_bytes: bool) {
        let received = Received {
            pending: self.pending.clone(),
            notifications: self.notifications.clone(),
            arrivals: self.arrivals.clone(),
            server_requests: self.server_requests.clone(),
            orphans: self.orphan_responses.clone(),
        };
        let notified = self.notified.clone();
        let writer = self.writer.clone();
        let kept = self.received_bytes.clone();
        tokio::spawn(async move {
            let mut buffer = Vec::new();
            let mut chunk = vec![0u8; 1 << 16];
            loop {
                while let Some((message, used)) = take_frame(&buffer) {
                    buffer.drain(..used);
                    if let Some(answer) = answer_to_server_request(&message) {
                        if write_frame(&writer, &answer).await.is_err() {
                            break;
                        }
                    }
                    received.dispatch(message);
                    notified.notify_waiters();
                }
                match reader.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if keep_bytes {
                            kept.lock().unwrap().extend_from_slice(&chunk[..n]);
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                }
            }
            notified.notify_waiters();
        });
    }

    /// Writes raw bytes (for malformed-input tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        write_bytes(&self.writer, bytes)
            .await
            .expect("server reads");
    }

    async fn send(&mut self, message: &Value) {
        write_frame(&self.writer, message)
            .await
            .expect("server reads");
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await;
    }

    /// Sends a request and returns a receiver for its response (pipelining).
    pub async fn request_start(&mut self, method: &str, params: Value) -> oneshot::Receiver<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        rx
    }

    /// Sends a request and waits for its result (`Err` holds the JSON-RPC error object).
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.request_within(method, params, TIMEOUT).await
    }

    /// [`Self::request`] with a chosen timeout.
    pub async fn request_within(
        &mut self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, Value> {
        let rx = self.request_start(method, params).await;
        let response = tokio::time::timeout(timeout, rx)
            .await
            .unwrap_or_else(|_| panic!("{method}: no response within {timeout:?}"))
            .expect("response");
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// Waits for the next notification matching `method` and `pred`, consuming it and any
    /// earlier notifications of that method.
    pub async fn wait_notification(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        self.wait_notification_within(method, pred, TIMEOUT).await
    }

    /// [`Self::wait_notification`] with a chosen timeout.
    pub async fn wait_notification_within(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        let notify = self.notified.clone();
        loop {
            let notified = notify.notified();
            {
                let mut queue = self.notifications.lock().unwrap();
                if let Some(pos) = queue
                    .iter()
                    .position(|n| n["method"] == method && pred(&n["params"]))
                {
                    let found = queue.remove(pos);
                    queue.retain(|n| n["method"] != method);
                    return found["params"].clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "no {method} notification matched within {timeout:?}; queued: {:?}",
                    self.notifications.lock().unwrap()
                );
            }
        }
    }

    /// `workspace/executeCommand` with one argument.
    pub async fn command(&mut self, command: &str, argument: Value) -> Result<Value, Value> {
        self.request(
            "workspace/executeCommand",
            json!({ "command": command, "arguments": [argument] }),
        )
        .await
    }

    /// The current end of the arrival log: pass it to [`Self::wait_for`] or
    /// [`Self::arrivals_since`] to look only at what arrives afterwards.
    pub fn mark(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// Waits for a notification or server request with `method` whose params satisfy `pred`,
    /// at or after position `from` of the arrival log (0: since the start). Consumes nothing.
    /// Returns (params, position).
    pub async fn wait_for(
        &self,
        method: &str,
        from: usize,
        pred: impl Fn(&Value) -> bool,
    ) -> (Value, usize) {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let notified = self.notified.notified();
            {
                let arrivals = self.arrivals.lock().unwrap();
                if let Some((i, m)) = arrivals
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, m)| m["method"] == method && pred(&m["params"]))
                {
                    return (m["params"].clone(), i);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self
                    .arrivals
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|m| format!("{} {}", m["method"], m["params"]))
                    .collect();
                panic!(
                    "no {method} matched within {TIMEOUT:?}; received:\n{}",
                    seen.join("\n")
                );
            }
        }
    }

    /// How many notifications and server requests with `method` arrived so far.
    pub fn count(&self, method: &str) -> usize {
        self.arrivals
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["method"] == method)
            .count()
    }

    /// How many messages with `method` whose params satisfy `pred` arrived at or after `from`.
    pub fn count_since(&self, from: usize, method: &str, pred: impl Fn(&Value) -> bool) -> usize {
        self.arrivals
            .lock()
            .unwrap()
            .iter()
            .skip(from)
            .filter(|m| m["method"] == method && pred(&m["params"]))
            .count()
    }

    /// Waits for diagnostics of `uri` at `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self
            .wait_notification("textDocument/publishDiagnostics", |p| {
                p["uri"] == uri && p["version"] == version
            })
            .await;
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "void", "version": 1, "text": text } })).await;
    }

    /// An unsaved edit replacing the whole of `uri` with `text`, as `version`.
    pub async fn replace_text(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        )
        .await;
    }

    /// An unsaved edit inserting `text` at the LSP position `at` of `uri`, as `version`.
    pub async fn insert_text(&mut self, uri: &str, version: i64, at: &Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": { "start": at, "end": at }, "text": text }] }),
        )
        .await;
    }

    /// Writes `text` to `path` and opens it: its URI.
    pub async fn open_file(&mut self, path: &std::path::Path, text: &str) -> String {
        std::fs::write(path, text).unwrap();
        let uri = file_uri(path);
        self.open(&uri, text).await;
        uri
    }

    /// The code lenses of `uri`.
    pub async fn code_lenses(&mut self, uri: &str) -> Value {
        self.request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap()
    }

    /// The inlay hints of the first `lines` lines of `uri`.
    pub async fn inlay_hints(&mut self, uri: &str, lines: u32) -> Value {
        self.request(
            "textDocument/inlayHint",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } } }),
        )
        .await
        .unwrap()
    }

    /// The server's copy of a document (`void/debugDocument`).
    pub async fn server_text(&mut self, uri: &str) -> (i64, String) {
        let result = self
            .request("void/debugDocument", json!({ "uri": uri }))
            .await
            .expect("debugDocument");
        (
            result["version"].as_i64().unwrap_or(-1),
            result["text"].as_str().unwrap_or_default().to_string(),
        )
    }

    pub async fn shutdown(mut self) {
        let _ = self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        let _ = self.stopped().await;
    }

    /// Waits for the server to stop; for a child process, its exit code.
    async fn stopped(&mut self) -> Option<Option<i32>> {
        match &mut self.server {
            Server::Task(task) => tokio::time::timeout(TIMEOUT, task).await.ok().map(|_| None),
            Server::Process(child) => tokio::time::timeout(TIMEOUT, child.wait())
                .await
                .ok()
                .and_then(Result::ok)
                .map(|status| status.code()),
        }
    }

    /// Waits for the server to stop (after the test sent `exit` or closed the stream) and says
    /// how it ended; `None` if it did not stop in time.
    pub async fn ending(mut self) -> Option<void_ls::lsp::transport::Ending> {
        match &mut self.server {
            Server::Task(task) => tokio::time::timeout(TIMEOUT, task)
                .await
                .ok()
                .and_then(Result::ok),
            Server::Process(_) => panic!("a process server has an exit code: use exit_code"),
        }
    }

    /// `shutdown` (unless `skip_shutdown`), `exit`, and the exit code of a server process.
    pub async fn exit_code(mut self, skip_shutdown: bool) -> Option<i32> {
        if !skip_shutdown {
            let _ = self.request("shutdown", Value::Null).await;
        }
        self.notify("exit", Value::Null).await;
        self.stopped().await.flatten()
    }

    pub fn is_server_running(&mut self) -> bool {
        match &mut self.server {
            Server::Task(task) => !task.is_finished(),
            Server::Process(child) => matches!(child.try_wait(), Ok(None)),
        }
    }
}

/// Where the reader task files each message from the server.
struct Received {
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    arrivals: Arc<Mutex<Vec<Value>>>,
    server_requests: Arc<Mutex<Vec<Value>>>,
    orphans: Arc<Mutex<Vec<Value>>>,
}

impl Received {
    fn dispatch(&self, message: Value) {
        let has_method = message.get("method").is_some();
        if has_method {
            self.arrivals.lock().unwrap().push(message.clone());
        }
        match (has_method, message.get("id")) {
            (true, Some(_)) => self.server_requests.lock().unwrap().push(message),
            (true, None) => self.notifications.lock().unwrap().push(message),
            (false, Some(id)) => match id
                .as_i64()
                .and_then(|id| self.pending.lock().unwrap().remove(&id))
            {
                Some(tx) => {
                    let _ = tx.send(message);
                }
                None => self.orphans.lock().unwrap().push(message),
            },
            (false, None) => self.orphans.lock().unwrap().push(message),
        }
    }
}

/// The response to a server-to-client request (`None` for anything else): `[null]` (no
/// settings) for `workspace/configuration`, `null` for the rest, which is a valid result for
/// every request the server sends.
fn answer_to_server_request(message: &Value) -> Option<Value> {
    let method = message.get("method")?.as_str()?;
    let id = message.get("id")?;
    let result = match method {
        "workspace/configuration" => json!([null]),
        _ => Value::Null,
    };
    Some(json!({ "jsonrpc": "2.0", "id": id, "result": result }))
}

async fn write_frame(writer: &SharedWriter, message: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(message).expect("json");
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(&body);
    write_bytes(writer, &frame).await
}

async fn write_bytes(writer: &SharedWriter, bytes: &[u8]) -> std::io::Result<()> {
    let mut writer = writer.lock().await;
    writer.write_all(bytes).await?;
    writer.flush().await
}

fn take_frame(buffer: &[u8]) -> Option<(Value, usize)> {
    let header_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let header = std::str::from_utf8(&buffer[..header_end]).ok()?;
    let length: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())?;
    let start = header_end + 4;
    if buffer.len() < start + length {
        return None;
    }
    let message =
        serde_json::from_slice(&buffer[start..start + length]).expect("server sends valid JSON");
    Some((message, start + length))
}

pub fn file_uri(path: &std::path::Path) -> String {
    tower_lsp_server::ls_types::Uri::from_file_path(path)
        .expect("absolute path")
        .as_str()
        .to_string()
}

/// The titles of `lenses`, in order.
pub fn lens_titles(lenses: &Value) -> Vec<String> {
    lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The first of `lenses` whose title is `title`.
pub fn lens_titled<'a>(lenses: &'a Value, title: &str) -> &'a Value {
    lens_where(lenses, title, |t| t == title)
}

/// The first of `lenses` whose title contains `part`.
pub fn lens_containing<'a>(lenses: &'a Value, part: &str) -> &'a Value {
    lens_where(lenses, part, |t| t.contains(part))
}

fn lens_where<'a>(lenses: &'a Value, what: &str, pred: impl Fn(&str) -> bool) -> &'a Value {
    lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| pred(l["command"]["title"].as_str().unwrap_or("")))
        .unwrap_or_else(|| panic!("no `{what}` lens in {:?}", lens_titles(lenses)))
}

/// A string field of an answer (`sessionId`, `logUri`).
pub fn text_field(answer: &Value, field: &str) -> String {
    answer[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {answer}"))
        .to_string()
}

/// Replaces every UUID with `<uuid>` so snapshots are stable.
pub fn redact_uuids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if i + 36 <= text.len()
            && text.is_char_boundary(i)
            && text.is_char_boundary(i + 36)
            && is_uuid(&text[i..i + 36])
        {
            out.push_str("<uuid>");
            i += 36;
        } else {
            let ch = text[i..].chars().next().expect("char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    let _ = bytes;
    out
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The cursor marker of test texts, as in rust-analyzer's and texlab's tests.
pub const CURSOR: &str = "$0";

/// `marked` without its one [`CURSOR`] marker, and the LSP position where it was (UTF-16).
pub fn cursor(marked: &str) -> (String, Value) {
    let offset = marked
        .find(CURSOR)
        .unwrap_or_else(|| panic!("no {CURSOR} in {marked:?}"));
    let text = marked.replacen(CURSOR, "", 1);
    assert!(
        !text.contains(CURSOR),
        "more than one {CURSOR} in {marked:?}"
    );
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    (text, json!({ "line": line, "character": character }))
}

/// `line:col-line:col` of an LSP range.
pub fn range_text(range: &Value) -> String {
    format!(
        "{}:{}-{}:{}",
        range["start"]["line"],
        range["start"]["character"],
        range["end"]["line"],
        range["end"]["character"]
    )
}

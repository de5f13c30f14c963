//! An in-process LSP client speaking real JSON-RPC (Content-Length framing) to the server over
//! `tokio::io::duplex`, with timeouts on every wait. Server-to-client requests
//! (`client/registerCapability`, `workspace/configuration`) are answered automatically and
//! recorded; notifications are queued for `wait_notification`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{Notify, oneshot};

pub const TIMEOUT: Duration = Duration::from_secs(30);

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

pub struct TestClient {
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    notified: Arc<Notify>,
    /// Server-to-client requests received, in order.
    pub server_requests: Arc<Mutex<Vec<Value>>>,
    /// Responses that carried no id we know (e.g. parse errors: `id: null`).
    pub orphan_responses: Arc<Mutex<Vec<Value>>>,
    server: tokio::task::JoinHandle<()>,
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
        let root_uri = root.map(file_uri);
        let folders = root_uri
            .as_ref()
            .map(|u| json!([{ "uri": u, "name": "root" }]))
            .unwrap_or(Value::Null);
        let result = client
            .request("initialize", json!({ "processId": null, "rootUri": root_uri, "workspaceFolders": folders, "capabilities": capabilities, "initializationOptions": initialization_options, "clientInfo": {"name": "void-test"} }))
            .await
            .expect("initialize succeeds");
        client.notify("initialized", json!({})).await;
        (client, result)
    }

    /// Starts a server without initializing it.
    pub fn spawn() -> TestClient {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        let server = tokio::spawn(void_ls::lsp::serve(server_read, server_write));
        let (reader, writer) = tokio::io::split(client_side);
        let client = TestClient {
            writer,
            next_id: 1,
            pending: Arc::default(),
            notifications: Arc::default(),
            notified: Arc::default(),
            server_requests: Arc::default(),
            orphan_responses: Arc::default(),
            server,
        };
        client.start_reader(reader);
        client
    }

    fn start_reader(&self, mut reader: ReadHalf<DuplexStream>) {
        let pending = self.pending.clone();
        let notifications = self.notifications.clone();
        let notified = self.notified.clone();
        let server_requests = self.server_requests.clone();
        let orphans = self.orphan_responses.clone();
        // Server-to-client requests are answered through this channel by the writer side.
        tokio::spawn(async move {
            let mut buffer = Vec::new();
            let mut chunk = vec![0u8; 1 << 16];
            loop {
                while let Some((message, used)) = take_frame(&buffer) {
                    buffer.drain(..used);
                    dispatch(
                        message,
                        &pending,
                        &notifications,
                        &notified,
                        &server_requests,
                        &orphans,
                    );
                }
                match reader.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
            notified.notify_waiters();
        });
    }

    /// Writes raw bytes (for malformed-input tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("server reads");
        self.writer.flush().await.expect("flush");
    }

    async fn send(&mut self, message: &Value) {
        // Answer queued server-to-client requests first.
        let body = serde_json::to_vec(message).expect("json");
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        self.send_raw(&frame).await;
        self.answer_server_requests().await;
    }

    async fn answer_server_requests(&mut self) {
        let unanswered: Vec<Value> = {
            let requests = self.server_requests.lock().unwrap();
            requests
                .iter()
                .filter(|r| r.get("answered").is_none())
                .cloned()
                .collect()
        };
        if unanswered.is_empty() {
            return;
        }
        {
            let mut requests = self.server_requests.lock().unwrap();
            for r in requests.iter_mut() {
                r["answered"] = json!(true);
            }
        }
        for request in unanswered {
            let result = match request["method"].as_str() {
                Some("workspace/configuration") => json!([null]),
                _ => Value::Null,
            };
            let response = json!({ "jsonrpc": "2.0", "id": request["id"], "result": result });
            let body = serde_json::to_vec(&response).expect("json");
            let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            frame.extend_from_slice(&body);
            self.send_raw(&frame).await;
        }
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
            self.answer_server_requests().await;
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "no {method} notification matched within {timeout:?}; queued: {:?}",
                    self.notifications.lock().unwrap()
                );
            }
        }
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
        let _ = tokio::time::timeout(TIMEOUT, &mut self.server).await;
    }

    pub fn is_server_running(&self) -> bool {
        !self.server.is_finished()
    }
}

fn dispatch(
    message: Value,
    pending: &Pending,
    notifications: &Mutex<Vec<Value>>,
    notified: &Notify,
    server_requests: &Mutex<Vec<Value>>,
    orphans: &Mutex<Vec<Value>>,
) {
    let has_method = message.get("method").is_some();
    match (has_method, message.get("id")) {
        (true, Some(_)) => server_requests.lock().unwrap().push(message),
        (true, None) => notifications.lock().unwrap().push(message),
        (false, Some(id)) => match id
            .as_i64()
            .and_then(|id| pending.lock().unwrap().remove(&id))
        {
            Some(tx) => {
                let _ = tx.send(message);
            }
            None => orphans.lock().unwrap().push(message),
        },
        (false, None) => orphans.lock().unwrap().push(message),
    }
    notified.notify_waiters();
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

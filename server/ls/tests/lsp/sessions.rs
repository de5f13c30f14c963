//! End-to-end tests of WebSocket sessions through the language server: the shared JSON-RPC
//! [`TestClient`] (Content-Length framing over an in-memory duplex, see `harness.rs`) drives
//! `void_ls::lsp::serve`, and the sessions connect over loopback to the engine's embedded echo
//! server. Only tests and their helpers live here; client plumbing belongs in the harness.
//!
//! The main test walks the issue's story: open a file, connect by command, receive
//! `void/sessionStatus` open, send a `ws-message`, read the log document and find the sent and
//! received lines with timestamps, pause, resume, close with 1000.

use std::path::Path;

use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};
use void_ls::lsp::sessions::notifier::SETTLE_REFRESH_AFTER;

use super::harness::{TestClient, file_uri, lens_containing, lens_titles, text_field};

const REQUEST_UID: &str = "5c1d7a52-3e0b-4f5e-9a0c-2b6f0c9d1e11";
const HELLO_UID: &str = "a3f0e6d2-7b41-4c8e-9f25-0d6c1b2e3f40";
const LATER_UID: &str = "b7e2c4a1-1d3f-4e5a-8b6c-7d8e9f0a1b2c";

/// Client capabilities of an editor that can show session logs: `textDocumentContent`,
/// code-lens refresh, work-done progress, showDocument.
fn session_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "textDocument": { "hover": { "contentFormat": ["markdown"] }, "completion": { "completionItem": { "snippetSupport": true } } },
        "workspace": { "textDocumentContent": { "dynamicRegistration": false }, "codeLens": { "refreshSupport": true } },
        "window": { "workDoneProgress": true, "showDocument": { "support": true } }
    })
}

/// Starts an initialized server for [`session_capabilities`] and checks that it advertises the
/// session log scheme and every session command.
async fn start_client() -> TestClient {
    let (client, init) = TestClient::start(session_capabilities(), Value::Null, None).await;
    assert_eq!(
        init["capabilities"]["workspace"]["textDocumentContent"]["schemes"],
        json!(["void-session"]),
        "{init}"
    );
    let commands = init["capabilities"]["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap();
    for name in [
        "void.connect",
        "void.send",
        "void.pause",
        "void.resume",
        "void.close",
        "void.sessions",
        "void.exportTranscript",
        "void.copyAsWebsocat",
        "void.testConnection",
        "void.openLog",
    ] {
        assert!(commands.contains(&json!(name)), "{name} is not advertised");
    }
    client
}

/// Waits for a `void/sessionStatus` of `session_id`, at or after `from`, that satisfies `pred`.
async fn wait_status(
    client: &TestClient,
    from: usize,
    session_id: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let (status, _) = client
        .wait_for("void/sessionStatus", from, |p| {
            p["sessionId"] == session_id && pred(p)
        })
        .await;
    status
}

/// Runs `command` on the socket-request section of `uri` (by its block uid).
async fn on_request_block(
    client: &mut TestClient,
    command: &str,
    uri: &str,
) -> Result<Value, Value> {
    client
        .command(command, json!({ "uri": uri, "blockUid": REQUEST_UID }))
        .await
}

/// A WebSocket section in the app's canonical style: URL from `{{ECHO_URL}}` (a `.env` file),
/// two manual messages, a transcript path, and an assertion row on a JSON field.
fn void_file(transcript: &Path) -> String {
    format!(
        r#"# Echo through the editor

```void
---
type: socket-request
attrs:
  uid: {REQUEST_UID}
content:
  - type: smethod
    attrs:
      uid: 0b8f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4
      method: WS
      importedFrom: ""
      visible: true
    content: WS
  - type: surl
    attrs:
      uid: 1c9a5d2f-3e4b-4c6d-9e7f-8091a2b3c4d5
    content: "{{{{ECHO_URL}}}}/echo"
---
```

```void
---
type: ws-message
attrs:
  uid: {HELLO_UID}
  name: hello
  format: json
  send: manual
  body: '{{"op": "hello", "user": {{"name": "Ada"}}}}'
---
```

```void
---
type: ws-message
attrs:
  uid: {LATER_UID}
  name: later
  format: text
  send: manual
  body: sent while paused
---
```

```void
---
type: ws-options
attrs:
  uid: 2d0b6e3a-4f5c-4d7e-8f90-a1b2c3d4e5f6
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - transcript
          - {transcript}
---
```

```void
---
type: ws-assertions
attrs:
  uid: 3e1c7f4b-5a6d-4e8f-9a01-b2c3d4e5f607
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - The reply names Ada
          - received[-1].json.user.name
          - equals
          - Ada
---
```
"#,
        transcript = transcript.display()
    )
}

/// The (line, character) of the first occurrence of `needle` (ASCII lines).
fn position_of(text: &str, needle: &str) -> (u32, u32) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the file"));
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, column as u32)
}

/// Lines of the log with a `HH:MM:SS.mmm` timestamp and the given marker.
fn timestamped_lines<'a>(log: &'a str, marker: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|line| {
            let b = line.as_bytes();
            b.len() > 13
                && b[..12].iter().enumerate().all(|(i, c)| match i {
                    2 | 5 => *c == b':',
                    8 => *c == b'.',
                    _ => c.is_ascii_digit(),
                })
                && line[12..].trim_start().starts_with(marker)
        })
        .collect()
}

async fn log_text(client: &mut TestClient, log_uri: &str) -> String {
    let content = client
        .request("workspace/textDocumentContent", json!({ "uri": log_uri }))
        .await
        .unwrap();
    let fallback = client
        .request("void/sessionLogText", json!({ "uri": log_uri }))
        .await
        .unwrap();
    assert!(fallback["version"].as_u64().is_some(), "{fallback}");
    assert!(
        fallback["text"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap_or("")
            .starts_with("# "),
        "{fallback}"
    );
    content["text"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_send_read_log_pause_resume_close_through_the_lsp() {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("ECHO_URL={}\n", echo.url()),
    )
    .unwrap();
    let transcript = dir.path().join("transcripts").join("chat.jsonl");
    let file = dir.path().join("chat.void");
    let text = void_file(&transcript);
    let mut client = start_client().await;
    let uri = client.open_file(&file, &text).await;

    // Idle: only ▶ Connect, and no connection was opened by opening the file.
    let lenses = client.code_lenses(&uri).await;
    let connect = lens_containing(&lenses, "Connect");
    assert_eq!(connect["command"]["command"], "void.connect");
    assert_eq!(connect["command"]["arguments"][0]["blockUid"], REQUEST_UID);
    assert!(
        !lens_titles(&lenses).iter().any(|t| t.contains("Send")),
        "{lenses}"
    );
    assert_eq!(echo.connections(), 0, "opening a file must not connect");

    // Connect by command.
    let connected = client
        .command("void.connect", connect["command"]["arguments"][0].clone())
        .await
        .unwrap();
    let session_id = text_field(&connected, "sessionId");
    let log_uri = text_field(&connected, "logUri");
    assert!(
        log_uri.starts_with(&format!("void-session:/{session_id}/")) && log_uri.ends_with(".wslog"),
        "{log_uri}"
    );

    let open = wait_status(&client, 0, &session_id, |p| p["state"] == "open").await;
    assert_eq!(open["uri"], uri.as_str());
    assert_eq!(open["blockUid"], REQUEST_UID);
    assert_eq!(open["logUri"], log_uri.as_str());
    assert!(open["url"].as_str().unwrap().ends_with("/echo"), "{open}");
    assert_eq!(open["detail"]["httpStatus"], 101);
    assert_eq!(open["paused"], false);
    // $/progress while connecting: begin then end.
    client
        .wait_for("$/progress", 0, |p| p["value"]["kind"] == "begin")
        .await;
    client
        .wait_for("$/progress", 0, |p| p["value"]["kind"] == "end")
        .await;

    // Connecting again answers the running session instead of opening a second one.
    let again = on_request_block(&mut client, "void.connect", &uri)
        .await
        .unwrap();
    assert_eq!(again["sessionId"], session_id.as_str());

    // Connected lenses: state and counts, Pause, Close, Open log, Send on each ws-message.
    let lenses = client.code_lenses(&uri).await;
    let titles = lens_titles(&lenses);
    assert!(
        titles
            .iter()
            .any(|t| t.contains("open") && t.contains("↑0")),
        "{titles:?}"
    );
    for wanted in ["Pause", "Close", "Open log", "Send hello", "Send later"] {
        assert!(
            titles.iter().any(|t| t.contains(wanted)),
            "no {wanted} in {titles:?}"
        );
    }
    assert!(
        !titles.iter().any(|t| t.contains("▶ Connect")),
        "{titles:?}"
    );

    // Send the ws-message by its lens.
    let send = lens_containing(&lenses, "Send hello")["command"].clone();
    assert_eq!(send["arguments"][0]["messageUid"], HELLO_UID);
    let answer = client
        .command("void.send", send["arguments"][0].clone())
        .await
        .unwrap();
    assert_eq!(answer, json!({ "ok": true }));
    wait_status(&client, 0, &session_id, |p| {
        p["sent"] == 1 && p["received"] == 1
    })
    .await;

    // The log document: header, the open event, the sent and received lines with timestamps.
    let refreshes = client
        .wait_for("workspace/textDocumentContent/refresh", 0, |p| {
            p["uri"] == log_uri.as_str()
        })
        .await;
    assert_eq!(refreshes.0["uri"], log_uri.as_str());
    let log = log_text(&mut client, &log_uri).await;
    assert!(
        log.starts_with("# ") && log.lines().next().unwrap().contains("open"),
        "{log}"
    );
    let sent = timestamped_lines(&log, "→");
    let received = timestamped_lines(&log, "←");
    assert!(
        sent.iter().any(|l| l.contains(r#""op": "hello""#)),
        "no sent line in:\n{log}"
    );
    assert!(
        received.iter().any(|l| l.contains(r#""op": "hello""#)),
        "no received line in:\n{log}"
    );

    // Hover over the socket-request shows the live state.
    let (line, character) = position_of(&text, "type: socket-request");
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character + 2 } })).await.unwrap();
    let hover_text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        hover_text.contains("WebSocket session") && hover_text.contains("open"),
        "{hover}"
    );

    // Completion of `.json.` paths offers the keys the session has received.
    let (line, character) = position_of(&text, "received[-1].json.");
    let completion = client
        .request("textDocument/completion", json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character + "received[-1].json.".len() as u32 } }))
        .await
        .unwrap();
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    for key in ["op", "user", "user.name"] {
        assert!(labels.contains(&key), "no {key} in {labels:?}");
    }

    // Code actions at the cursor in the section offer the same operations.
    let (line, _) = position_of(&text, "name: hello");
    let actions = client
        .request("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": line, "character": 2 }, "end": { "line": line, "character": 2 } }, "context": { "diagnostics": [] } }))
        .await
        .unwrap();
    let action_titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    for wanted in [
        "Send hello",
        "Pause the live log",
        "Close the WebSocket session",
    ] {
        assert!(
            action_titles.contains(&wanted),
            "no {wanted} in {action_titles:?}"
        );
    }

    // Pause: messages keep arriving and are counted, but the view stops moving.
    assert_eq!(
        client
            .command("void.pause", json!({ "sessionId": session_id }))
            .await
            .unwrap(),
        json!({ "ok": true })
    );
    wait_status(&client, 0, &session_id, |p| p["paused"] == true).await;
    client
        .command(
            "void.send",
            json!({ "sessionId": session_id, "messageUid": LATER_UID }),
        )
        .await
        .unwrap();
    wait_status(&client, 0, &session_id, |p| {
        p["received"] == 2 && p["paused"] == true
    })
    .await;
    let paused_log = log_text(&mut client, &log_uri).await;
    assert!(
        !timestamped_lines(&paused_log, "←")
            .iter()
            .any(|l| l.contains("sent while paused")),
        "the paused view moved:\n{paused_log}"
    );
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses).iter().any(|t| t == "Resume"),
        "{:?}",
        lens_titles(&lenses)
    );

    // Resume shows everything that arrived meanwhile.
    client
        .command("void.resume", json!({ "sessionId": session_id }))
        .await
        .unwrap();
    wait_status(&client, 0, &session_id, |p| {
        p["paused"] == false && p["received"] == 2
    })
    .await;
    let resumed_log = log_text(&mut client, &log_uri).await;
    assert!(
        timestamped_lines(&resumed_log, "←")
            .iter()
            .any(|l| l.contains("sent while paused")),
        "resume did not show the message:\n{resumed_log}"
    );

    // Edits above the section: the session is still found by its block uid.
    let mark = client.mark();
    client
        .notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 0 } }, "text": "Some prose\nadded above.\n\n" }] }))
        .await;
    let lenses = client.code_lenses(&uri).await;
    let send = lens_containing(&lenses, "Send hello");
    let (hello_fence, _) = position_of(&text, "```void\n---\ntype: ws-message");
    assert_eq!(
        send["range"]["start"]["line"],
        hello_fence + 3,
        "the Send lens did not follow its block: {send}"
    );
    client
        .command("void.send", send["command"]["arguments"][0].clone())
        .await
        .unwrap();
    wait_status(&client, mark, &session_id, |p| p["sent"] == 3).await;

    // The sessions list, the websocat line, the transcript.
    let sessions = client.command("void.sessions", json!({})).await.unwrap();
    assert_eq!(sessions[0]["sessionId"], session_id.as_str());
    assert_eq!(sessions[0]["state"], "open");
    let websocat = client
        .command(
            "void.copyAsWebsocat",
            json!({ "uri": uri, "blockUid": REQUEST_UID }),
        )
        .await
        .unwrap();
    assert!(
        websocat.as_str().unwrap().contains("websocat")
            && websocat.as_str().unwrap().contains("/echo"),
        "{websocat}"
    );

    // Close with 1000.
    assert_eq!(
        client
            .command(
                "void.close",
                json!({ "sessionId": session_id, "code": 1000, "reason": "bye" })
            )
            .await
            .unwrap(),
        json!({ "ok": true })
    );
    let closed = wait_status(&client, 0, &session_id, |p| p["state"] == "closed").await;
    assert_eq!(closed["detail"]["closeCode"], 1000, "{closed}");
    let closed_log = log_text(&mut client, &log_uri).await;
    assert!(
        timestamped_lines(&closed_log, "✕")
            .iter()
            .any(|l| l.contains("1000")),
        "{closed_log}"
    );
    let lenses = client.code_lenses(&uri).await;
    let titles = lens_titles(&lenses);
    assert!(
        titles.iter().any(|t| t.contains("▶ Connect"))
            && !titles.iter().any(|t| t.contains("Send")),
        "{titles:?}"
    );

    let export = dir.path().join("export").join("copy.jsonl");
    let exported = client
        .command(
            "void.exportTranscript",
            json!({ "sessionId": session_id, "path": export.to_string_lossy() }),
        )
        .await
        .unwrap();
    assert!(exported["events"].as_u64().unwrap() >= 4, "{exported}");
    let lines: Vec<Value> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l["dir"] == "out") && lines.iter().any(|l| l["dir"] == "in"),
        "{lines:?}"
    );

    // Errors are clear: unknown session, bad arguments.
    let unknown = client
        .command("void.pause", json!({ "sessionId": "nope" }))
        .await
        .unwrap_err();
    assert!(
        unknown["message"].as_str().unwrap().contains("nope"),
        "{unknown}"
    );
    let bad = client.command("void.send", json!({})).await.unwrap_err();
    assert_eq!(bad["code"], -32602, "{bad}");
    let closed_send = client
        .command(
            "void.send",
            json!({ "sessionId": session_id, "messageUid": HELLO_UID }),
        )
        .await
        .unwrap_err();
    assert!(
        closed_send["message"]
            .as_str()
            .unwrap()
            .contains("not open"),
        "{closed_send}"
    );

    echo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_fails_with_a_message_and_shutdown_closes_live_sessions() {
    // A port with nothing listening: bind, read the port, drop the listener.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("t.jsonl");
    let refused = void_file(&dir.path().join("refused.jsonl")).replace(
        "\"{{ECHO_URL}}/echo\"",
        &format!("ws://127.0.0.1:{port}/nothing"),
    );
    let live =
        void_file(&transcript).replace("\"{{ECHO_URL}}/echo\"", &format!("{}/echo", echo.url()));
    let (refused_file, live_file) = (
        dir.path().join("refused.void"),
        dir.path().join("live.void"),
    );
    std::fs::write(&refused_file, &refused).unwrap();
    std::fs::write(&live_file, &live).unwrap();
    let (refused_uri, live_uri) = (file_uri(&refused_file), file_uri(&live_file));

    let mut client = start_client().await;
    for (uri, text) in [(&refused_uri, &refused), (&live_uri, &live)] {
        client.open(uri, text).await;
    }

    // Refused: the command answers a session, which fails with a message a person sees.
    let failed = on_request_block(&mut client, "void.connect", &refused_uri)
        .await
        .unwrap();
    let failed_id = text_field(&failed, "sessionId");
    let status = wait_status(&client, 0, &failed_id, |p| p["state"] == "failed").await;
    assert!(
        status["detail"]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{status}"
    );
    let (message, _) = client
        .wait_for("window/showMessage", 0, |p| p["type"] == 1)
        .await;
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{message}"
    );

    // By position: the section under the cursor.
    let (line, _) = position_of(&live, "type: ws-message");
    let connected = client
        .command(
            "void.connect",
            json!({ "uri": live_uri, "position": { "line": line, "character": 0 } }),
        )
        .await
        .unwrap();
    let live_id = text_field(&connected, "sessionId");
    wait_status(&client, 0, &live_id, |p| p["state"] == "open").await;

    // Test connection: connects, reports the handshake, closes.
    let tested = on_request_block(&mut client, "void.testConnection", &live_uri)
        .await
        .unwrap();
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(tested["httpStatus"], 101);
    let tested_refused = on_request_block(&mut client, "void.testConnection", &refused_uri)
        .await
        .unwrap();
    assert_eq!(tested_refused["ok"], false, "{tested_refused}");
    assert!(
        tested_refused["error"].as_str().is_some(),
        "{tested_refused}"
    );

    // An unresolved variable is refused before anything connects, naming the variable.
    let unresolved = void_file(&transcript).replace("{{ECHO_URL}}", "{{NOT_DEFINED_ANYWHERE}}");
    let unresolved_file = dir.path().join("unresolved.void");
    std::fs::write(&unresolved_file, &unresolved).unwrap();
    let error = client
        .command(
            "void.connect",
            json!({ "uri": file_uri(&unresolved_file), "blockUid": REQUEST_UID }),
        )
        .await
        .unwrap_err();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("NOT_DEFINED_ANYWHERE"),
        "{error}"
    );

    // Shutdown closes every live session with 1001 (going away).
    let before = client.mark();
    client.request("shutdown", Value::Null).await.unwrap();
    let closed = wait_status(&client, before, &live_id, |p| p["state"] == "closed").await;
    assert_eq!(closed["detail"]["closeCode"], 1001, "{closed}");
    assert!(client.count("void/sessionStatus") > 2);
    echo.shutdown().await;
}

/// An editor fetches the log's text on every refresh (as VS Code does), and each fetch makes the
/// server look at the session again shortly after: while the session keeps changing, those
/// second looks must stay within the refresh throttle, not each ask for another fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_on_every_refresh_keeps_refreshes_throttled() {
    let Connected {
        echo: _echo,
        _dir,
        mut client,
        id,
        log_uri,
    } = connected_to_echo("/echo").await;

    // Two seconds of a session that keeps changing (a message sent and echoed every 20 ms),
    // with every refresh answered by a fetch of the log's text.
    let mark = client.mark();
    let started = std::time::Instant::now();
    let mut pace = tokio::time::interval(std::time::Duration::from_millis(20));
    let mut fetched = 0;
    while started.elapsed() < std::time::Duration::from_secs(2) {
        pace.tick().await;
        client
            .command(
                "void.send",
                json!({ "sessionId": id, "format": "text", "body": "tick" }),
            )
            .await
            .unwrap();
        let refreshes = client.count_since(mark, "workspace/textDocumentContent/refresh", |p| {
            p["uri"] == log_uri.as_str()
        });
        while fetched < refreshes {
            client
                .request("workspace/textDocumentContent", json!({ "uri": log_uri }))
                .await
                .unwrap();
            fetched += 1;
        }
    }
    let elapsed = started.elapsed();
    let refreshes = client.count_since(mark, "workspace/textDocumentContent/refresh", |p| {
        p["uri"] == log_uri.as_str()
    });
    assert!(fetched > 0, "no refresh came while the session changed");
    assert!(
        refreshes <= elapsed.as_millis() as usize / 200 + 2,
        "{refreshes} refreshes in {elapsed:?} with a fetch after each (at most 5 a second allowed)"
    );
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_reported_with_throttled_status_and_refreshes() {
    let Connected {
        echo,
        _dir,
        mut client,
        id,
        log_uri,
    } = connected_to_echo("/commands").await;

    const FLOOD: u64 = 100_000;
    let mark = client.mark();
    let started = std::time::Instant::now();
    client
        .command(
            "void.send",
            json!({ "sessionId": id, "format": "text", "body": format!("flood {FLOOD}") }),
        )
        .await
        .unwrap();
    // The count always reaches the end: the last status is sent even when throttled.
    wait_status(&client, mark, &id, |p| p["received"] == FLOOD).await;
    // The log document is refreshed during the flood (or right after it, the trailing refresh).
    client
        .wait_for("workspace/textDocumentContent/refresh", mark, |p| {
            p["uri"] == log_uri.as_str()
        })
        .await;
    // Everything counted arrived within `elapsed`: the throttles bound it by that time.
    let elapsed = started.elapsed();
    let statuses = client.count_since(mark, "void/sessionStatus", |p| {
        p["sessionId"] == id.as_str()
    });
    let refreshes = client.count_since(mark, "workspace/textDocumentContent/refresh", |p| {
        p["uri"] == log_uri.as_str()
    });
    let windows = elapsed.as_millis() as usize / 250 + 1;
    assert!(
        statuses <= windows + 2,
        "{statuses} status notifications in {elapsed:?} (at most one per 250 ms allowed)"
    );
    assert!(
        refreshes <= elapsed.as_millis() as usize / 200 + 2,
        "{refreshes} refreshes in {elapsed:?} (at most 5 a second allowed)"
    );
    let log = client
        .request("void/sessionLogText", json!({ "uri": log_uri }))
        .await
        .unwrap();
    assert!(
        log["text"]
            .as_str()
            .unwrap()
            .contains(&format!("flood {}", FLOOD - 1)),
        "the log does not end with the last message"
    );
    // Once the log stops changing it is refreshed once more, so an editor whose view missed a
    // refresh catches up, and then no more while nothing changes.
    let quiet = client.mark();
    client
        .wait_for("workspace/textDocumentContent/refresh", quiet, |p| {
            p["uri"] == log_uri.as_str()
        })
        .await;
    tokio::time::sleep(SETTLE_REFRESH_AFTER * 2 + std::time::Duration::from_millis(500)).await;
    let after_quiet = client.count_since(quiet, "workspace/textDocumentContent/refresh", |p| {
        p["uri"] == log_uri.as_str()
    });
    assert!(
        after_quiet <= 2,
        "{after_quiet} refreshes of a log that stopped changing (the trailing one and one to settle)"
    );
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .unwrap();
    wait_status(&client, mark, &id, |p| p["state"] == "closed").await;
    echo.shutdown().await;
}

/// A session of [`void_file`] open on an echo server's `route`, from a started client.
struct Connected {
    echo: EchoServer,
    /// The folder of the file and its transcript, removed when dropped.
    _dir: tempfile::TempDir,
    client: TestClient,
    id: String,
    log_uri: String,
}

async fn connected_to_echo(route: &str) -> Connected {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = void_file(&dir.path().join("t.jsonl"))
        .replace("\"{{ECHO_URL}}/echo\"", &format!("{}{route}", echo.url()));
    let mut client = start_client().await;
    let uri = client.open_file(&dir.path().join("t.void"), &text).await;
    let connected = on_request_block(&mut client, "void.connect", &uri)
        .await
        .unwrap();
    let id = text_field(&connected, "sessionId");
    let log_uri = text_field(&connected, "logUri");
    wait_status(&client, 0, &id, |p| p["state"] == "open").await;
    Connected {
        echo,
        _dir: dir,
        client,
        id,
        log_uri,
    }
}

/// `void_file` with one more `ws-options` row.
fn with_option(text: &str, key: &str, value: &str) -> String {
    text.replace(
        "        row:\n          - transcript\n",
        &format!(
            "        row:\n          - {key}\n          - \"{value}\"\n      - attrs:\n          disabled: false\n        row:\n          - transcript\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_to_reconnect_is_a_published_state_that_close_ends() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let text = with_option(&void_file(&dir.path().join("t.jsonl")), "reconnect", "on").replace(
        "\"{{ECHO_URL}}/echo\"",
        &format!("ws://127.0.0.1:{port}/nothing"),
    );
    let file = dir.path().join("reconnect.void");
    let mut client = start_client().await;
    let uri = client.open_file(&file, &text).await;
    let answer = on_request_block(&mut client, "void.connect", &uri)
        .await
        .unwrap();
    let id = text_field(&answer, "sessionId");
    let waiting = wait_status(&client, 0, &id, |p| p["state"] == "reconnecting").await;
    assert_eq!(waiting["detail"]["attempt"], 1, "{waiting}");
    assert!(
        waiting["detail"]["retryInMs"]
            .as_u64()
            .is_some_and(|ms| ms <= 500),
        "{waiting}"
    );
    assert_eq!(waiting["detail"]["endedBy"], "network", "{waiting}");
    assert!(
        waiting["detail"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot connect")),
        "{waiting}"
    );
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses)
            .iter()
            .any(|t| t.starts_with("◌ reconnecting in")),
        "{lenses}"
    );

    let before = client.mark();
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .unwrap();
    let closed = wait_status(&client, before, &id, |p| p["state"] == "closed").await;
    assert_eq!(closed["detail"]["endedBy"], "client", "{closed}");
    assert!(closed["detail"].get("attempt").is_none(), "{closed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_workspace_gets_no_connection_even_if_the_editor_asks() {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = void_file(&dir.path().join("t.jsonl"))
        .replace("\"{{ECHO_URL}}/echo\"", &format!("{}/echo", echo.url()));
    let file = dir.path().join("untrusted.void");
    let (mut client, _) = TestClient::start(
        session_capabilities(),
        json!({ "workspaceTrusted": false }),
        None,
    )
    .await;
    let uri = client.open_file(&file, &text).await;
    for command in ["void.connect", "void.testConnection"] {
        let error = on_request_block(&mut client, command, &uri)
            .await
            .unwrap_err();
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("connecting is disabled in an untrusted workspace"),
            "{command}: {error}"
        );
    }
    // A settings change that does not mention trust does not grant it.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "void": { "logLevel": "info" } } }),
        )
        .await;
    let error = on_request_block(&mut client, "void.connect", &uri)
        .await
        .unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("untrusted"),
        "{error}"
    );
    assert_eq!(echo.connections(), 0, "no connection was opened");
    client.shutdown().await;
    echo.shutdown().await;
}

/// A Socket.IO section connects from the editor like a WebSocket one (docs/format.md §4.5):
/// `examples/socketio-chat.void` against the embedded server's `/socket.io/` route, its live
/// log document in events, its assertions all passed when the server disconnects it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_io_section_runs_from_the_editor_with_its_log_in_events() {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/socketio-chat.void");
    let text = std::fs::read_to_string(example)
        .unwrap()
        .replace("\"{{ECHO_URL}}\"", &format!("\"{}\"", echo.url()));
    let file = dir.path().join("socketio-chat.void");
    let mut client = start_client().await;
    let uri = client.open_file(&file, &text).await;
    let connected = client
        .command(
            "void.connect",
            json!({ "uri": uri, "blockUid": "e241578d-853b-4927-9308-18fca001053d" }),
        )
        .await
        .unwrap();
    let id = text_field(&connected, "sessionId");
    let log_uri = text_field(&connected, "logUri");
    let closed = wait_status(&client, 0, &id, |p| p["state"] == "closed").await;
    assert_eq!(closed["detail"]["endedBy"], "server", "{closed}");
    assert_eq!(
        closed["detail"]["assertions"],
        json!({"passed": 5, "failed": 0, "pending": 0}),
        "{closed}"
    );
    let log = log_text(&mut client, &log_uri).await;
    for words in [
        "connected to namespace /chat",
        "→ join {\"room\":\"lobby\"} · waits for ack",
        "← ack of join · {\"ok\":true,\"event\":\"join\"}",
        "← chat {\"text\":\"hello, void\"}",
    ] {
        assert!(log.contains(words), "no `{words}` in the log:\n{log}");
    }
    echo.shutdown().await;
}

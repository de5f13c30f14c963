//! The editor protocol the clients rely on instead of parsing `.void` text themselves:
//! `void/sectionAt`, `void/logMessage`, the one command table, code lens arguments in their
//! typed shapes, failed assertion rows as diagnostics while a session lives, and `{{` completion
//! limited to the project's variables. Driven through real JSON-RPC (see `harness.rs`) against
//! the engine's loopback echo server.

use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};

use super::harness::{TestClient, file_uri};

const WS_UID: &str = "6a2e4c1d-8b3f-4e5a-9c7d-1e2f3a4b5c6d";
const SMALL_UID: &str = "7b3f5d2e-9c4a-4f6b-8d8e-2f3a4b5c6d7e";
const BIG_UID: &str = "8c4a6e3f-ad5b-4a7c-9e9f-3a4b5c6d7e8f";
const HTTP_UID: &str = "9d5b7f4a-be6c-4b8d-8fa0-4b5c6d7e8f90";

/// Two sections: a WebSocket one written partly in YAML flow style, with a block-literal JSON
/// body longer than the log keeps whole and a failing assertion row; and an HTTP one.
fn fixture() -> String {
    format!(
        r#"# Editor protocol

Prose before the request.

```void
---
type: socket-request
attrs: {{uid: "{WS_UID}"}}
content:
  - type: smethod
    attrs: {{uid: 1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b, method: WS}}
    content: WS
  - type: surl
    attrs:
      uid: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    content: "{{{{ECHO_URL}}}}/echo?token={{{{API_TOKEN}}}}"
---
```

```void
---
type: ws-message
attrs: {{uid: {SMALL_UID}, name: small, format: text, send: manual, body: hi there}}
---
```

```void
---
type: ws-message
attrs:
  uid: {BIG_UID}
  name: big
  format: json
  send: on-open
  body: |-
    {{
      "op": "big",
      "items": [
        {{"id": 1, "name": "one, a long enough name to make the body pass the kept size"}},
        {{"id": 2, "name": "two, a long enough name to make the body pass the kept size"}},
        {{"id": 3, "name": "three, a long enough name to make the body pass the kept size"}}
      ]
    }}
---
```

```void
---
type: ws-assertions
attrs:
  uid: 4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - The first reply is the big message
          - received[0].json.op
          - equals
          - big
      - attrs:
          disabled: false
        row:
          - The first reply says nope
          - received[0].json.op
          - equals
          - nope
---
```

```void
---
type: request-separator
attrs:
  uid: 5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a
  colorIndex: 0
  label: Plain HTTP
---
```

```void
---
type: request
attrs:
  uid: {HTTP_UID}
content:
  - type: method
    attrs:
      uid: 6e7f8a9b-0c1d-4e2f-9a3b-4c5d6e7f8a9b
    content: GET
  - type: url
    attrs:
      uid: 7f8a9b0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c
    content: https://example.invalid/items
---
```
"#
    )
}

fn capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "textDocument": { "completion": { "completionItem": { "snippetSupport": true } } },
        "workspace": { "textDocumentContent": {}, "codeLens": { "refreshSupport": true } },
        "window": { "workDoneProgress": true, "showDocument": { "support": true } }
    })
}

/// The (line, character) of the first occurrence of `needle` (ASCII text).
fn position_of(text: &str, needle: &str) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the file"));
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": column })
}

async fn section_at(client: &mut TestClient, uri: &str, position: Value) -> Value {
    client
        .request(
            "void/sectionAt",
            json!({ "textDocument": { "uri": uri }, "position": position }),
        )
        .await
        .unwrap()
}

struct Project {
    _dir: tempfile::TempDir,
    uri: String,
    text: String,
    echo: EchoServer,
}

async fn project() -> Project {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "ECHO_URL={}\nAPI_TOKEN=tok-secret-value-1\nPROJECT_ONLY=1\n",
            echo.url()
        ),
    )
    .unwrap();
    let file = dir.path().join("protocol.void");
    let text = fixture();
    std::fs::write(&file, &text).unwrap();
    Project {
        uri: file_uri(&file),
        _dir: dir,
        text,
        echo,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn section_at_answers_what_clients_need_without_a_scanner_of_their_own() {
    let p = project().await;
    let (mut client, init) = TestClient::start(capabilities(), Value::Null, None).await;
    // One command table: `void.openLog` is listed by the server itself, with the others.
    let commands = init["capabilities"]["executeCommandProvider"]["commands"].clone();
    assert_eq!(
        commands,
        json!([
            "void.connect",
            "void.send",
            "void.testConnection",
            "void.pause",
            "void.resume",
            "void.close",
            "void.sessions",
            "void.exportTranscript",
            "void.copyAsWebsocat",
            "void.openLog",
            "void.serve",
            "void.stopServe"
        ])
    );
    client.open(&p.uri, &p.text).await;

    // Prose before the request belongs to the first section; flow-style attrs and a block
    // literal body are read as the server's parser reads them.
    let first = section_at(&mut client, &p.uri, position_of(&p.text, "Prose before")).await;
    assert_eq!(first["kind"], "websocket", "{first}");
    assert_eq!(first["blockUid"], WS_UID);
    assert_eq!(first["sectionKey"], WS_UID);
    assert_eq!(first["label"], "Editor protocol");
    let url = first["url"].as_str().unwrap();
    assert!(url.starts_with(&p.echo.url()), "{url}");
    assert!(
        !url.contains("tok-secret-value-1") && url.contains("token=••••"),
        "the token is a secret and must be masked: {url}"
    );
    assert_eq!(first["session"], Value::Null);
    let messages = first["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{first}");
    assert_eq!(
        messages[0],
        json!({ "uid": SMALL_UID, "name": "small", "format": "text", "send": "manual", "preview": "hi there" })
    );
    assert_eq!(messages[1]["uid"], BIG_UID);
    assert_eq!(messages[1]["send"], "on-open");
    let preview = messages[1]["preview"].as_str().unwrap();
    assert!(
        preview.starts_with(r#"{"op": "big", "items": [{"id": 1"#) && !preview.contains('\n'),
        "a JSON body previews as one compact line: {preview}"
    );

    // The same section by its request uid (for a client that knows a session, not a place).
    let by_uid = client
        .request(
            "void/sectionAt",
            json!({ "textDocument": { "uri": p.uri }, "blockUid": WS_UID }),
        )
        .await
        .unwrap();
    assert_eq!(by_uid, first);

    // The HTTP section: its kind and URL, no messages.
    let http = section_at(&mut client, &p.uri, position_of(&p.text, "content: GET")).await;
    assert_eq!(http["kind"], "http");
    assert_eq!(http["blockUid"], HTTP_UID);
    assert_eq!(http["label"], "Plain HTTP");
    assert_eq!(http["url"], "https://example.invalid/items");
    assert_eq!(http["messages"], json!([]));

    // A position past the end of a line is the end of that line; a line past the end is an error.
    let bad = client
        .request(
            "void/sectionAt",
            json!({ "textDocument": { "uri": p.uri }, "position": { "line": 9999, "character": 0 } }),
        )
        .await
        .unwrap_err();
    assert_eq!(bad["code"], -32602, "{bad}");

    // After connecting, the section names its session.
    let connected = client
        .command("void.connect", json!({ "uri": p.uri, "blockUid": WS_UID }))
        .await
        .unwrap();
    let now = section_at(&mut client, &p.uri, position_of(&p.text, "name: big")).await;
    assert_eq!(now["session"]["sessionId"], connected["sessionId"]);
    assert_eq!(now["session"]["logUri"], connected["logUri"]);
    assert!(
        ["connecting", "open"].contains(&now["session"]["state"].as_str().unwrap()),
        "{now}"
    );
    client
        .command("void.close", json!({ "sessionId": connected["sessionId"] }))
        .await
        .unwrap();
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_open_to_the_whole_message_and_failed_rows_are_diagnostics() {
    let p = project().await;
    let (mut client, _) = TestClient::start(capabilities(), Value::Null, None).await;
    client.open(&p.uri, &p.text).await;

    // The lens arguments are the typed shapes: a section target by uid.
    let lenses = client.code_lenses(&p.uri).await;
    assert_eq!(
        lenses[0]["command"],
        json!({ "title": "▶ Connect", "command": "void.connect", "arguments": [{ "uri": p.uri, "blockUid": WS_UID }] })
    );

    let from = client.mark();
    let connected = client
        .command("void.connect", json!({ "uri": p.uri, "blockUid": WS_UID }))
        .await
        .unwrap();
    let session_id = connected["sessionId"].as_str().unwrap().to_string();
    let log_uri = connected["logUri"].as_str().unwrap().to_string();
    // The log's name tells the section and when the session started.
    let name = log_uri.rsplit('/').next().unwrap();
    assert!(
        name.starts_with("editor-protocol_") && name.ends_with(".wslog") && name.len() == 30,
        "{log_uri}"
    );

    // The on-open `big` message comes back; the row expecting `nope` fails and becomes an error
    // diagnostic on its row, saying what was expected and what came.
    let (diagnostics, _) = client
        .wait_for("textDocument/publishDiagnostics", from, |d| {
            d["uri"] == p.uri.as_str()
                && d["diagnostics"]
                    .as_array()
                    .is_some_and(|all| all.iter().any(|x| x["code"] == "assertion-failed"))
        })
        .await;
    let failed: Vec<&Value> = diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "assertion-failed")
        .collect();
    assert_eq!(failed.len(), 1, "{diagnostics}");
    assert_eq!(failed[0]["severity"], 1);
    assert_eq!(
        failed[0]["range"]["start"],
        position_of(&p.text, "The first reply says nope")
    );
    let message = failed[0]["message"].as_str().unwrap();
    assert!(
        message.contains("received[0].json.op equals nope") && message.contains("actual big"),
        "{message}"
    );

    // The log shows the settled rows as lines: ✓ for the first, ✗ with the actual value.
    let log = loop {
        let text = client
            .request("void/sessionLogText", json!({ "uri": log_uri }))
            .await
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string();
        if text.contains("✗") && text.contains("←") {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        log.lines().any(|l| l.contains(
            "✓ The first reply is the big message · received[0].json.op equals big · passed"
        )),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.contains(
            "✗ The first reply says nope · received[0].json.op equals nope · failed, actual big"
        )),
        "{log}"
    );

    // The received line is cut; `void/logMessage` gives the whole message, pretty-printed.
    let lines: Vec<&str> = log.lines().collect();
    let received = lines
        .iter()
        .position(|l| l.get(13..).is_some_and(|rest| rest.starts_with("← ")))
        .unwrap_or_else(|| panic!("no received line in\n{log}"));
    assert!(lines[received].contains('…'), "{}", lines[received]);
    let whole = client
        .request(
            "void/logMessage",
            json!({ "uri": log_uri, "line": received, "text": lines[received] }),
        )
        .await
        .unwrap();
    assert_eq!(whole["direction"], "in", "{whole}");
    assert_eq!(whole["format"], "json");
    let text = whole["text"].as_str().unwrap();
    let value: Value = serde_json::from_str(text).unwrap();
    assert_eq!(value["items"][2]["id"], 3);
    assert!(text.contains("\n  \"items\": ["), "pretty-printed: {text}");
    assert!(whole["size"].as_u64().unwrap() > 256, "{whole}");
    // The header and event lines hold no message.
    let header = client
        .request("void/logMessage", json!({ "uri": log_uri, "line": 0 }))
        .await
        .unwrap();
    assert_eq!(header, Value::Null);
    let open_line = lines.iter().position(|l| l.contains(" ⇄ open")).unwrap();
    let event = client
        .request(
            "void/logMessage",
            json!({ "uri": log_uri, "line": open_line }),
        )
        .await
        .unwrap();
    assert_eq!(event, Value::Null);

    // Closing ends the session: its failed rows leave the problems list.
    let from = client.mark();
    client
        .command("void.close", json!({ "sessionId": session_id }))
        .await
        .unwrap();
    client
        .wait_for("textDocument/publishDiagnostics", from, |d| {
            d["uri"] == p.uri.as_str()
                && d["diagnostics"]
                    .as_array()
                    .is_some_and(|all| !all.iter().any(|x| x["code"] == "assertion-failed"))
        })
        .await;

    // The ended session's lens says how it ended, in words (no bare pending count).
    let lenses = client.code_lenses(&p.uri).await;
    let last = lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["command"]["title"].as_str().unwrap().starts_with("last:"))
        .unwrap_or_else(|| panic!("{lenses}"));
    assert_eq!(last["command"]["command"], "void.openLog");
    assert_eq!(
        last["command"]["arguments"][0],
        json!({ "sessionId": session_id, "logUri": log_uri })
    );
    let title = last["command"]["title"].as_str().unwrap();
    assert!(title.contains("✓1 ✗1") && !title.contains('…'), "{title}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variable_completion_offers_the_project_never_the_process_environment() {
    let p = project().await;
    let (mut client, _) = TestClient::start(capabilities(), Value::Null, None).await;
    let text = p.text.replace(
        "content: https://example.invalid/items",
        "content: https://example.invalid/{{",
    );
    client.open(&p.uri, &text).await;
    let mut at = position_of(&text, "example.invalid/{{");
    at["character"] = json!(at["character"].as_u64().unwrap() + "example.invalid/{{".len() as u64);
    let items = client
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": p.uri }, "position": at }),
        )
        .await
        .unwrap();
    let items = items
        .get("items")
        .cloned()
        .unwrap_or(items)
        .as_array()
        .cloned()
        .unwrap();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    for name in ["ECHO_URL", "API_TOKEN", "PROJECT_ONLY"] {
        assert!(labels.contains(&name), "{name} missing from {labels:?}");
    }
    // The test process has PATH and HOME; the editor's process would have dozens more.
    for name in ["PATH", "HOME"] {
        assert!(
            !labels.contains(&name),
            "{name} comes from the process environment: {labels:?}"
        );
    }
    let token = items.iter().find(|i| i["label"] == "API_TOKEN").unwrap();
    assert!(
        !token["detail"]
            .as_str()
            .unwrap()
            .contains("tok-secret-value-1"),
        "{token}"
    );
    client.shutdown().await;
}

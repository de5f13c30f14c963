//! Inlay hints: resolved values after `{{VAR}}` on the fixture project (`workspace.rs`) (secrets
//! masked, the app environment named, following the active environment, an env file changed on
//! disk and unsaved edits), and pass / fail with the actual value at the end of each assertion
//! row of a section whose session runs against the loopback echo server, kept after it ends.

use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};

use crate::harness::{TestClient, modern_capabilities};
use crate::references::position_of;
use crate::workspace::{Fixture, start};

/// Capabilities of an editor that refreshes inlay hints when asked.
fn capabilities() -> Value {
    let mut caps = modern_capabilities();
    caps["workspace"]["inlayHint"] = json!({ "refreshSupport": true });
    caps
}

/// Every hint of `uri`: `(line, character, label)`, with the whole answer for messages.
async fn hints(client: &mut TestClient, uri: &str) -> (Vec<(u64, u64, String)>, Value) {
    let answer = client.inlay_hints(uri, 10000).await;
    let list = answer
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {answer}"))
        .iter()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap(),
                h["position"]["character"].as_u64().unwrap(),
                h["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (list, answer)
}

/// The position just after the `nth` `needle` in `text`, as `(line, character)`.
fn after(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let p = position_of(text, needle, nth, needle.len());
    (
        p["line"].as_u64().unwrap(),
        p["character"].as_u64().unwrap(),
    )
}

fn at(position: (u64, u64), label: &str) -> (u64, u64, String) {
    (position.0, position.1, label.to_string())
}

#[tokio::test]
async fn variables_show_their_value_masked_when_secret_with_the_environment_named() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;

    let (list, answer) = hints(&mut client, &chat.uri).await;
    assert_eq!(
        list,
        [
            at(after(&chat.text, "{{HOST}}", 0), "= dev.example.com · dev"),
            at(after(&chat.text, "{{API_TOKEN}}", 0), "= •••• · dev"),
            at(after(&chat.text, "{{REGION}}", 0), "= eu"),
            at(after(&chat.text, "{{REGION}}", 1), "= eu"),
            at(after(&chat.text, "{{HOST}}", 1), "= dev.example.com · dev"),
        ]
    );
    let raw = answer.to_string();
    assert!(!raw.contains("s3cret"), "a secret leaked: {raw}");
    assert!(
        raw.contains("env-public.yaml:4, environment `dev`"),
        "the tooltip says where: {raw}"
    );

    // Another environment picked: the hints follow, and the client is asked to refresh them.
    let mark = client.mark();
    client
        .request(
            "void/environment",
            json!({ "uri": chat.uri, "select": { "envName": "prod" } }),
        )
        .await
        .unwrap();
    client
        .wait_for("workspace/inlayHint/refresh", mark, |_| true)
        .await;
    let (list, _) = hints(&mut client, &chat.uri).await;
    let labels = |list: &[(u64, u64, String)]| list.iter().map(|h| h.2.clone()).collect::<Vec<_>>();
    assert_eq!(
        labels(&list),
        [
            "= prod.example.com · prod",
            "= eu",
            "= eu",
            "= prod.example.com · prod"
        ],
        "API_TOKEN is set in dev only"
    );

    // The .env file changed on disk: the value as it is now.
    std::fs::write(fixture.path("project/.env"), "REGION=ap\n").unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": fixture.uri("project/.env"), "type": 2 }] }),
        )
        .await;
    let (list, _) = hints(&mut client, &chat.uri).await;
    assert_eq!(labels(&list)[1..3], ["= ap", "= ap"]);

    // An unsaved edit: a new use has its hint, an unknown name none.
    let line = chat
        .text
        .lines()
        .position(|l| l.contains("body: admin hello"))
        .unwrap();
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": chat.uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": line, "character": 19 }, "end": { "line": line, "character": 19 } }, "text": " {{REGION}} {{NOPE}}" }] }),
        )
        .await;
    let (list, _) = hints(&mut client, &chat.uri).await;
    assert_eq!(
        list.last().unwrap(),
        &at((line as u64, 30), "= ap"),
        "{list:?}"
    );
    client.shutdown().await;
}

const REQUEST_UID: &str = "6d2e8b63-4f1c-4a6f-8b1d-3c7a1d2f2e22";

/// A WebSocket section whose message is sent on open (the echo sends it back) and two assertion
/// rows: one holds, one does not.
fn session_file(echo_url: &str) -> String {
    format!(
        r#"# Assertions shown where they are written

```void
---
type: socket-request
attrs:
  uid: {REQUEST_UID}
content:
  - type: smethod
    attrs:
      uid: 7e3f9c74-5a2d-4b7a-9c2e-4d8b2e3a3f33
      method: WS
      importedFrom: ""
      visible: true
    content: WS
  - type: surl
    attrs:
      uid: 8f4a0d85-6b3e-4c8b-8d3f-5e9c3f4b4a44
    content: {echo_url}/echo
---
```

```void
---
type: ws-message
attrs:
  uid: 9a5b1e96-7c4f-4d9c-9e4a-6fad4a5c5b55
  name: hello
  format: json
  send: on-open
  body: '{{"op": "hello", "user": {{"name": "Ada"}}}}'
---
```

```void
---
type: ws-assertions
attrs:
  uid: ab6c2fa7-8d5a-4ead-8f5b-7abe5b6d6c66
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
      - attrs:
          disabled: false
        row:
          - The reply says bye
          - received[-1].json.op
          - equals
          - bye
---
```
"#
    )
}

#[tokio::test]
async fn assertion_rows_show_pass_or_fail_with_the_actual_value_during_and_after_a_session() {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("assert.void");
    let text = session_file(&echo.url());
    let (mut client, _) = TestClient::start(capabilities(), Value::Null, None).await;
    let uri = client.open_file(&file, &text).await;
    let (before, _) = hints(&mut client, &uri).await;
    assert!(before.is_empty(), "no session, no results: {before:?}");

    let connected = client
        .command(
            "void.connect",
            json!({ "uri": uri, "blockUid": REQUEST_UID }),
        )
        .await
        .unwrap();
    let id = connected["sessionId"].as_str().unwrap().to_string();
    client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == id.as_str() && p["received"] == 1
        })
        .await;
    let pass = at(after(&text, "- Ada", 0), "✓ pass: Ada");
    let (live, _) = hints(&mut client, &uri).await;
    assert!(live.contains(&pass), "{live:?}");

    let mark = client.mark();
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .unwrap();
    client
        .wait_for("void/sessionStatus", mark, |p| {
            p["sessionId"] == id.as_str() && p["state"] == "closed"
        })
        .await;
    client
        .wait_for("workspace/inlayHint/refresh", mark, |_| true)
        .await;
    let (ended, answer) = hints(&mut client, &uri).await;
    assert_eq!(
        ended,
        [pass, at(after(&text, "- bye", 0), "✗ fail: actual hello")]
    );
    assert!(answer.to_string().contains("ended"), "{answer}");
    client.shutdown().await;
}

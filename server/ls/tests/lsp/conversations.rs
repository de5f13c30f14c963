//! The editor's side of conversations (docs/format.md §4.4) and of `/socketio`: completion of
//! `send: on-receive`, `when:` fields and operators, `capture:` fields, captured names and
//! `{{$msg...}}` values in a reply's body; hover on a captured name and on a `$msg` value;
//! the diagnostic for a capture that shadows an environment variable. The document is the
//! login example of the repository, as a user has it open.

use serde_json::{Value, json};

use super::harness::*;

fn login_example() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/login.void");
    std::fs::read_to_string(path).unwrap()
}

fn labels(result: &Value) -> Vec<String> {
    result["items"]
        .as_array()
        .or_else(|| result.as_array())
        .map(|a| {
            a.iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The example with `$0` put in place of the first `needle` (or right after it with `after`).
fn marked(text: &str, needle: &str, replacement: &str) -> String {
    assert!(text.contains(needle), "{needle} in the example");
    text.replacen(needle, replacement, 1)
}

#[tokio::test]
async fn completion_hover_and_diagnostics_of_replies_and_captures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "ECHO_URL=ws://127.0.0.1:9\nSESSION_TOKEN=from-the-env-file\n",
    )
    .unwrap();
    let uri = file_uri(&dir.path().join("login.void"));
    let mut client = TestClient::start(modern_capabilities(), json!({}), Some(dir.path()))
        .await
        .0;
    let example = login_example();

    // Every case edits one spot of the example and asks for completion there.
    let cases: [(&str, &str, &str); 6] = [
        (
            "send value",
            "  send: on-receive\n  body: '{\"op\": \"pong\"",
            "  send: on-$0\n  body: '{\"op\": \"pong\"",
        ),
        ("when field", "when: json.op equals ping", "when: $0"),
        (
            "when operator",
            "when: json.op equals ping",
            "when: json.op $0",
        ),
        (
            "capture field",
            "capture: SESSION_TOKEN = json.token",
            "capture: SESSION_TOKEN = $0",
        ),
        ("reply body", r#""id": {{$msg.json.id}}"#, r#""id": {{$0"#),
        ("socketio", "Run it with", "/sock$0\n\nRun it with"),
    ];
    let mut version = 1;
    for (name, needle, replacement) in cases {
        let (text, position) = cursor(&marked(&example, needle, replacement));
        version += 1;
        if version == 2 {
            client.open(&uri, &text).await;
        } else {
            client
                .notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": version },
                            "contentChanges": [{ "text": text }] }),
                )
                .await;
        }
        let result = client
            .request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": uri }, "position": position }),
            )
            .await
            .unwrap();
        let labels = labels(&result);
        let has = |label: &str| labels.iter().any(|l| l == label);
        match name {
            "send value" => assert!(has("on-receive") && has("on-open"), "{name}: {labels:?}"),
            "when field" => assert!(
                has("json.") && has("text") && has("event"),
                "{name}: {labels:?}"
            ),
            "when operator" => assert!(
                has("equals") && has("contains") && !has("within"),
                "{name}: `within` needs time, a reply's condition has none: {labels:?}"
            ),
            "capture field" => assert!(has("json.") && has("text"), "{name}: {labels:?}"),
            "reply body" => assert!(
                has("SESSION_TOKEN") && has("$msg.json.") && has("$msg.text") && has("ECHO_URL"),
                "{name}: {labels:?}"
            ),
            "socketio" => assert!(has("/socketio"), "{name}: {labels:?}"),
            _ => unreachable!(),
        }
    }

    // Back to the example as written: a capture that shadows an environment variable is said.
    version += 1;
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": example }] }),
        )
        .await;
    let diagnostics = client.diagnostics(&uri, version).await;
    let shadow: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "capture-shadows-variable")
        .collect();
    assert_eq!(shadow.len(), 1, "{diagnostics:#?}");
    let message = shadow[0]["message"].as_str().unwrap();
    assert!(
        message.contains("capture `SESSION_TOKEN` shadows"),
        "{message}"
    );
    assert!(
        !message.contains("from-the-env-file"),
        "a secret's value is never shown: {message}"
    );

    // The needle's first occurrence in the example, three bytes in (inside its `{{`).
    let hover = |needle: &str| {
        let offset = example.find(needle).unwrap() + needle.find("{{").unwrap() + 3;
        let line = example[..offset].matches('\n').count();
        let character = offset - example[..offset].rfind('\n').map_or(0, |i| i + 1);
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
    };
    let captured = client
        .request("textDocument/hover", hover("{{SESSION_TOKEN}}"))
        .await
        .unwrap();
    let captured = captured["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        captured.contains("Captured at run time by reply `subscribe`"),
        "{captured}"
    );
    assert!(
        captured.contains("••••") && !captured.contains("from-the-env-file"),
        "{captured}"
    );
    let msg = client
        .request("textDocument/hover", hover(r#""id": {{$msg.json.id}}"#))
        .await
        .unwrap();
    let msg = msg["contents"]["value"].as_str().unwrap_or_default();
    assert!(msg.contains("of the message this reply answers"), "{msg}");
    client.shutdown().await;
}

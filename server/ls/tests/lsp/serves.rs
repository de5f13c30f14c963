//! A section served from the editor (docs/lsp-extensions.md, `void.serve`): the `▶ Serve` lens
//! of the shipped login mock starts it on loopback, a real WebSocket client holds its
//! conversation, the log document (`workspace/textDocumentContent`) shows it live, and the
//! `■ Stop serving` lens (`void.stopServe`) ends it.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::harness::{TestClient, lens_containing, lens_titles, text_field};

fn capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": { "textDocumentContent": { "dynamicRegistration": false }, "codeLens": { "refreshSupport": true } },
        "window": { "showDocument": { "support": true } }
    })
}

/// Whether a lens title starts with `title`.
fn has_lens(lenses: &Value, title: &str) -> bool {
    lens_titles(lenses).iter().any(|t| t.starts_with(title))
}

/// The log document's text once it contains every one of `wanted` (each refresh of it is
/// answered by reading it again; bounded only for failure).
async fn log_with(client: &mut TestClient, log_uri: &str, wanted: &[&str]) -> String {
    let mut from = 0;
    loop {
        let text = client
            .request("workspace/textDocumentContent", json!({ "uri": log_uri }))
            .await
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string();
        if wanted.iter().all(|w| text.contains(w)) {
            return text;
        }
        let (_, at) = client
            .wait_for("workspace/textDocumentContent/refresh", from, |p| {
                p["uri"] == log_uri
            })
            .await;
        from = at + 1;
    }
}

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("the served section ended the conversation: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serve_lens_serves_the_mock_a_client_talks_to_and_stop_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "ECHO_URL=ws://127.0.0.1:9\n").unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/login-mock.void"),
    )
    .unwrap();
    let (mut client, init) = TestClient::start(capabilities(), Value::Null, None).await;
    let commands = &init["capabilities"]["executeCommandProvider"]["commands"];
    for name in ["void.serve", "void.stopServe"] {
        assert!(
            commands.as_array().unwrap().contains(&json!(name)),
            "{name} is not advertised"
        );
    }
    let uri = client
        .open_file(&dir.path().join("login-mock.void"), &text)
        .await;

    // Nothing listens until the lens is clicked.
    let before = client.code_lenses(&uri).await;
    let serve = lens_containing(&before, "▶ Serve")["command"].clone();
    assert!(!has_lens(&before, "■ Stop serving"));
    let answer = client
        .command("void.serve", serve["arguments"][0].clone())
        .await
        .unwrap();
    let url = text_field(&answer, "url");
    let log_uri = text_field(&answer, "logUri");
    let id = text_field(&answer, "sessionId");
    assert!(url.starts_with("ws://127.0.0.1:"), "{answer}");
    assert!(log_uri.starts_with("void-session:/"), "{answer}");
    // Serving again answers the same served section.
    let again = client
        .command("void.serve", serve["arguments"][0].clone())
        .await
        .unwrap();
    assert_eq!(again["sessionId"], json!(id));

    // A real client: greeted, logs in, gets the welcome with the token made from its name.
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await, json!({"op": "hello"}));
    ws.send(Message::text(r#"{"op":"login","user":"ada"}"#))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut ws).await,
        json!({"op": "welcome", "token": "mock-ada"})
    );
    let log = log_with(
        &mut client,
        &log_uri,
        &[
            "#1 ⇄ connected",
            "#1 ← {\"op\":\"login\",\"user\":\"ada\"}",
            "captured USER = ada from ← #1",
            "#1 → welcome (reply to ← login #1)",
        ],
    )
    .await;
    assert!(log.starts_with("# "), "{log}");
    assert!(
        log.lines()
            .next()
            .unwrap()
            .contains("serving on ws://127.0.0.1:"),
        "{log}"
    );

    // While served: Stop serving with the URL, and the log; Stop ends it.
    let during = client.code_lenses(&uri).await;
    let stop = lens_containing(&during, "■ Stop serving")["command"].clone();
    assert!(stop["title"].as_str().unwrap().contains(&url), "{stop}");
    assert!(!has_lens(&during, "▶ Serve"));
    let stopped = client
        .command("void.stopServe", stop["arguments"][0].clone())
        .await
        .unwrap();
    assert_eq!(stopped, json!({"ok": true}));
    let log = log_with(&mut client, &log_uri, &["■ stopped"]).await;
    assert!(log.lines().next().unwrap().contains("stopped on"), "{log}");
    // The client's connection ends with it, and the lens offers to serve again.
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the client's connection outlived the stop");
    let after = client.code_lenses(&uri).await;
    assert!(has_lens(&after, "▶ Serve"), "{after}");
    let unknown = client
        .command("void.stopServe", json!({ "sessionId": id }))
        .await;
    assert!(unknown.is_ok(), "stopping twice is harmless: {unknown:?}");
}

//! Bad input: malformed JSON-RPC, unknown methods, positions out of range, changes to documents
//! that are not open, requests before `initialize`, and a 50 MB document. The server must answer
//! with clear errors or carry on, never crash or hang.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::harness::*;

#[tokio::test]
async fn malformed_json_rpc_gets_a_parse_error_and_the_server_carries_on() {
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json").await;
    client.send_raw(b"garbage without headers\r\n\r\n").await;
    client.send_raw(b"Content-Length: 2\r\n\r\n[]").await;
    // Still serving.
    client.open("file:///a.void", "# a\n").await;
    let (version, text) = client.server_text("file:///a.void").await;
    assert_eq!((version, text.as_str()), (1, "# a\n"));
    let orphans = client.orphan_responses.lock().unwrap().clone();
    assert!(
        orphans.iter().any(|r| r["error"]["code"] == -32700),
        "parse error answered: {orphans:?}"
    );
    assert!(client.is_server_running());
    client.shutdown().await;
}

#[tokio::test]
async fn unknown_methods_and_bad_params() {
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    let error = client
        .request("void/noSuchMethod", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error["code"], -32601);
    client.notify("void/noSuchNotification", json!({})).await;
    client.notify("$/setTrace", json!({ "value": "off" })).await;
    let error = client
        .request("textDocument/hover", json!({ "nonsense": true }))
        .await
        .unwrap_err();
    assert_eq!(error["code"], -32602);
    let error = client.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///never-opened.void" }, "position": { "line": 0, "character": 0 } })).await.unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("is not open"),
        "{error}"
    );
    assert!(client.is_server_running());
    client.shutdown().await;
}

#[tokio::test]
async fn requests_before_initialize_are_refused() {
    let mut client = TestClient::spawn();
    let error = client.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///a.void" }, "position": { "line": 0, "character": 0 } })).await.unwrap_err();
    assert_eq!(error["code"], -32002);
    client
        .request("initialize", json!({ "capabilities": {} }))
        .await
        .unwrap();
    client.shutdown().await;
}

#[tokio::test]
async fn positions_out_of_range() {
    let (mut client, _) = TestClient::start(basic_capabilities(), Value::Null, None).await;
    let uri = "file:///r.void";
    client.open(uri, "line one\nline two\n").await;
    let error = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 99, "character": 0 } }),
        )
        .await
        .unwrap_err();
    assert_eq!(error["code"], -32602);
    assert!(
        error["message"].as_str().unwrap().contains("out of range"),
        "{error}"
    );
    // A character past the end of a line means the end of the line (LSP).
    let ok = client
        .request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 500 } }),
        )
        .await;
    assert!(ok.is_ok());
    // An edit past the end is clamped to the end of the text.
    client
        .notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": 40, "character": 3 }, "end": { "line": 50, "character": 0 } }, "text": "tail" }] }))
        .await;
    assert_eq!(
        client.server_text(uri).await,
        (2, "line one\nline two\ntail".to_string())
    );
    client.shutdown().await;
}

#[tokio::test]
async fn changes_to_documents_that_are_not_open_are_ignored() {
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    let uri = "file:///ghost.void";
    client.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": "boo" }] })).await;
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": 42 } }),
        )
        .await;
    let error = client
        .request("void/debugDocument", json!({ "uri": uri }))
        .await
        .unwrap_err();
    assert!(error["message"].as_str().unwrap().contains("is not open"));
    // Open/close cycle: closing clears diagnostics.
    client.open(uri, "```void\n---\ntype: [\n---\n```\n").await;
    assert!(!client.diagnostics(uri, 1).await.is_empty());
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let cleared = client
        .wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["diagnostics"].as_array().is_some_and(Vec::is_empty)
        })
        .await;
    assert!(cleared["version"].is_null());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_document_is_handled_without_blocking_other_requests() {
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    // Mostly prose, like a real long document, with a block every ~20 KB.
    let prose =
        "Some prose about the request below, long enough to matter, with `code` and *emphasis*.\n"
            .repeat(220);
    let section = format!(
        "## Section\n\n{prose}\n```void\n---\ntype: ws-message\nattrs:\n  uid: 5b0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c\n  name: m\n  body: hi\n---\n```\n\n"
    );
    let mut big = String::with_capacity(50 * 1024 * 1024 + section.len());
    while big.len() < 50 * 1024 * 1024 {
        big.push_str(&section);
    }
    let big_uri = "file:///big.void";
    let started = Instant::now();
    client.open(big_uri, &big).await;
    drop(big);
    eprintln!("sent open after {:?}", started.elapsed());
    // A small document stays responsive while the big one is being analysed.
    client.open("file:///small.void", "# small\n").await;
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///small.void" }, "position": { "line": 0, "character": 1 } })).await;
    assert!(hover.is_ok());
    let (version, _) = client.server_text("file:///small.void").await;
    assert_eq!(version, 1);
    eprintln!("small document answered after {:?}", started.elapsed());
    // Edits to the big document apply, and diagnostics arrive for it.
    client.notify("textDocument/didChange", json!({ "textDocument": { "uri": big_uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "x" }] })).await;
    // Unoptimised test builds parse 50 MB slowly (tens of seconds on a busy machine): slow, not
    // stuck. The release binary's figures are in BENCHMARKS.md.
    let patience = Duration::from_secs(300);
    let folds = client
        .request_within(
            "textDocument/foldingRange",
            json!({ "textDocument": { "uri": big_uri } }),
            patience,
        )
        .await
        .unwrap();
    assert!(folds.as_array().unwrap().len() > 2000);
    let published = client
        .wait_notification_within(
            "textDocument/publishDiagnostics",
            |p| p["uri"] == big_uri && p["version"] == 2,
            patience,
        )
        .await;
    let diagnostics = published["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Every section repeats one uid: capped at 2000 published, plus a note saying so.
    assert_eq!(
        diagnostics.len(),
        2001,
        "duplicate uids are reported, capped"
    );
    assert_eq!(diagnostics[2000]["code"], "too-many-diagnostics");
    eprintln!(
        "50 MB document: open to diagnostics in {:?}",
        started.elapsed()
    );
    assert!(client.is_server_running());
    client.shutdown().await;
}

/// A framed message.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// A `void/debugDocument` request body for `uri` with `id`.
fn debug_request(id: u64, uri: &str) -> String {
    json!({ "jsonrpc": "2.0", "id": id, "method": "void/debugDocument", "params": { "uri": uri } })
        .to_string()
}

#[tokio::test]
async fn every_bad_content_length_costs_one_message_and_the_stream_resynchronises() {
    let uri = "file:///resync.void";
    let open = json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "void", "version": 1, "text": "# resync\n" } } }).to_string();
    let bad_frames: Vec<(&str, Vec<u8>)> = vec![
        (
            "missing",
            format!(
                "Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
                debug_request(900, uri)
            )
            .into_bytes(),
        ),
        (
            "non-numeric",
            format!("Content-Length: twelve\r\n\r\n{}", debug_request(901, uri)).into_bytes(),
        ),
        (
            "too short",
            format!("Content-Length: 10\r\n\r\n{}", debug_request(902, uri)).into_bytes(),
        ),
        (
            "too long",
            format!("Content-Length: 4000\r\n\r\n{}", debug_request(903, uri)).into_bytes(),
        ),
    ];
    for (what, bad) in bad_frames {
        let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
        // The bad frame and three valid messages after it, in one write, as a pipelining
        // client sends them.
        let mut bytes = bad;
        bytes.extend(frame(&open));
        bytes.extend(frame(&debug_request(1000, uri)));
        bytes.extend(frame(&debug_request(1001, uri)));
        client.send_raw(&bytes).await;
        // The messages after it are all answered, promptly.
        let started = Instant::now();
        let (version, text) = client.server_text(uri).await;
        assert_eq!((version, text.as_str()), (1, "# resync\n"), "{what}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what}: answered after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let orphans = client.orphan_responses.lock().unwrap().clone();
        let answered: Vec<i64> = orphans.iter().filter_map(|r| r["id"].as_i64()).collect();
        assert!(
            answered.contains(&1000) && answered.contains(&1001),
            "{what}: {orphans:#?}"
        );
        if what == "too long" {
            // The message itself was readable: its JSON ended before the next header.
            assert!(answered.contains(&903), "{what}: {orphans:#?}");
        } else {
            // What was skipped is said.
            let said: Vec<String> = orphans
                .iter()
                .filter(|r| r["error"]["code"] == -32700)
                .filter_map(|r| r["error"]["message"].as_str().map(str::to_string))
                .collect();
            assert!(!said.is_empty(), "{what}: {orphans:#?}");
            assert!(
                said.iter()
                    .any(|m| m.contains("Content-Length") || m.contains("JSON")),
                "{what}: {said:?}"
            );
        }
        assert!(client.is_server_running(), "{what}");
        client.shutdown().await;
    }
}

#[tokio::test]
async fn a_too_long_content_length_from_a_waiting_client_is_answered_within_a_second() {
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    let uri = "file:///waiting.void";
    client.open(uri, "# w\n").await;
    // Declares more than it sends, then waits for the answer.
    client
        .send_raw(format!("Content-Length: 5000\r\n\r\n{}", debug_request(77, uri)).as_bytes())
        .await;
    let started = Instant::now();
    loop {
        let answered = client
            .orphan_responses
            .lock()
            .unwrap()
            .iter()
            .any(|r| r["id"] == 77);
        if answered {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "no answer within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (version, _) = client.server_text(uri).await;
    assert_eq!(version, 1);
    client.shutdown().await;
}

/// The real binary, speaking LSP on its stdio.
fn server_process() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_void-ls"));
    command.stderr(std::process::Stdio::null());
    command
}

#[tokio::test]
async fn exit_without_shutdown_ends_the_process_with_code_one_and_after_shutdown_with_zero() {
    let (client, _) =
        TestClient::start_process(server_process(), modern_capabilities(), Value::Null, None).await;
    assert!(client.process_id().is_some());
    assert_eq!(client.exit_code(true).await, Some(1));

    let (client, _) =
        TestClient::start_process(server_process(), modern_capabilities(), Value::Null, None).await;
    assert_eq!(client.exit_code(false).await, Some(0));

    // In process, the transport says the same.
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    client.notify("exit", Value::Null).await;
    let ending = client.ending().await.expect("the server stops on exit");
    assert_eq!(ending, void_ls::lsp::transport::Ending::ExitWithoutShutdown);
}

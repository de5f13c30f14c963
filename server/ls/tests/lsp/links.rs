//! Linked blocks through the server (docs/format.md §6): a `socket-request` linked from
//! another folder gets a `▶ Connect` lens on the link and connects to a real echo server;
//! go-to-definition on the link opens the source block; a link that leads nowhere (missing
//! file, missing uid, cycle) is an error diagnostic on it, and the `ws-*` blocks of a linked
//! section are not "outside a WebSocket section".

use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};

use crate::harness::{TestClient, file_uri, lens_titled, modern_capabilities};

const REQUEST_UID: &str = "5a1c0e9d-3b7f-4c2a-9e8d-1f0a2b3c4d5e";

fn library(url: &str) -> String {
    format!(
        "# Shared\n\n```void
---
type: socket-request
attrs:
  uid: {REQUEST_UID}
content:
  - type: smethod
    attrs:
      uid: 6b2d1f0e-4c8a-4d3b-8f9e-2a1b3c4d5e6f
      method: WS
    content: WS
  - type: surl
    attrs:
      uid: 7c3e2a1f-5d9b-4e4c-9a0f-3b2c4d5e6f70
    content: {url}
---
```
"
    )
}

fn link(block_uid: &str, file: &str) -> String {
    format!(
        "```void\n---\ntype: linkedBlock\nattrs:\n  uid: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n  blockUid: {block_uid}\n  originalFile: {file}\n---\n```\n"
    )
}

const MESSAGE: &str = "```void
---
type: ws-message
attrs:
  uid: 8d4f3b2a-6e0c-4f5d-8b1a-4c3d5e6f7081
  name: hello
  send: on-open
  body: hello, linked
---
```
";

async fn diagnostics_after(client: &TestClient, uri: &str, from: usize) -> Vec<Value> {
    let (params, _) = client
        .wait_for("textDocument/publishDiagnostics", from, |p| p["uri"] == uri)
        .await;
    params["diagnostics"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_linked_socket_request_connects_and_leads_to_its_source() {
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".voiden")).unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::create_dir(dir.path().join("api")).unwrap();
    let lib = library(&format!("{}/echo", echo.url()));
    std::fs::write(dir.path().join("lib/requests.void"), &lib).unwrap();
    let text = format!(
        "# Linked\n\n{}\n{MESSAGE}",
        link(REQUEST_UID, "/lib/requests.void")
    );
    let file = dir.path().join("api/use.void");
    std::fs::write(&file, &text).unwrap();
    let uri = file_uri(&file);

    let (mut client, _) =
        TestClient::start(modern_capabilities(), json!({}), Some(dir.path())).await;
    let mark = client.mark();
    client.open(&uri, &text).await;
    let diagnostics = diagnostics_after(&client, &uri, mark).await;
    assert!(
        diagnostics.iter().all(|d| d["severity"] != 1),
        "a linked section has no errors: {diagnostics:?}"
    );

    // ▶ Connect on the link, and it connects to where the linked block says.
    let lenses = client.code_lenses(&uri).await;
    let connect = lens_titled(&lenses, "▶ Connect").clone();
    assert_eq!(connect["range"]["start"]["line"], 2, "{connect}");
    let connected = client
        .command("void.connect", connect["command"]["arguments"][0].clone())
        .await
        .unwrap();
    let session_id = connected["sessionId"].as_str().unwrap().to_string();
    let (open, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == session_id.as_str() && p["state"] == "open" && p["received"] == 1
        })
        .await;
    assert_eq!(open["blockUid"], REQUEST_UID);
    assert_eq!(echo.connections(), 1);
    client
        .command("void.close", json!({ "sessionId": session_id }))
        .await
        .unwrap();

    // Go to definition on the link: the source block in lib/requests.void.
    let definition = client
        .request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 6, "character": 14 } }),
        )
        .await
        .unwrap();
    assert_eq!(
        definition["uri"],
        file_uri(&dir.path().join("lib/requests.void")).as_str()
    );
    assert_eq!(definition["range"]["start"]["line"], 2, "{definition}");
    client.shutdown().await;
}

#[tokio::test]
async fn links_that_lead_nowhere_are_errors_on_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".voiden")).unwrap();
    std::fs::write(
        dir.path().join("lib.void"),
        library("ws://127.0.0.1:9/echo"),
    )
    .unwrap();
    let (mut client, _) =
        TestClient::start(modern_capabilities(), json!({}), Some(dir.path())).await;
    for (name, text, words) in [
        (
            "file.void",
            link(REQUEST_UID, "/nope.void"),
            "does not exist",
        ),
        (
            "uid.void",
            link("00000000-0000-4000-8000-000000000000", "/lib.void"),
            "no block with uid",
        ),
        (
            "self.void",
            link("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "/self.void"),
            "lead back to themselves",
        ),
    ] {
        let text = format!("{text}\n{MESSAGE}");
        let file = dir.path().join(name);
        let mark = client.mark();
        let uri = client.open_file(&file, &text).await;
        let diagnostics = diagnostics_after(&client, &uri, mark).await;
        let link_error = diagnostics
            .iter()
            .find(|d| d["code"] == "link-unresolved")
            .unwrap_or_else(|| panic!("{name}: {diagnostics:?}"));
        assert_eq!(link_error["severity"], 1);
        assert!(
            link_error["message"].as_str().unwrap().contains(words),
            "{name}: {link_error}"
        );
        assert_eq!(
            link_error["range"]["start"]["line"], 6,
            "on originalFile: {link_error}"
        );
        assert!(
            diagnostics
                .iter()
                .any(|d| d["code"] == "ws-block-outside-section"),
            "{name}: the ws-message has no socket-request after all: {diagnostics:?}"
        );
    }
    client.shutdown().await;
}

//! HTTP sections run from the editor, end to end against a real HTTP server on loopback
//! (aiohttp, tests/peers/http_server.py): the `▶ Run` lens runs a login request, its response
//! is a read-only `void-session:` document (status line, headers, pretty JSON body, the
//! assertion rows, the captured token masked), `void/sessionStatus` tells its status, HTTP
//! status and assertion tally, inlay hints give each `assertions-table` row's verdict, and the
//! token the login captured (`runtime-variables`) feeds the next WebSocket section's bearer
//! auth, which the server checks before it upgrades. A GraphQL subscription (npm `graphql-ws`,
//! tests/peers/graphql_server.js) is a live session over WebSocket with its log and Close.

use std::path::Path;

use serde_json::{Value, json};

use super::harness::{TestClient, file_uri, lens_titled, lens_titles, text_field};
use super::peers;

const LOGIN_UID: &str = "11111111-1111-4111-8111-111111111111";
const SOCKET_UID: &str = "22222222-2222-4222-8222-222222222222";
const GRAPHQL_UID: &str = "13131313-1313-4313-8313-131313131313";

/// A `.void` file: a login over HTTP capturing a token, then a WebSocket that needs it.
fn chain_file() -> String {
    format!(
        r#"---
version: 0.20.1
generatedBy: Voiden app
---

# Login then connect

```void
---
type: request-separator
attrs:
  uid: 33333333-3333-4333-8333-333333333333
  label: Login
---
```

```void
---
type: request
attrs:
  uid: {LOGIN_UID}
content:
  - type: method
    attrs:
      uid: 44444444-4444-4444-8444-444444444444
    content: POST
  - type: url
    attrs:
      uid: 55555555-5555-4555-8555-555555555555
    content: "{{{{BASE}}}}/login"
---
```

```void
---
type: json_body
attrs:
  uid: 66666666-6666-4666-8666-666666666666
  body: |-
    {{"user": "ada", "password": "{{{{PASSWORD}}}}"}}
---
```

```void
---
type: assertions-table
attrs:
  uid: 77777777-7777-4777-8777-777777777777
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - "Logged in"
          - "status"
          - "equals"
          - "200"
      - attrs:
          disabled: false
        row:
          - ""
          - "body.user.id"
          - "equals"
          - "7"
---
```

```void
---
type: runtime-variables
attrs:
  uid: 88888888-8888-4888-8888-888888888888
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - "token"
          - "{{{{$res.body.token}}}}"
---
```

```void
---
type: request-separator
attrs:
  uid: 99999999-9999-4999-8999-999999999999
  label: Socket
---
```

```void
---
type: socket-request
attrs:
  uid: {SOCKET_UID}
content:
  - type: smethod
    attrs:
      uid: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
      method: WS
    content: WS
  - type: surl
    attrs:
      uid: bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb
    content: "{{{{WS_BASE}}}}/ws"
---
```

```void
---
type: auth
attrs:
  uid: cccccccc-cccc-4ccc-8ccc-cccccccccccc
  authType: bearer
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - "token"
          - "{{{{process.token}}}}"
---
```

```void
---
type: ws-assertions
attrs:
  uid: dddddddd-dddd-4ddd-8ddd-dddddddddddd
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - "Greeted"
          - "received[0].json.hello"
          - "equals"
          - "ada"
---
```

```void
---
type: request-separator
attrs:
  uid: eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee
  label: Hello
---
```

```void
---
type: gqlquery
attrs:
  uid: {GRAPHQL_UID}
content:
  - type: gqlurl
    attrs:
      uid: ffffffff-ffff-4fff-8fff-ffffffffffff
    content: "{{{{BASE}}}}/graphql"
  - type: gqlbody
    attrs:
      uid: 12121212-1212-4212-8212-121212121212
      body: |-
        query Hello {{ hello }}
      operationType: query
---
```
"#
    )
}

fn capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": {
            "textDocumentContent": { "dynamicRegistration": false },
            "codeLens": { "refreshSupport": true },
            "inlayHint": { "refreshSupport": true }
        },
        "window": { "showDocument": { "support": true } }
    })
}

/// The aiohttp peer (tests/peers/http_server.py), started; `None` (a failure under `CI=true`)
/// when there is no Python with aiohttp.
async fn http_peer() -> Option<peers::Peer> {
    let Some(python) = peers::python() else {
        peers::missing("a Python with aiohttp (VOID_TEST_PYTHON)");
        return None;
    };
    let mut command = tokio::process::Command::new(python);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/http_server.py"));
    Some(peers::Peer::start(command).await)
}

/// A project folder holding `.env` (`env`) and `name` (`text`), a client started on it with
/// `name` open: the folder (removed when dropped), the client and `name`'s URI.
async fn opened(env: String, name: &str, text: &str) -> (tempfile::TempDir, TestClient, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), env).unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let uri = file_uri(&file);
    let (mut client, _) = TestClient::start(capabilities(), Value::Null, Some(dir.path())).await;
    client.open(&uri, text).await;
    (dir, client, uri)
}

/// [`opened`] with `BASE` the HTTP server on loopback port `port`.
async fn opened_on_port(
    port: u16,
    name: &str,
    text: &str,
) -> (tempfile::TempDir, TestClient, String) {
    opened(format!("BASE=http://127.0.0.1:{port}\n"), name, text).await
}

/// Closes the live session `id` and waits for it to end, having received at least three
/// messages: the text of its log (`log_uri`).
async fn close_after_three(client: &mut TestClient, id: &str, log_uri: &str) -> String {
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .unwrap();
    let closed = wait_for_state(client, id, "closed").await;
    assert!(closed["received"].as_u64().unwrap() >= 3, "{closed}");
    document_text(client, log_uri).await
}

/// Waits until session `id` reports `state`: that status.
async fn wait_for_state(client: &mut TestClient, id: &str, state: &str) -> Value {
    let (status, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == id && p["state"] == state
        })
        .await;
    status
}

/// Waits until the live session `id` is open and has received at least three messages: that
/// status.
async fn open_with_three(client: &mut TestClient, id: &str) -> Value {
    let (status, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == id
                && p["state"] == "open"
                && p["received"].as_u64().is_some_and(|n| n >= 3)
        })
        .await;
    status
}

/// Runs the section of `uri` whose block is `block_uid` with `void.connect`: its session id
/// and log URI.
async fn connect(client: &mut TestClient, uri: &str, block_uid: &str) -> (String, String) {
    let ran = client
        .command("void.connect", json!({ "uri": uri, "blockUid": block_uid }))
        .await
        .unwrap();
    (text_field(&ran, "sessionId"), text_field(&ran, "logUri"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_over_http_then_connect_with_its_token_in_the_editor() {
    let Some(peer) = http_peer().await else {
        return;
    };
    let text = chain_file();
    let (_dir, mut client, uri) = opened(
        format!(
            "BASE=http://127.0.0.1:{0}\nWS_BASE=ws://127.0.0.1:{0}\nPASSWORD=s3cret\n",
            peer.port
        ),
        "chain.void",
        &text,
    )
    .await;

    // Before the login ran, the WebSocket section cannot resolve the token, and says which.
    let early = client
        .command(
            "void.connect",
            json!({ "uri": uri, "blockUid": SOCKET_UID }),
        )
        .await
        .unwrap_err();
    assert!(early.to_string().contains("process.token"), "{early}");

    // The HTTP section has a ▶ Run lens that runs it.
    let lenses = client.code_lenses(&uri).await;
    let run = lens_titled(&lenses, "▶ Run").clone();
    assert_eq!(run["command"]["arguments"][0]["blockUid"], LOGIN_UID);
    let ran = client
        .command("void.connect", run["command"]["arguments"][0].clone())
        .await
        .unwrap();
    let run_id = text_field(&ran, "sessionId");
    let response_uri = text_field(&ran, "logUri");
    assert!(
        response_uri.starts_with(&format!("void-session:/{run_id}/login_"))
            && response_uri.ends_with(".response"),
        "{response_uri}"
    );
    let (status, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == run_id.as_str() && p["state"] != "connecting"
        })
        .await;
    assert_eq!(status["state"], "closed", "{status}");
    assert_eq!(status["detail"]["httpStatus"], 200, "{status}");
    assert_eq!(
        status["detail"]["assertions"],
        json!({ "passed": 2, "failed": 0, "pending": 0 }),
        "{status}"
    );
    assert_eq!(status["logUri"], response_uri.as_str());

    // The response document: status line, headers, the body pretty-printed, the rows, the
    // captured token masked (it is a secret by its name); the fallback request agrees.
    let content = client
        .request(
            "workspace/textDocumentContent",
            json!({ "uri": response_uri }),
        )
        .await
        .unwrap();
    let shown = content["text"].as_str().unwrap().to_string();
    assert!(shown.starts_with("# POST http://127.0.0.1:"), "{shown}");
    for expected in [
        "HTTP/1.1 200 OK",
        "content-type: application/json",
        "\n  \"user\": {\n",
        "✓ Logged in",
        "token",
        "••••",
    ] {
        assert!(shown.contains(expected), "{expected:?} in:\n{shown}");
    }
    assert!(
        !shown.contains("tok-ada") && !shown.contains("s3cret"),
        "{shown}"
    );
    let fallback = client
        .request("void/sessionLogText", json!({ "uri": response_uri }))
        .await
        .unwrap();
    assert_eq!(fallback["text"], content["text"]);

    // Lenses say how the run ended; inlay hints give each row's verdict.
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses)
            .iter()
            .any(|t| t.starts_with("last: ○ 200 OK") && t.ends_with("✓2 ✗0")),
        "{lenses}"
    );
    let hints = client.inlay_hints(&uri, 200).await;
    let passes = hints
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["label"].as_str().is_some_and(|l| l.starts_with("✓ pass")))
        .count();
    assert_eq!(passes, 2, "{hints}");

    // `void/sectionAt` tells clients an HTTP section (a GraphQL one too) and its latest run.
    let login = client
        .request(
            "void/sectionAt",
            json!({ "textDocument": { "uri": uri }, "blockUid": LOGIN_UID }),
        )
        .await
        .unwrap();
    assert_eq!(login["kind"], "http", "{login}");
    assert_eq!(login["session"]["logUri"], response_uri.as_str(), "{login}");
    assert_eq!(login["session"]["state"], "closed", "{login}");
    let graphql = client
        .request(
            "void/sectionAt",
            json!({ "textDocument": { "uri": uri }, "blockUid": GRAPHQL_UID }),
        )
        .await
        .unwrap();
    assert_eq!(graphql["kind"], "http", "{graphql}");
    assert!(
        graphql["url"].as_str().unwrap().ends_with("/graphql"),
        "{graphql}"
    );

    // The captured token feeds the WebSocket section: the server greets only its holder.
    let (session_id, _) = connect(&mut client, &uri, SOCKET_UID).await;
    let (greeted, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == session_id.as_str()
                && (p["detail"]["assertions"]["passed"] == 1 || p["state"] == "failed")
        })
        .await;
    assert_eq!(greeted["detail"]["assertions"]["passed"], 1, "{greeted}");
    assert!(!greeted.to_string().contains("tok-ada"), "{greeted}");
    client
        .command("void.close", json!({ "sessionId": session_id }))
        .await
        .unwrap();
    client.shutdown().await;
    drop(peer);
}

const STREAM_UID: &str = "14141414-1414-4414-8414-141414141414";

/// An HTTP section whose response is an endless Server-Sent Events stream, without rows.
fn stream_file() -> String {
    format!(
        r#"# Stream

```void
---
type: request
attrs:
  uid: {STREAM_UID}
content:
  - type: method
    attrs:
      uid: 15151515-1515-4515-8515-151515151515
    content: GET
  - type: url
    attrs:
      uid: 16161616-1616-4616-8616-161616161616
    content: "{{{{BASE}}}}/sse?forever=1"
---
```
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_is_live_in_the_editor_until_closed() {
    let Some(peer) = http_peer().await else {
        return;
    };
    let text = stream_file();
    let (_dir, mut client, uri) = opened_on_port(peer.port, "stream.void", &text).await;

    let (run_id, response_uri) = connect(&mut client, &uri, STREAM_UID).await;
    // Live: `open`, counting events, the document showing them as they come.
    let open = open_with_three(&mut client, &run_id).await;
    assert_eq!(open["detail"]["httpStatus"], 200, "{open}");
    let shown = document_text(&mut client, &response_uri).await;
    assert!(
        shown.contains("· open ·") && shown.contains("← #2 message · {\"n\": 2}"),
        "{shown}"
    );
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses).iter().any(|t| t == "Close")
            && lens_titles(&lenses)
                .iter()
                .any(|t| t.starts_with("● open · ")),
        "{lenses}"
    );

    // Close ends it: what came is kept and said.
    let shown = close_after_three(&mut client, &run_id, &response_uri).await;
    assert!(
        shown.contains("closed by the client (Close)") && shown.contains("← #1 message"),
        "{shown}"
    );
    client.shutdown().await;
    drop(peer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_while_waiting_for_the_headers_says_what_happened() {
    // A listener that is held but never accepts: the connection is made (the kernel's backlog)
    // and the request sent, and no answer ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let text = stream_file();
    let (_dir, mut client, uri) = opened_on_port(port, "silent.void", &text).await;
    let (run_id, response_uri) = connect(&mut client, &uri, STREAM_UID).await;
    wait_for_state(&mut client, &run_id, "connecting").await;
    client
        .command("void.close", json!({ "sessionId": run_id }))
        .await
        .unwrap();
    let (ended, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == run_id.as_str() && p["state"] != "connecting"
        })
        .await;
    let error = ended["detail"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("closed by the client (Close)")
            && error.contains("before the response was complete"),
        "{ended}"
    );
    let shown = document_text(&mut client, &response_uri).await;
    assert!(
        shown.contains("closed by the client (Close)") && shown.contains("/sse?forever=1"),
        "{shown}"
    );
    client.shutdown().await;
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn res_body_paths_complete_from_the_last_response() {
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let text = stream_file().replace("/sse?forever=1", "/api/items/7")
        + "\n```void\n---\ntype: runtime-variables\nattrs:\n  uid: 18181818-1818-4818-8818-181818181818\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - name\n          - \"{{$res.body.}}\"\n---\n```\n";
    let (_dir, mut client, uri) =
        opened(format!("BASE={}\n", server.http_url()), "item.void", &text).await;
    let (run_id, _) = connect(&mut client, &uri, STREAM_UID).await;
    wait_for_state(&mut client, &run_id, "closed").await;
    let (line, before) = text
        .lines()
        .enumerate()
        .find_map(|(n, l)| l.find("$res.body.").map(|at| (n, at + "$res.body.".len())))
        .unwrap();
    let items = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": before}}),
        )
        .await
        .unwrap();
    let labels: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["id", "name"], "{items}");
    client.shutdown().await;
}

/// The hover text at (`line`, `character`) of `uri`.
async fn hover_text(client: &mut TestClient, uri: &str, line: usize, character: usize) -> String {
    let answer = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
        .await
        .unwrap();
    answer["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_value_is_shown_on_hover_once_captured() {
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let text = stream_file().replace("/sse?forever=1", "/api/items/7")
        + "\n```void\n---\ntype: runtime-variables\nattrs:\n  uid: 19191919-1919-4919-8919-191919191919\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - item\n          - \"{{$res.body.name}}\"\n---\n```\n\n```void\n---\ntype: request-separator\nattrs:\n  uid: 20202020-2020-4020-8020-202020202020\n  label: Then\n---\n```\n\n```void\n---\ntype: request\nattrs:\n  uid: 21212121-2121-4121-8121-212121212121\ncontent:\n  - type: method\n    attrs:\n      uid: 22222222-2222-4222-8222-222222222222\n    content: GET\n  - type: url\n    attrs:\n      uid: 23232323-2323-4323-8323-232323232323\n    content: \"{{BASE}}/api/echo?x={{process.item}}\"\n---\n```\n";
    let (_dir, mut client, uri) = opened(
        format!("BASE={}\n", server.http_url()),
        "capture.void",
        &text,
    )
    .await;
    let (line, character) = text
        .lines()
        .enumerate()
        .find_map(|(n, l)| l.find("process.item").map(|at| (n, at + 2)))
        .unwrap();
    let before = hover_text(&mut client, &uri, line, character).await;
    assert!(before.contains("Not captured yet"), "{before}");
    let (run_id, _) = connect(&mut client, &uri, STREAM_UID).await;
    wait_for_state(&mut client, &run_id, "closed").await;
    let after = hover_text(&mut client, &uri, line, character).await;
    assert!(
        after.contains("Now: item 7") && after.contains("{{$res.body.name}}"),
        "{after}"
    );
    client.shutdown().await;
}

/// The text of the response (or log) document `uri`.
async fn document_text(client: &mut TestClient, uri: &str) -> String {
    let answer = client
        .request("void/sessionLogText", json!({ "uri": uri }))
        .await
        .unwrap();
    answer["text"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_pauses_and_resumes_like_a_session_log() {
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let text = stream_file().replace("/sse?forever=1", "/events?count=1000000&every_ms=10");
    let (_dir, mut client, uri) = opened(
        format!("BASE={}\n", server.http_url()),
        "paused.void",
        &text,
    )
    .await;
    let (run_id, response_uri) = connect(&mut client, &uri, STREAM_UID).await;
    let open = open_with_three(&mut client, &run_id).await;
    assert_eq!(open["paused"], false, "{open}");
    client
        .command("void.pause", json!({ "sessionId": run_id }))
        .await
        .unwrap();
    let paused = document_text(&mut client, &response_uri).await;
    assert!(paused.contains("⏸ paused"), "{paused}");
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses).iter().any(|t| t == "Resume"),
        "{lenses}"
    );
    // Events still arrive and count while the document stays as it was.
    let (counted, _) = client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == run_id.as_str()
                && p["paused"] == true
                && p["received"].as_u64().is_some_and(|n| n >= 10)
        })
        .await;
    assert_eq!(
        document_text(&mut client, &response_uri).await,
        paused,
        "{counted}"
    );
    client
        .command("void.resume", json!({ "sessionId": run_id }))
        .await
        .unwrap();
    let resumed = document_text(&mut client, &response_uri).await;
    assert!(
        !resumed.contains("⏸ paused") && resumed.contains("{\"n\": 10}"),
        "{resumed}"
    );
    client
        .command("void.close", json!({ "sessionId": run_id }))
        .await
        .unwrap();
    client.shutdown().await;
}

const SUBSCRIPTION_UID: &str = "17171717-1717-4717-8717-171717171717";

/// A GraphQL subscription section (`ticks` streams until stopped) with its bearer header.
fn subscription_file() -> String {
    format!(
        r#"# Ticks

```void
---
type: gqlquery
attrs:
  uid: {SUBSCRIPTION_UID}
content:
  - type: gqlurl
    attrs:
      uid: 18181818-1818-4818-8818-181818181818
    content: "{{{{BASE}}}}/graphql"
  - type: gqlbody
    attrs:
      uid: 19191919-1919-4919-8919-191919191919
      body: |-
        subscription Ticks {{ ticks }}
      operationType: subscription
---
```

```void
---
type: headers-table
attrs:
  uid: 20202020-2020-4020-8020-202020202020
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - Authorization
          - Bearer good
---
```
"#
    )
}

/// A GraphQL subscription run from the editor is a live session over WebSocket
/// (`graphql-transport-ws`, against npm `graphql-ws` on loopback): its log document shows the
/// protocol and each result as a received message, and Close stops it with `complete`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graphql_subscription_is_live_in_the_editor_until_closed() {
    let Some(modules) = peers::node_modules() else {
        peers::missing("no node_modules (set VOID_TEST_NODE_MODULES or run tests/lib/tools.sh)");
        return;
    };
    if !Path::new(&modules).join("graphql-ws").is_dir() {
        peers::missing(
            "npm `graphql-ws` is not installed (run tests/lib/tools.sh ensure_node_peers)",
        );
        return;
    }
    let mut command = tokio::process::Command::new("node");
    command
        .env("NODE_PATH", modules)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/graphql_server.js"));
    let peer = peers::Peer::start(command).await;
    let text = subscription_file();
    let (_dir, mut client, uri) = opened_on_port(peer.port, "ticks.void", &text).await;

    let (session_id, log_uri) = connect(&mut client, &uri, SUBSCRIPTION_UID).await;
    open_with_three(&mut client, &session_id).await;
    let lenses = client.code_lenses(&uri).await;
    assert!(
        lens_titles(&lenses).iter().any(|t| t == "Close"),
        "{lenses}"
    );
    let shown = close_after_three(&mut client, &session_id, &log_uri).await;
    assert!(
        shown.contains("subprotocol graphql-transport-ws")
            && shown.contains("connection acknowledged")
            && shown.contains(r#"{"data":{"ticks":1}}"#)
            && shown.contains("complete sent"),
        "{shown}"
    );
    client.shutdown().await;
    drop(peer);
}

//! One test per feature, each asserting behaviour and snapshotting a compact rendering of the
//! answer (UUIDs redacted, ranges as `line:col-line:col`).

use std::path::Path;

use serde_json::{Value, json};
use void_ls::lsp::semantic_tokens::{TOKEN_MODIFIERS, TOKEN_TYPES};

use super::harness::*;

/// A WebSocket section written by hand, with variables, options and assertions.
pub const FIXTURE: &str = r#"---
version: 0.20.1
generatedBy: Voiden app
---

# Chat socket

```void
---
type: socket-request
attrs:
  uid: 3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11
content:
  - type: smethod
    attrs:
      uid: 7d1e2c44-0c55-4a1b-9d8e-0b7f3b1c2a90
      method: WS
      importedFrom: ""
      visible: true
    content: WS
  - type: surl
    attrs:
      uid: 0e6a4b1f-2d7c-4f3e-8a19-5c2b7d9e1f03
    content: ws://{{WS_HOST}}/chat?token={{API_TOKEN}}
---
```

```void
---
type: ws-options
attrs:
  uid: 1a2b3c4d-1111-4222-8333-444455556666
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - connectTimeout
          - 5s
---
```

```void
---
type: ws-assertions
attrs:
  uid: 2b3c4d5e-1111-4222-8333-444455556666
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - greeting arrives
          - received[0].json.type
          - equals
          - hello
---
```

```void
---
type: ws-message
attrs:
  uid: 3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11
  name: hello
  format: json
  send: on-open
  body: |-
    {"op": "hello", "who": "{{MISSING_VAR}}"}
---
```
"#;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub uri: String,
}

pub fn fixture_dir() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "WS_HOST=chat.example.com\nAPI_TOKEN=s3cr3t-token-value\n",
    )
    .unwrap();
    let uri = file_uri(&dir.path().join("chat.void"));
    Fixture { dir, uri }
}

/// The fixture folder, and a modern client started on it with `FIXTURE` open.
async fn fixture_opened() -> (Fixture, TestClient) {
    let fx = fixture_dir();
    let mut client = started(modern_capabilities(), fx.dir.path()).await;
    client.open(&fx.uri, FIXTURE).await;
    (fx, client)
}

async fn started(caps: Value, root: &Path) -> TestClient {
    TestClient::start(
        caps,
        json!({ "variables": { "EXTRA": "from-settings" } }),
        Some(root),
    )
    .await
    .0
}

/// (line, character) of the first occurrence of `needle` plus `delta` bytes (ASCII fixture).
fn at(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in fixture"))
        + delta;
    let line = text[..offset].matches('\n').count();
    let col = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

fn render_diagnostics(diagnostics: &[Value]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} sev{} {} {}",
                range_text(&d["range"]),
                d["severity"],
                d["code"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_completion(result: &Value) -> String {
    let items = result["items"]
        .as_array()
        .cloned()
        .or_else(|| result.as_array().cloned())
        .unwrap_or_default();
    items
        .iter()
        .map(|i| {
            let edit = &i["textEdit"];
            format!(
                "{} [{}] {} => {:?}",
                i["label"].as_str().unwrap_or(""),
                i["insertTextFormat"],
                range_text(&edit["range"]),
                redact_uuids(edit["newText"].as_str().unwrap_or(""))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn initialize_negotiates_utf8_and_lists_commands() {
    let (client, result) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    let commands: Vec<&str> = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        commands.contains(&"void.connect") && commands.contains(&"void.copyAsWebsocat"),
        "{commands:?}"
    );
    client.shutdown().await;
    let (client, result) = TestClient::start(basic_capabilities(), Value::Null, None).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    client.shutdown().await;
}

#[tokio::test]
async fn diagnostics_on_open_and_change() {
    let (fx, mut client) = fixture_opened().await;
    let diagnostics = client.diagnostics(&fx.uri, 1).await;
    let rendered = render_diagnostics(&diagnostics);
    assert!(rendered.contains("duplicate-uid"), "{rendered}");
    assert!(
        rendered.contains("unresolved-variable") && rendered.contains("MISSING_VAR"),
        "{rendered}"
    );
    assert!(
        !rendered.contains("WS_HOST"),
        "WS_HOST comes from .env: {rendered}"
    );
    insta::assert_snapshot!("diagnostics_open", rendered);

    // Fix the unresolved variable through an edit: diagnostics for version 2 drop it.
    let start = at(FIXTURE, "{{MISSING_VAR}}", 2);
    let end = at(FIXTURE, "{{MISSING_VAR}}", 13);
    client
        .notify("textDocument/didChange", json!({ "textDocument": { "uri": fx.uri, "version": 2 }, "contentChanges": [{ "range": { "start": start, "end": end }, "text": "WS_HOST" }] }))
        .await;
    let after = render_diagnostics(&client.diagnostics(&fx.uri, 2).await);
    assert!(!after.contains("MISSING_VAR"), "{after}");
    client.shutdown().await;
}

#[tokio::test]
async fn diagnostics_follow_env_file_and_settings_changes() {
    let (fx, mut client) = fixture_opened().await;
    assert!(render_diagnostics(&client.diagnostics(&fx.uri, 1).await).contains("MISSING_VAR"));
    // The server asked the client to watch env files.
    let registered =
        client.server_requests.lock().unwrap().iter().any(|r| {
            r["method"] == "client/registerCapability" && r.to_string().contains("**/.env")
        });
    assert!(registered, "file watchers registered");

    // Under load a publish for an older state may come first: wait for the one asserted on.
    let mark = client.mark();
    std::fs::write(
        fx.dir.path().join(".env"),
        "WS_HOST=h\nAPI_TOKEN=t\nMISSING_VAR=now-set\n",
    )
    .unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": file_uri(&fx.dir.path().join(".env")), "type": 2 }] }),
        )
        .await;
    let (params, _) = client
        .wait_for("textDocument/publishDiagnostics", mark, |p| {
            p["uri"] == fx.uri && !p.to_string().contains("MISSING_VAR")
        })
        .await;
    let after = render_diagnostics(params["diagnostics"].as_array().unwrap());
    assert!(after.contains("duplicate-uid"), "{after}");

    let mark = client.mark();
    std::fs::write(fx.dir.path().join(".env"), "").unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": file_uri(&fx.dir.path().join(".env")), "type": 2 }] }),
        )
        .await;
    // The emptied file is seen (so a late publish of the full one cannot pass for the next
    // step's).
    client
        .wait_for("textDocument/publishDiagnostics", mark, |p| {
            p["uri"] == fx.uri && p.to_string().contains("MISSING_VAR")
        })
        .await;
    let mark = client.mark();
    client.notify("workspace/didChangeConfiguration", json!({ "settings": { "void": { "variables": { "WS_HOST": "x", "API_TOKEN": "y", "MISSING_VAR": "z" } } } })).await;
    // Settings variables count: a publish without any unresolved variable arrives.
    let (params, _) = client
        .wait_for("textDocument/publishDiagnostics", mark, |p| {
            p["uri"] == fx.uri && !p.to_string().contains("unresolved-variable")
        })
        .await;
    let after = render_diagnostics(params["diagnostics"].as_array().unwrap());
    assert!(after.contains("duplicate-uid"), "{after}");
    client.shutdown().await;
}

#[tokio::test]
async fn completion_wss_skeleton_snippet_and_plain() {
    let fx = fixture_dir();
    for (caps, name) in [
        (modern_capabilities(), "completion_wss_snippet"),
        (basic_capabilities(), "completion_wss_plain"),
    ] {
        let mut client = started(caps, fx.dir.path()).await;
        let (text, position) = cursor("# Notes\n\n/ws$0\n");
        client.open(&fx.uri, &text).await;
        let result = client
            .request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": fx.uri }, "position": position }),
            )
            .await
            .unwrap();
        let items = result["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        let wss = &items[0];
        assert_eq!(wss["label"], "/wss");
        let new_text = wss["textEdit"]["newText"].as_str().unwrap();
        assert!(new_text.contains("type: socket-request") && new_text.contains("type: ws-message"));
        let uids: Vec<&str> = new_text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("uid: "))
            .collect();
        assert_eq!(uids.len(), 4);
        assert!(
            uids.iter().all(|u| is_uuid(u) && u.as_bytes()[14] == b'4'),
            "fresh v4 uids: {uids:?}"
        );
        insta::assert_snapshot!(name, render_completion(&result));
        client.shutdown().await;
    }
}

#[tokio::test]
async fn completion_inside_blocks() {
    let fx = fixture_dir();
    let mut client = started(modern_capabilities(), fx.dir.path()).await;
    // Blocks being typed, appended to the fixture; each `{}` is where one case puts its cursor.
    let typing = |case: &str| {
        let at = |name: &str| if name == case { CURSOR } else { "" };
        format!(
            "{FIXTURE}\n```void\n---\ntype: ws-options\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - con{}\n      - attrs:\n          disabled: false\n        row:\n          - reconnect\n          - {}\n---\n```\n\n```void\n---\ntype: ws-message\nattrs:\n  fo{}\n  format: {}\n  body: \"{{{{WS{}\"\n---\n```\n\n```void\n---\ntype: ws-{}assertions\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - d\n          - rec{}\n          - eq{}\n---\n```\n\n```void\n---\ntype: options-table\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - time{}\n---\n```\n\n```void\n---\ntype: assertions-table\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - d\n          - sta{}\n---\n```\n\n```v{}\n",
            at("option key"),
            at("option value"),
            at("message attr"),
            at("format value"),
            at("variable"),
            at("type"),
            at("assertion field"),
            at("operator"),
            at("http option key"),
            at("http assertion field"),
            at("fence"),
        )
    };
    // Every case's text is the same document; only the cursor moves.
    let (text, _) = cursor(&typing("fence"));
    client.open(&fx.uri, &text).await;
    let mut out = String::new();
    for name in [
        "option key",
        "option value",
        "message attr",
        "format value",
        "variable",
        "assertion field",
        "operator",
        "http option key",
        "http assertion field",
        "fence",
        "type",
    ] {
        let (same_text, position) = cursor(&typing(name));
        assert_eq!(same_text, text);
        let result = client
            .request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": fx.uri }, "position": position }),
            )
            .await
            .unwrap();
        let labels: Vec<String> = result["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["label"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        match name {
            "option key" => assert!(labels.contains(&"connectTimeout".into())),
            "option value" => assert_eq!(labels, ["on", "off"]),
            "message attr" => assert!(labels.contains(&"format".into())),
            "format value" => assert!(labels.contains(&"json".into())),
            "variable" => assert!(
                labels.contains(&"WS_HOST".into()) && labels.contains(&"EXTRA".into()),
                "{labels:?}"
            ),
            "assertion field" => assert!(labels.contains(&"received.count".into())),
            "operator" => {
                assert!(labels.contains(&"equals".into()) && labels.contains(&"within".into()))
            }
            "fence" => assert!(labels.contains(&"ws-message".into())),
            _ => {}
        }
        // Process environment variables differ between machines: leave them out of the snapshot.
        let labels: Vec<String> = labels
            .into_iter()
            .filter(|l| name != "variable" || std::env::var_os(l).is_none())
            .collect();
        let shown: Vec<&str> = labels.iter().take(6).map(String::as_str).collect();
        out.push_str(&format!(
            "{name}: {} items: {}\n",
            labels.len(),
            shown.join(", ")
        ));
    }
    insta::assert_snapshot!("completion_contexts", out);
    client.shutdown().await;
}

#[tokio::test]
async fn hover_variables_options_fields_and_types() {
    let (fx, mut client) = fixture_opened().await;
    let mut out = String::new();
    for (needle, delta) in [
        ("{{WS_HOST}}", 3),
        ("{{API_TOKEN}}", 3),
        ("{{MISSING_VAR}}", 3),
        ("connectTimeout", 2),
        ("received[0].json.type", 3),
        ("equals", 1),
        ("type: ws-message", 8),
        ("send: on-open", 1),
    ] {
        let result = client.request("textDocument/hover", json!({ "textDocument": { "uri": fx.uri }, "position": at(FIXTURE, needle, delta) })).await.unwrap();
        let value = result["contents"]["value"]
            .as_str()
            .unwrap_or("<none>")
            .to_string();
        let dir = fx.dir.path().display().to_string();
        out.push_str(&format!("## {needle}\n{}\n", value.replace(&dir, "<dir>")));
    }
    assert!(out.contains("chat.example.com"));
    assert!(
        !out.contains("s3cr3t-token-value"),
        "secrets are masked: {out}"
    );
    assert!(out.contains("••••"));
    insta::assert_snapshot!("hover", out);
    client.shutdown().await;
}

#[tokio::test]
async fn symbols_folding_lens_and_semantic_tokens() {
    let (fx, mut client) = fixture_opened().await;
    let doc = json!({ "textDocument": { "uri": fx.uri } });
    let symbols = client
        .request("textDocument/documentSymbol", doc.clone())
        .await
        .unwrap();
    let names: Vec<String> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} ({}) {}",
                s["name"].as_str().unwrap(),
                s["kind"],
                range_text(&s["range"])
            )
        })
        .collect();
    assert!(names[0].starts_with("WS ws://{{WS_HOST}}"), "{names:?}");
    let folding = client
        .request("textDocument/foldingRange", doc.clone())
        .await
        .unwrap();
    let folds: Vec<String> = folding
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}-{} {}", f["startLine"], f["endLine"], f["kind"]))
        .collect();
    let lenses = client
        .request("textDocument/codeLens", doc.clone())
        .await
        .unwrap();
    let lens = &lenses.as_array().unwrap()[0];
    assert_eq!(lens["command"]["command"], "void.connect");
    assert_eq!(
        lens["command"]["arguments"][0]["blockUid"],
        "3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11"
    );
    let tokens = client
        .request("textDocument/semanticTokens/full", doc.clone())
        .await
        .unwrap();
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode to absolute positions and the text they cover.
    let lines: Vec<&str> = FIXTURE.split('\n').collect();
    let (mut line, mut col) = (0usize, 0usize);
    let mut decoded = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0] as usize;
            col = t[1] as usize;
        } else {
            col += t[1] as usize;
        }
        let modifiers: String = TOKEN_MODIFIERS
            .iter()
            .enumerate()
            .filter(|(bit, _)| t[4] & (1 << bit) != 0)
            .map(|(_, m)| format!(".{m}"))
            .collect();
        decoded.push(format!(
            "{}:{} {}{modifiers} {:?}",
            line,
            col,
            TOKEN_TYPES[t[3] as usize],
            &lines[line][col..col + t[2] as usize]
        ));
    }
    assert!(
        decoded
            .iter()
            .any(|d| d.ends_with("variable \"{{WS_HOST}}\"")),
        "{decoded:?}"
    );
    assert!(
        decoded.iter().any(|d| d.ends_with("string \"ws://\"")),
        "{decoded:?}"
    );
    insta::assert_snapshot!(
        "structure",
        format!(
            "symbols:\n{}\nfolding: {}\nlens: {} {}\ntokens:\n{}",
            names.join("\n"),
            folds.join(", "),
            lens["command"]["title"],
            range_text(&lens["range"]),
            decoded.join("\n")
        )
    );
    client.shutdown().await;
}

#[tokio::test]
async fn definition_goes_to_the_env_file_line() {
    let (fx, mut client) = fixture_opened().await;
    let result = client.request("textDocument/definition", json!({ "textDocument": { "uri": fx.uri }, "position": at(FIXTURE, "{{API_TOKEN}}", 4) })).await.unwrap();
    assert_eq!(result["uri"], file_uri(&fx.dir.path().join(".env")));
    assert_eq!(result["range"]["start"]["line"], 1);
    let none = client.request("textDocument/definition", json!({ "textDocument": { "uri": fx.uri }, "position": at(FIXTURE, "{{MISSING_VAR}}", 4) })).await.unwrap();
    assert!(none.is_null());
    client.shutdown().await;
}

#[tokio::test]
async fn quick_fixes() {
    let fx = fixture_dir();
    let mut client = started(modern_capabilities(), fx.dir.path()).await;
    let text = format!(
        "{}\n```void\n---\ntype: ws-message\nattrs:\n  name: second\n---\n```\n",
        FIXTURE
            .replace("content: ws://{{WS_HOST}}", "content: wss://{{WS_HOST}}")
            .replace("    content: WS\n", "    content: WS \n")
    );
    client.open(&fx.uri, &text).await;
    let diagnostics = client.diagnostics(&fx.uri, 1).await;
    let mut out = String::new();
    for (needle, delta) in [
        (
            "uid: 3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11\n  name: hello",
            6,
        ),
        ("content: WS ", 9),
        ("name: second", 2),
    ] {
        let position = at(&text, needle, delta);
        let range = json!({ "start": position, "end": position });
        let result = client.request("textDocument/codeAction", json!({ "textDocument": { "uri": fx.uri }, "range": range, "context": { "diagnostics": diagnostics } })).await.unwrap();
        // Quick fixes only: the session layer adds command actions (Connect, ...) here too.
        for action in result
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a["kind"] == "quickfix")
        {
            let edits = &action["edit"]["changes"][fx.uri.as_str()];
            let rendered: Vec<String> = edits
                .as_array()
                .unwrap_or_else(|| panic!("{action}"))
                .iter()
                .map(|e| {
                    format!(
                        "{} {:?}",
                        range_text(&e["range"]),
                        redact_uuids(e["newText"].as_str().unwrap())
                    )
                })
                .collect();
            out.push_str(&format!(
                "{needle:?}: {} => {}\n",
                action["title"].as_str().unwrap(),
                rendered.join("; ")
            ));
        }
    }
    assert!(out.contains("Replace the duplicate uid"), "{out}");
    assert!(out.contains("Set smethod to WSS"), "{out}");
    assert!(out.contains("Add a uid"), "{out}");
    insta::assert_snapshot!("quick_fixes", out);
    client.shutdown().await;

    // ws:// to a remote host: switch to wss:// (URL and smethod together).
    let mut client = started(modern_capabilities(), fx.dir.path()).await;
    let remote = FIXTURE.replace("ws://{{WS_HOST}}/chat", "ws://chat.example.com/chat");
    client.open(&fx.uri, &remote).await;
    let diagnostics = client.diagnostics(&fx.uri, 1).await;
    assert!(
        render_diagnostics(&diagnostics).contains("ws-unencrypted"),
        "{diagnostics:?}"
    );
    let position = at(&remote, "content: ws://", 10);
    let result = client.request("textDocument/codeAction", json!({ "textDocument": { "uri": fx.uri }, "range": { "start": position, "end": position }, "context": { "diagnostics": diagnostics } })).await.unwrap();
    let titles: Vec<&str> = result
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(titles.contains(&"Use wss:// (TLS)"), "{titles:?}");
    let action = result
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Use wss:// (TLS)")
        .unwrap();
    let edits: Vec<&str> = action["edit"]["changes"][fx.uri.as_str()]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["newText"].as_str())
        .collect();
    assert_eq!(
        edits,
        ["wss://", "WSS", "WSS"],
        "URL, smethod text and smethod attr change together"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn formatting_returns_edits_that_apply() {
    let fx = fixture_dir();
    let mut client = started(modern_capabilities(), fx.dir.path()).await;
    let text = "```void\n---\ntype: ws-message\nattrs: { uid: 5b0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c, name: a, body: \"x\" }\n---\n```\n";
    client.open(&fx.uri, text).await;
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": fx.uri }, "options": { "tabSize": 2, "insertSpaces": true } })).await.unwrap();
    let edits = edits.as_array().unwrap();
    let expected = void_syntax::format(text);
    // Apply the edits (ASCII text: characters are bytes) from last to first.
    let mut applied = text.to_string();
    let offset = |t: &str, p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = t.split_inclusive('\n').take(line).map(str::len).sum();
        start + p["character"].as_u64().unwrap() as usize
    };
    let mut ranges: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (a, b, t) in ranges {
        applied.replace_range(a..b, &t);
    }
    assert_eq!(applied, expected);
    client.shutdown().await;
}

#[tokio::test]
async fn session_commands_on_a_missing_file_say_why() {
    // The session commands themselves are tested in tests/lsp/sessions.rs.
    let (mut client, _) = TestClient::start(modern_capabilities(), Value::Null, None).await;
    let error = client.request("workspace/executeCommand", json!({ "command": "void.connect", "arguments": [{ "uri": "file:///x.void", "blockUid": "u" }] })).await.unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("x.void"),
        "{error}"
    );
    let error = client
        .request(
            "workspace/executeCommand",
            json!({ "command": "void.bogus" }),
        )
        .await
        .unwrap_err();
    assert_eq!(error["code"], -32602);
    client.shutdown().await;
}

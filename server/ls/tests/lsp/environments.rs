//! The app's environments through the server (docs/format.md §5.1, docs/lsp-extensions.md
//! `void/environment`): profiles, the tree with inheritance, public and private files, the
//! active environment picked from the editor, and what diagnostics, hovers and go-to-definition
//! say about where a value came from.

use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{TestClient, file_uri, modern_capabilities};

const PUBLIC: &str = "\
thor:
  displayName: Thor
  variables:
    BASE_URL: thor.com
    REGION: asgard
  children:
    test:
      intermediate: true
      children:
        local:
          variables:
            BASE_URL: localhost:8080
odin:
  variables:
    BASE_URL: odin.com
    ONLY_ODIN: ravens
";
const PRIVATE: &str = "\
thor:
  children:
    test:
      variables:
        PASSWORD: hunter2-thunder
";
const CI_PUBLIC: &str = "\
build:
  variables:
    BASE_URL: ci.example
";

const DOC: &str = "```void
---
type: socket-request
attrs:
  uid: 5b8f3a7e-0c9d-4c1e-9a6b-2f1d3e4c5b6a
content:
  - type: smethod
    attrs:
      uid: 6c9f4b8e-1d0e-4d2f-8b7c-3e2f4d5c6b7a
      method: WSS
    content: WSS
  - type: surl
    attrs:
      uid: 7d0a5c9f-2e1f-4e3a-9c8d-4f3a5e6d7c8b
    content: wss://{{BASE_URL}}/{{REGION}}?o={{ONLY_ODIN}}&p={{PASSWORD}}
---
```
";

struct Project {
    dir: tempfile::TempDir,
    uri: String,
}

fn project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let voiden = dir.path().join(".voiden");
    std::fs::create_dir(&voiden).unwrap();
    std::fs::write(voiden.join("env-public.yaml"), PUBLIC).unwrap();
    std::fs::write(voiden.join("env-private.yaml"), PRIVATE).unwrap();
    std::fs::write(voiden.join("env-ci-public.yaml"), CI_PUBLIC).unwrap();
    let uri = file_uri(&dir.path().join("api.void"));
    Project { dir, uri }
}

async fn started(root: &Path, settings: Value) -> TestClient {
    TestClient::start(modern_capabilities(), settings, Some(root))
        .await
        .0
}

/// The `code: message` lines of one diagnostics publish.
fn messages_of(params: &serde_json::Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|d| {
                    format!(
                        "{}: {}",
                        d["code"].as_str().unwrap_or(""),
                        d["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The messages of the first diagnostics published for `uri` after `from` that `settled`
/// accepts. Under load the server may publish for an older state first (the document opened
/// before the environment changed), so a test waits for the publish it asserts on.
async fn messages_after(
    client: &TestClient,
    uri: &str,
    from: usize,
    settled: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let (params, _) = client
        .wait_for("textDocument/publishDiagnostics", from, |p| {
            p["uri"] == uri && settled(&messages_of(p))
        })
        .await;
    messages_of(&params)
}

async fn hover(client: &mut TestClient, uri: &str, needle: &str) -> String {
    let offset = DOC.find(needle).unwrap() + 3;
    let line = DOC[..offset].matches('\n').count();
    let col = offset - DOC[..offset].rfind('\n').map_or(0, |i| i + 1);
    let result = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } }),
        )
        .await
        .unwrap();
    result["contents"]["value"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_tree_profiles_and_the_picked_environment_drive_every_feature() {
    let p = project();
    let mut client = started(p.dir.path(), json!({})).await;
    let mark = client.mark();
    client.open(&p.uri, DOC).await;

    // Nothing picked: the first environment, `thor`.
    let only_odin_in_thor = "unresolved-variable: `{{ONLY_ODIN}}` has no value in environment `thor`; defined in `odin`";
    let messages = messages_after(&client, &p.uri, mark, |m| {
        m.iter().any(|m| m == only_odin_in_thor)
    })
    .await;
    assert!(
        messages.contains(&only_odin_in_thor.to_string()),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("{{PASSWORD}}") && m.contains("defined in `thor.test.local`")),
        "{messages:?}"
    );
    let state = client
        .request("void/environment", json!({ "uri": p.uri }))
        .await
        .unwrap();
    assert_eq!(state["profile"], "default");
    assert_eq!(state["profiles"], json!(["default", "ci"]));
    assert_eq!(state["environment"], "thor");
    assert_eq!(state["chosen"], false);
    assert_eq!(
        state["environments"],
        json!([
            { "name": "thor", "displayName": "Thor" },
            { "name": "thor.test.local", "displayName": null },
            { "name": "odin", "displayName": null }
        ]),
        "intermediate nodes cannot be picked"
    );
    let base = hover(&mut client, &p.uri, "{{BASE_URL}}").await;
    assert!(
        base.contains("`thor.com`") && base.contains("env-public.yaml:4"),
        "{base}"
    );
    assert!(
        base.contains("environment `thor`") && base.contains("none is picked"),
        "{base}"
    );

    // Pick a leaf: it inherits `thor`'s REGION, overrides BASE_URL, and gets the private
    // PASSWORD of the intermediate `thor.test`.
    let mark = client.mark();
    let state = client
        .request(
            "void/environment",
            json!({ "uri": p.uri, "select": { "envName": "thor.test.local" } }),
        )
        .await
        .unwrap();
    assert_eq!(state["environment"], "thor.test.local");
    assert_eq!(state["chosen"], true);
    let expected = [
        "unresolved-variable: `{{ONLY_ODIN}}` has no value in environment `thor.test.local`; defined in `odin`",
    ];
    // The new environment's publish, not a late one of the old (whose PASSWORD message also
    // names `thor.test.local`, as where it is defined).
    let messages = messages_after(&client, &p.uri, mark, |m| {
        m.iter()
            .any(|m| m.contains("in environment `thor.test.local`"))
    })
    .await;
    assert_eq!(messages, expected);
    let region = hover(&mut client, &p.uri, "{{REGION}}").await;
    assert!(
        region
            .contains("environment `thor` (inherited by the active environment `thor.test.local`)"),
        "{region}"
    );
    let password = hover(&mut client, &p.uri, "{{PASSWORD}}").await;
    assert!(
        password.contains("•••• (secret)") && !password.contains("hunter2"),
        "{password}"
    );
    assert!(password.contains("env-private.yaml:5"), "{password}");
    let definition = client
        .request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": p.uri }, "position": { "line": 14, "character": 23 } }),
        )
        .await
        .unwrap();
    assert!(
        definition.to_string().contains("env-public.yaml")
            && definition.to_string().contains("\"line\":11"),
        "BASE_URL of thor.test.local is defined on line 12: {definition}"
    );

    // Another profile: its own files, its own environments.
    let state = client
        .request(
            "void/environment",
            json!({ "uri": p.uri, "select": { "profile": "ci" } }),
        )
        .await
        .unwrap();
    assert_eq!(state["profile"], "ci");
    assert_eq!(state["environment"], "build");
    assert!(
        hover(&mut client, &p.uri, "{{BASE_URL}}")
            .await
            .contains("ci.example")
    );

    // What does not exist is refused in words.
    for (select, words) in [
        (
            json!({ "profile": "nope" }),
            "profile `nope` does not exist",
        ),
        (
            json!({ "envName": "thor.test" }),
            "environment `thor.test` does not exist in profile `default`",
        ),
    ] {
        let err = client
            .request(
                "void/environment",
                json!({ "uri": p.uri, "select": select }),
            )
            .await
            .unwrap_err();
        assert_eq!(err["code"], -32602);
        assert!(err["message"].as_str().unwrap().contains(words), "{err}");
    }
    client.shutdown().await;
}

#[tokio::test]
async fn settings_name_the_environment_and_a_missing_one_is_an_error() {
    let p = project();
    let mut client = started(p.dir.path(), json!({ "envName": "odin" })).await;
    let mark = client.mark();
    client.open(&p.uri, DOC).await;
    let messages = messages_after(&client, &p.uri, mark, |_| true).await;
    assert!(
        messages.iter().all(|m| !m.contains("ONLY_ODIN")),
        "odin defines ONLY_ODIN: {messages:?}"
    );
    let mark = client.mark();
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "envName": "asgard" } }),
        )
        .await;
    let messages = messages_after(&client, &p.uri, mark, |m| {
        m.iter().any(|m| m.starts_with("unknown-environment"))
    })
    .await;
    assert!(
        messages.iter().any(|m| m.starts_with("unknown-environment: environment `asgard` does not exist in profile `default`; its environments: `thor`, `thor.test.local`, `odin`")),
        "{messages:?}"
    );
    client.shutdown().await;
}

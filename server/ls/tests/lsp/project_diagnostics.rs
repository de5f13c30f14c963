//! Diagnostics of the whole project on the multi-file fixture (`tests/project-fixture/`): a
//! variable renamed in an env file on disk shows its broken uses in files that are not open,
//! pushed to a client that does not pull and pulled (`workspace/diagnostic`,
//! `textDocument/diagnostic`) by one that does; an open document edited but not saved is
//! judged by its text, and by its disk copy again once closed.

use serde_json::{Value, json};

use crate::harness::{TestClient, modern_capabilities};
use crate::workspace::{Fixture, start};

/// The `(line, message)` of each diagnostic in a list.
fn lines(list: &Value) -> Vec<(u64, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Renames `REGION` in the project's root `.env` (on disk) and tells the server.
async fn rename_region_on_disk(client: &mut TestClient, fixture: &Fixture, to: &str) {
    std::fs::write(fixture.path("project/.env"), format!("{to}=eu\n")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": fixture.uri("project/.env"), "type": 2 }] }),
        )
        .await;
}

/// Waits for pushed diagnostics of `uri` (of a file that is not open: no version) matching
/// `pred`, arrived at or after `from`.
async fn pushed(
    client: &TestClient,
    uri: &str,
    from: usize,
    pred: impl Fn(&[(u64, String)]) -> bool,
) -> (Vec<(u64, String)>, usize) {
    let (params, at) = client
        .wait_for("textDocument/publishDiagnostics", from, |p| {
            p["uri"] == uri && p["version"].is_null() && pred(&lines(&p["diagnostics"]))
        })
        .await;
    (lines(&params["diagnostics"]), at)
}

#[tokio::test]
async fn a_renamed_env_variable_shows_its_uses_in_files_that_are_not_open_pushed() {
    let fixture = Fixture::new();
    let (mut client, init) =
        TestClient::start(modern_capabilities(), json!({}), Some(&fixture.project())).await;
    assert!(
        init["capabilities"]["diagnosticProvider"].is_null(),
        "a client that does not pull gets them pushed: {init}"
    );
    client
        .request("workspace/symbol", json!({ "query": "" }))
        .await
        .unwrap();
    let chat = fixture.uri("project/chat.void");
    let from = client.mark();
    rename_region_on_disk(&mut client, &fixture, "AREA").await;
    let (found, _) = pushed(&client, &chat, from, |l| !l.is_empty()).await;
    assert_eq!(found.len(), 2, "both uses in chat.void: {found:?}");
    assert!(
        found[0].1.starts_with("`{{REGION}}` has no value"),
        "{found:?}"
    );
    assert_eq!((found[0].0, found[1].0), (47, 59));
    // api/ has its own .env defining REGION: nothing is broken there.
    let orders = fixture.uri("project/api/orders.void");
    assert_eq!(
        client.count_since(0, "textDocument/publishDiagnostics", |p| p["uri"] == orders),
        0
    );

    // Opened and edited without saving: the document's text counts.
    let text = fixture.text("project/chat.void");
    client.open(&chat, &text).await;
    let edited = text.replacen("hello from {{REGION}}", "hello from {{AREA}}", 1);
    client.replace_text(&chat, 2, &edited).await;
    let open = client.diagnostics(&chat, 2).await;
    let unresolved: Vec<&Value> = open
        .iter()
        .filter(|d| d["code"] == "unresolved-variable")
        .collect();
    assert_eq!(unresolved.len(), 1, "{open:?}");
    assert_eq!(unresolved[0]["range"]["start"]["line"], 59);
    // Closed without saving: the disk copy's two uses again, from the index.
    let from = client.mark();
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": chat } }),
        )
        .await;
    let (found, _) = pushed(&client, &chat, from, |l| l.len() == 2).await;
    assert_eq!((found[0].0, found[1].0), (47, 59));

    // Renamed back: the warnings go.
    let from = client.mark();
    rename_region_on_disk(&mut client, &fixture, "REGION").await;
    pushed(&client, &chat, from, <[_]>::is_empty).await;
    client.shutdown().await;
}

/// A modern editor that pulls diagnostics and can be asked to pull again.
fn pulling_capabilities() -> Value {
    let mut caps = modern_capabilities();
    caps["textDocument"]["diagnostic"] = json!({ "dynamicRegistration": false });
    caps["workspace"]["diagnostics"] = json!({ "refreshSupport": true });
    caps
}

/// `workspace/diagnostic` with the result ids held: `(file relative to the fixture, kind,
/// lines)` of every report, sorted.
async fn pull_workspace(
    client: &mut TestClient,
    fixture: &Fixture,
    held: &mut Vec<Value>,
) -> Vec<(String, String, Vec<(u64, String)>)> {
    let result = client
        .request(
            "workspace/diagnostic",
            json!({ "previousResultIds": held.clone() }),
        )
        .await
        .unwrap();
    let base = format!("{}/", crate::harness::file_uri(fixture.dir.path()));
    let mut out = Vec::new();
    for item in result["items"].as_array().unwrap() {
        held.retain(|h| h["uri"] != item["uri"]);
        held.push(json!({ "uri": item["uri"], "value": item["resultId"] }));
        let uri = item["uri"].as_str().unwrap();
        out.push((
            uri.strip_prefix(&base).unwrap_or(uri).to_string(),
            item["kind"].as_str().unwrap().to_string(),
            if item["kind"] == "full" {
                lines(&item["items"])
            } else {
                Vec::new()
            },
        ));
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_client_that_pulls_gets_the_project_and_is_asked_to_pull_again() {
    let fixture = Fixture::new();
    let (mut client, init) =
        TestClient::start(pulling_capabilities(), json!({}), Some(&fixture.project())).await;
    assert_eq!(
        init["capabilities"]["diagnosticProvider"],
        json!({ "identifier": "void", "interFileDependencies": true, "workspaceDiagnostics": true })
    );
    let mut held = Vec::new();
    let first = pull_workspace(&mut client, &fixture, &mut held).await;
    let files: Vec<&str> = first.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(
        files,
        [
            "project/api/nested/linked.void",
            "project/api/orders.void",
            "project/chat.void",
            "project/lib/shared.void"
        ],
        "every .void file of the workspace, none outside it"
    );
    assert!(
        first
            .iter()
            .all(|(_, kind, l)| kind == "full" && l.is_empty())
    );
    // Nothing changed: unchanged.
    let again = pull_workspace(&mut client, &fixture, &mut held).await;
    assert!(
        again.iter().all(|(_, kind, _)| kind == "unchanged"),
        "{again:?}"
    );

    let from = client.mark();
    rename_region_on_disk(&mut client, &fixture, "AREA").await;
    client
        .wait_for("workspace/diagnostic/refresh", from, |_| true)
        .await;
    let after = pull_workspace(&mut client, &fixture, &mut held).await;
    let changed: Vec<_> = after.iter().filter(|(_, kind, _)| kind == "full").collect();
    assert_eq!(changed.len(), 1, "{after:?}");
    assert_eq!(changed[0].0, "project/chat.void");
    assert_eq!(
        changed[0].2.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [47, 59]
    );
    assert_eq!(
        client.count("textDocument/publishDiagnostics"),
        0,
        "nothing is pushed to a client that pulls the workspace"
    );

    // A file that is not open, pulled alone: from the index.
    let chat = fixture.uri("project/chat.void");
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": chat } }),
        )
        .await
        .unwrap();
    assert_eq!(report["kind"], "full");
    assert_eq!(lines(&report["items"]).len(), 2);

    // Open and edited without saving: its own text, and the workspace report leaves it out.
    let text = fixture.text("project/chat.void");
    client.open(&chat, &text).await;
    let edited = text.replacen("hello from {{REGION}}", "hello from {{AREA}}", 1);
    client.replace_text(&chat, 2, &edited).await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": chat } }),
        )
        .await
        .unwrap();
    let unresolved: Vec<(u64, String)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unresolved-variable")
        .map(|d| (d["range"]["start"]["line"].as_u64().unwrap(), String::new()))
        .collect();
    assert_eq!(unresolved, [(59, String::new())], "{report}");
    let id = report["resultId"].clone();
    let same = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": chat }, "previousResultId": id }),
        )
        .await
        .unwrap();
    assert_eq!(same["kind"], "unchanged");
    let open_now = pull_workspace(&mut client, &fixture, &mut held).await;
    assert!(
        open_now.iter().all(|(f, _, _)| f != "project/chat.void"),
        "{open_now:?}"
    );

    // The env file renamed back while the document is open: the version the client pulled
    // is stale, so it is asked to pull again.
    let from = client.mark();
    rename_region_on_disk(&mut client, &fixture, "REGION").await;
    client
        .wait_for("workspace/diagnostic/refresh", from, |_| true)
        .await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": chat }, "previousResultId": id }),
        )
        .await
        .unwrap();
    assert_eq!(report["kind"], "full");
    let unresolved: Vec<u64> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unresolved-variable")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        unresolved,
        [47],
        "{{{{REGION}}}} resolves again; the edited {{{{AREA}}}} no longer does: {report}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_client_that_pulls_documents_only_gets_the_other_files_pushed() {
    // Pulls documents but never the workspace (Neovim): files that are not open are pushed.
    let fixture = Fixture::new();
    let mut client = start(&fixture, pulling_capabilities()).await;
    let chat = fixture.uri("project/chat.void");
    let from = client.mark();
    rename_region_on_disk(&mut client, &fixture, "AREA").await;
    let (found, _) = pushed(&client, &chat, from, |l| !l.is_empty()).await;
    assert_eq!(found.len(), 2);
    // Opened: the pulled list replaces the pushed one, which is cleared.
    let from = client.mark();
    client.open(&chat, &fixture.text("project/chat.void")).await;
    pushed(&client, &chat, from, <[_]>::is_empty).await;
    client.shutdown().await;
}

//! Rename on the fixture project (`workspace.rs`): a variable across `.void` files in nested
//! folders, the app's public and private environment files and `.env` files at two levels; a
//! message name with its `after:`; edits applied to the files and checked by the server again;
//! unsaved edits; and every refusal in words (outside the workspace, a symlink out of it, a
//! file that could not be read, a value from the settings, a taken or invalid name, a block).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::harness::{TestClient, file_uri, modern_capabilities};
use crate::references::position_of;
use crate::workspace::{Fixture, OpenFile, start};

/// `textDocument/rename` at `at` (from [`OpenFile::at`]) to `new_name`.
async fn rename(client: &mut TestClient, mut at: Value, new_name: &str) -> Result<Value, Value> {
    at["newName"] = json!(new_name);
    client.request("textDocument/rename", at).await
}

/// `textDocument/prepareRename` at `at` (from [`OpenFile::at`]).
async fn prepare(client: &mut TestClient, at: Value) -> Result<Value, Value> {
    client.request("textDocument/prepareRename", at).await
}

/// The byte offset of an LSP position (UTF-16 columns) in `text`.
fn offset_of(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= character || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// `text` with `edits` applied.
pub fn apply(text: &str, edits: &Value) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"]),
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// The files a workspace edit changes (relative to the fixture) and how many edits each.
fn edited_files(fixture: &Fixture, edit: &Value) -> BTreeMap<String, usize> {
    let base = format!("{}/", file_uri(fixture.dir.path()));
    edit["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(uri, edits)| {
            (
                uri.strip_prefix(&base).unwrap_or(uri).to_string(),
                edits.as_array().unwrap().len(),
            )
        })
        .collect()
}

/// Writes a workspace edit to disk and tells the server, as an editor saving every file does.
async fn save_edit(client: &mut TestClient, fixture: &Fixture, edit: &Value) {
    let base = format!("{}/", file_uri(fixture.dir.path()));
    let mut changes = Vec::new();
    for (uri, edits) in edit["changes"].as_object().unwrap() {
        let relative = uri.strip_prefix(&base).unwrap();
        let text = fixture.text(relative);
        std::fs::write(fixture.path(relative), apply(&text, edits)).unwrap();
        changes.push(json!({ "uri": uri, "type": 2 }));
    }
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": changes }),
        )
        .await;
}

fn message(error: &Value) -> String {
    error["message"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_variable_is_renamed_across_the_project_and_its_environment_files() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;
    let at = chat.at("{{HOST}}", 0, 4);

    let prepared = prepare(&mut client, at.clone()).await.unwrap();
    assert_eq!(prepared["placeholder"], "HOST");
    assert_eq!(
        prepared["range"]["start"],
        position_of(&chat.text, "HOST", 0, 0)
    );

    let edit = rename(&mut client, at.clone(), "API_HOST").await.unwrap();
    assert_eq!(
        edited_files(&fixture, &edit),
        BTreeMap::from([
            ("project/.voiden/env-public.yaml".to_string(), 2),
            ("project/api/nested/linked.void".to_string(), 1),
            ("project/api/orders.void".to_string(), 1),
            ("project/chat.void".to_string(), 2),
            ("project/lib/shared.void".to_string(), 1),
        ]),
        "both environments of the app's file, every .void file, nothing outside: {edit}"
    );
    save_edit(&mut client, &fixture, &edit).await;
    assert!(
        fixture
            .text("project/.voiden/env-public.yaml")
            .contains("    API_HOST: dev.example.com\n")
    );
    assert!(
        fixture
            .text("project/.voiden/env-public.yaml")
            .contains("    API_HOST: prod.example.com\n")
    );
    assert!(
        fixture
            .text("project/lib/shared.void")
            .contains("wss://{{API_HOST}}/shared")
    );
    assert!(
        fixture.text("outside/stray.void").contains("{{HOST}}"),
        "untouched"
    );

    // The editor applies the open document's edits; the server sees every use resolve.
    let renamed = OpenFile {
        uri: chat.uri.clone(),
        text: apply(&chat.text, &edit["changes"][chat.uri.as_str()]),
    };
    client.replace_text(&chat.uri, 2, &renamed.text).await;
    let diagnostics = client.diagnostics(&chat.uri, 2).await;
    assert!(
        diagnostics
            .iter()
            .all(|d| d["code"] != "unresolved-variable"),
        "{diagnostics:?}"
    );

    // A secret of the private file, and a name defined by .env files at two levels.
    let token = rename(
        &mut client,
        renamed.at("{{API_TOKEN}}", 0, 3),
        "SESSION_TOKEN",
    )
    .await
    .unwrap();
    assert_eq!(
        edited_files(&fixture, &token),
        BTreeMap::from([
            ("project/.voiden/env-private.yaml".to_string(), 1),
            ("project/chat.void".to_string(), 1),
        ])
    );
    let region = rename(&mut client, renamed.at("{{REGION}}", 0, 3), "ZONE")
        .await
        .unwrap();
    assert_eq!(
        edited_files(&fixture, &region),
        BTreeMap::from([
            ("project/.env".to_string(), 1),
            ("project/api/.env".to_string(), 1),
            ("project/api/nested/linked.void".to_string(), 1),
            ("project/api/orders.void".to_string(), 1),
            ("project/chat.void".to_string(), 2),
        ])
    );
    save_edit(&mut client, &fixture, &region).await;
    assert_eq!(fixture.text("project/api/.env"), "ZONE=us\n");
    client.shutdown().await;
}

#[tokio::test]
async fn a_message_is_renamed_with_the_after_that_waits_for_it() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;
    let edit = rename(&mut client, chat.at("after: hello", 0, 9), "greet")
        .await
        .unwrap();
    let renamed = apply(&chat.text, &edit["changes"][chat.uri.as_str()]);
    assert!(renamed.contains("  name: greet\n"));
    assert!(renamed.contains("  send: \"after: greet\"\n"));
    assert_eq!(
        renamed.matches("name: hello").count(),
        1,
        "the other section's hello stays"
    );
    assert_eq!(edited_files(&fixture, &edit).len(), 1);

    let taken = rename(&mut client, chat.at("name: hello", 0, 7), "subscribe")
        .await
        .unwrap_err();
    assert!(message(&taken).contains("already used"), "{taken}");
    let invalid = rename(&mut client, chat.at("name: hello", 0, 7), "a: b")
        .await
        .unwrap_err();
    assert!(
        message(&invalid).contains("cannot be a message name"),
        "{invalid}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_rename_follows_unsaved_edits() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let orders = fixture.open(&mut client, "project/api/orders.void").await;
    let at = position_of(&orders.text, "/orders/", 0, 0);
    client.insert_text(&orders.uri, 2, &at, "/{{HOST}}").await;
    let edit = rename(&mut client, orders.at("{{HOST}}", 0, 3), "API_HOST")
        .await
        .unwrap();
    assert_eq!(edited_files(&fixture, &edit)["project/api/orders.void"], 2);
    client.shutdown().await;
}

#[tokio::test]
async fn a_rename_that_could_not_be_complete_is_refused_in_words() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;
    let refuse = |result: Result<Value, Value>| message(&result.unwrap_err());

    // Outside the workspace.
    let stray = fixture.open(&mut client, "outside/stray.void").await;
    let outside = refuse(prepare(&mut client, stray.at("{{HOST}}", 0, 3)).await);
    assert!(
        outside.contains("outside the workspace folders"),
        "{outside}"
    );
    // Not a name, a block, a taken name, an invalid name.
    let nothing = refuse(prepare(&mut client, chat.at("# Chat", 0, 2)).await);
    assert!(nothing.contains("nothing to rename here"), "{nothing}");
    let block = refuse(prepare(&mut client, chat.at("type: socket-request", 0, 8)).await);
    assert!(block.contains("uids are not renamed"), "{block}");
    let at = chat.at("{{HOST}}", 0, 3);
    let taken = refuse(rename(&mut client, at.clone(), "REGION").await);
    assert!(taken.contains("already has a value"), "{taken}");
    let invalid = refuse(rename(&mut client, at.clone(), "two words").await);
    assert!(invalid.contains("not a variable name"), "{invalid}");
    let number = refuse(rename(&mut client, at.clone(), "123").await);
    assert!(number.contains("not a variable name"), "{number}");
    client.shutdown().await;

    // A value from the editor settings.
    let (mut client, _) = TestClient::start(
        modern_capabilities(),
        json!({ "variables": { "HOST": "from-settings" } }),
        Some(&fixture.project()),
    )
    .await;
    client.open(&chat.uri, &chat.text).await;
    let settings = refuse(prepare(&mut client, at.clone()).await);
    assert!(settings.contains("editor settings"), "{settings}");
    client.shutdown().await;

    // A file the index could not read, and a symlink out of the workspace.
    std::fs::write(
        fixture.path("project/lib/broken.void"),
        b"# not \xff utf-8\n",
    )
    .unwrap();
    let mut client = start(&fixture, modern_capabilities()).await;
    client.open(&chat.uri, &chat.text).await;
    let unread = refuse(prepare(&mut client, at.clone()).await);
    assert!(
        unread.contains("was not read") && unread.contains("broken.void"),
        "{unread}"
    );
    client.shutdown().await;
    std::fs::remove_file(fixture.path("project/lib/broken.void")).unwrap();
    std::os::unix::fs::symlink(fixture.path("outside"), fixture.path("project/elsewhere")).unwrap();
    let mut client = start(&fixture, modern_capabilities()).await;
    client.open(&chat.uri, &chat.text).await;
    let symlink = refuse(prepare(&mut client, at).await);
    assert!(symlink.contains("symlink leading out"), "{symlink}");
    // A message name is the file's own business: still renamed.
    assert!(
        prepare(&mut client, chat.at("name: hello", 0, 7))
            .await
            .is_ok()
    );
    client.shutdown().await;
}

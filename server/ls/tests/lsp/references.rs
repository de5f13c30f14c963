//! References and document highlight on the fixture project (`workspace.rs`): a `{{VAR}}`
//! across nested folders and at its definitions in `.env` files at two levels and the app's
//! public and private environment files; a message name and the `after:` that waits for it,
//! scoped to its section; a linked block and the link that imports it; the answers after an
//! unsaved edit and after a file changes on disk; nothing from outside the workspace.

use serde_json::{Value, json};

use crate::harness::{TestClient, file_uri, modern_capabilities};
use crate::workspace::{Fixture, start};

/// The LSP position (UTF-16) of the `nth` occurrence of `needle` in `text`, `shift` characters
/// into it.
pub fn position_of(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {nth}th {needle:?}"))
        .0
        + shift;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

/// `file:line text-at-range` of each location, the file relative to the fixture.
pub fn describe(fixture: &Fixture, locations: &Value) -> Vec<String> {
    let base = format!("{}/", file_uri(fixture.dir.path()));
    locations
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {locations}"))
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().unwrap();
            let relative = uri.strip_prefix(&base).unwrap_or(uri);
            let text = std::fs::read_to_string(fixture.path(relative)).unwrap_or_default();
            format!(
                "{relative}:{} {}",
                l["range"]["start"]["line"],
                text_at(&text, &l["range"])
            )
        })
        .collect()
}

/// The text a (single-line) LSP range covers, UTF-16 columns.
pub fn text_at(text: &str, range: &Value) -> String {
    let line = range["start"]["line"].as_u64().unwrap() as usize;
    if range["end"]["line"] != range["start"]["line"] {
        return "<several lines>".into();
    }
    let line_text = text.split('\n').nth(line).unwrap_or_default();
    let units: Vec<u16> = line_text.encode_utf16().collect();
    let from = range["start"]["character"].as_u64().unwrap() as usize;
    let to = range["end"]["character"].as_u64().unwrap() as usize;
    String::from_utf16_lossy(&units[from.min(units.len())..to.min(units.len())])
}

/// `textDocument/references` at `at` (from [`OpenFile::at`]).
async fn references(client: &mut TestClient, mut at: Value, include_declaration: bool) -> Value {
    at["context"] = json!({ "includeDeclaration": include_declaration });
    client.request("textDocument/references", at).await.unwrap()
}

#[tokio::test]
async fn a_variable_is_found_in_every_file_of_the_project_and_where_it_is_defined() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;

    let host = references(&mut client, chat.at("{{HOST}}", 0, 3), true).await;
    assert_eq!(
        describe(&fixture, &host),
        [
            "project/.voiden/env-public.yaml:3 HOST",
            "project/.voiden/env-public.yaml:6 HOST",
            "project/api/nested/linked.void:27 HOST",
            "project/api/orders.void:22 HOST",
            "project/chat.void:35 HOST",
            "project/chat.void:107 HOST",
            "project/lib/shared.void:25 HOST",
        ],
        "outside/stray.void is not in the workspace"
    );
    let uses = references(&mut client, chat.at("{{HOST}}", 0, 3), false).await;
    assert_eq!(uses.as_array().unwrap().len(), 5, "without the definitions");

    // Defined in .env files at two levels.
    let region = references(&mut client, chat.at("{{REGION}}", 0, 2), true).await;
    assert_eq!(
        describe(&fixture, &region),
        [
            "project/.env:0 REGION",
            "project/api/.env:0 REGION",
            "project/api/nested/linked.void:27 REGION",
            "project/api/orders.void:22 REGION",
            "project/chat.void:47 REGION",
            "project/chat.void:59 REGION",
        ]
    );
    // A secret from the private file: its name, never its value.
    let token = references(&mut client, chat.at("{{API_TOKEN}}", 0, 2), true).await;
    assert_eq!(
        describe(&fixture, &token),
        [
            "project/.voiden/env-private.yaml:2 API_TOKEN",
            "project/chat.void:35 API_TOKEN"
        ]
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_message_name_and_its_after_references_stay_in_their_section() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;
    let expected = ["project/chat.void:44 hello", "project/chat.void:58 hello"];
    // From the name, and from the `after:` that waits for it.
    let from_name = references(&mut client, chat.at("name: hello", 0, 7), true).await;
    assert_eq!(describe(&fixture, &from_name), expected);
    let from_after = references(&mut client, chat.at("after: hello", 0, 8), true).await;
    assert_eq!(describe(&fixture, &from_after), expected);
    // The other section's `hello` is another message.
    let admin = references(&mut client, chat.at("name: hello", 1, 7), true).await;
    assert_eq!(describe(&fixture, &admin), ["project/chat.void:116 hello"]);

    let highlights = client
        .request(
            "textDocument/documentHighlight",
            json!({ "textDocument": { "uri": chat.uri }, "position": position_of(&chat.text, "after: hello", 0, 8) }),
        )
        .await
        .unwrap();
    let kinds: Vec<(u64, u64)> = highlights
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["range"]["start"]["line"].as_u64().unwrap(),
                h["kind"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [(44, 3), (58, 2)],
        "the name is written, the after: reads it"
    );
    let variable_highlights = client
        .request(
            "textDocument/documentHighlight",
            json!({ "textDocument": { "uri": chat.uri }, "position": position_of(&chat.text, "{{REGION}}", 1, 3) }),
        )
        .await
        .unwrap();
    assert_eq!(variable_highlights.as_array().unwrap().len(), 2);
    client.shutdown().await;
}

#[tokio::test]
async fn a_linked_block_and_the_links_that_import_it() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let linked = fixture
        .open(&mut client, "project/api/nested/linked.void")
        .await;
    let from_link = references(&mut client, linked.at("type: linkedBlock", 0, 8), true).await;
    let lines: Vec<String> = describe(&fixture, &from_link)
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "project/lib/shared.void:9",
            "project/api/nested/linked.void:9"
        ],
        "the block, then the link"
    );
    let shared = fixture.open(&mut client, "project/lib/shared.void").await;
    let from_block = references(&mut client, shared.at("type: socket-request", 0, 8), false).await;
    assert_eq!(
        from_block.as_array().unwrap().len(),
        1,
        "the one link: {from_block}"
    );
    assert_eq!(from_block[0]["uri"], linked.uri.as_str());
    client.shutdown().await;
}

#[tokio::test]
async fn references_follow_unsaved_edits_and_changes_on_disk() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let orders = fixture.open(&mut client, "project/api/orders.void").await;
    // Unsaved: the URL gains a second {{HOST}}.
    let at = position_of(&orders.text, "/orders/", 0, 0);
    client.insert_text(&orders.uri, 2, &at, "/{{HOST}}").await;
    let host = references(&mut client, orders.at("{{HOST}}", 0, 3), false).await;
    let in_orders = host
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["uri"] == orders.uri.as_str())
        .count();
    assert_eq!(in_orders, 2, "{host}");

    // On disk: a new file uses it, an old one is deleted.
    let fresh = fixture.path("project/lib/fresh.void");
    std::fs::write(
        &fresh,
        "```void\n---\ntype: ws-message\nattrs:\n  uid: 0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9\n  name: x\n  body: \"{{HOST}}\"\n---\n```\n",
    )
    .unwrap();
    std::fs::remove_file(fixture.path("project/lib/shared.void")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [
                { "uri": file_uri(&fresh), "type": 1 },
                { "uri": fixture.uri("project/lib/shared.void"), "type": 3 }
            ] }),
        )
        .await;
    let host = references(&mut client, orders.at("{{HOST}}", 0, 3), false).await;
    let files: Vec<String> = describe(&fixture, &host)
        .into_iter()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    assert!(
        files.contains(&"project/lib/fresh.void".to_string()),
        "{files:?}"
    );
    assert!(
        !files.contains(&"project/lib/shared.void".to_string()),
        "{files:?}"
    );

    // A file outside the workspace has only itself.
    let stray = fixture.open(&mut client, "outside/stray.void").await;
    let alone = references(&mut client, stray.at("{{HOST}}", 0, 3), true).await;
    assert_eq!(describe(&fixture, &alone), ["outside/stray.void:25 HOST"]);
    client.shutdown().await;
}

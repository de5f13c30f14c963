//! Document links on the fixture project (`workspace.rs`): a `fileLink` block and a prose
//! `{{fileLink|…}}` token open the file from the project root; a `linkedBlock` opens the linked
//! file at the linked block's line, following unsaved edits of that file; `caFile`-style option
//! paths open the file next to the `.void` file, only while it exists on disk; request URLs are
//! links with their variables resolved, never when a secret would show.

use serde_json::json;

use crate::harness::{TestClient, file_uri, modern_capabilities};
use crate::references::text_at;
use crate::workspace::{Fixture, start};

/// `linked text -> target` of each link, targets inside the fixture relative to it.
async fn links(client: &mut TestClient, fixture: &Fixture, relative: &str) -> Vec<String> {
    let uri = fixture.uri(relative);
    let text = client.server_text(&uri).await.1;
    let result = client
        .request(
            "textDocument/documentLink",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let base = format!("{}/", file_uri(fixture.dir.path()));
    result
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {result}"))
        .iter()
        .map(|link| {
            let target = link["target"].as_str().unwrap();
            format!(
                "{} -> {}",
                text_at(&text, &link["range"]),
                target.strip_prefix(&base).unwrap_or(target)
            )
        })
        .collect()
}

async fn open(client: &mut TestClient, fixture: &Fixture, relative: &str) {
    client
        .open(&fixture.uri(relative), &fixture.text(relative))
        .await;
}

#[tokio::test]
async fn file_links_linked_blocks_and_option_paths_open_their_files() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    for file in [
        "lib/shared.void",
        "api/nested/linked.void",
        "api/orders.void",
    ] {
        open(&mut client, &fixture, &format!("project/{file}")).await;
    }
    assert_eq!(
        links(&mut client, &fixture, "project/lib/shared.void").await,
        [
            "wss://{{HOST}}/shared -> wss://dev.example.com/shared",
            "../certs/ca.pem -> project/certs/ca.pem",
            "/api/orders.void -> project/api/orders.void",
        ],
        "clientCert names a file that does not exist: no link"
    );
    let orders = links(&mut client, &fixture, "project/api/orders.void").await;
    assert!(
        orders.contains(&"/lib/shared.void -> project/lib/shared.void".to_string()),
        "{orders:?}"
    );
    // The linked block opens at the line of the block it links (its fence, 1-based as editors
    // read it).
    assert_eq!(
        links(&mut client, &fixture, "project/api/nested/linked.void").await,
        ["/lib/shared.void -> project/lib/shared.void#L10"]
    );

    // Unsaved lines above the linked block move the target with them.
    let shared = fixture.uri("project/lib/shared.void");
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": shared, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": 8, "character": 0 }, "end": { "line": 8, "character": 0 } }, "text": "Two new lines\n\n" }] }),
        )
        .await;
    assert_eq!(
        links(&mut client, &fixture, "project/api/nested/linked.void").await,
        ["/lib/shared.void -> project/lib/shared.void#L12"]
    );

    // The CA file deleted on disk: its link goes.
    std::fs::remove_file(fixture.path("project/certs/ca.pem")).unwrap();
    let now = links(&mut client, &fixture, "project/lib/shared.void").await;
    assert_eq!(
        now,
        [
            "wss://{{HOST}}/shared -> wss://dev.example.com/shared",
            "/api/orders.void -> project/api/orders.void"
        ]
    );
    client.shutdown().await;
}

#[tokio::test]
async fn request_urls_are_links_with_their_variables_resolved_unless_secret() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    open(&mut client, &fixture, "project/chat.void").await;
    open(&mut client, &fixture, "project/api/orders.void").await;
    // `chat login` carries `{{API_TOKEN}}` (private): no link would show it.
    assert_eq!(
        links(&mut client, &fixture, "project/chat.void").await,
        ["wss://{{HOST}}/admin -> wss://dev.example.com/admin"]
    );
    let orders = links(&mut client, &fixture, "project/api/orders.void").await;
    assert_eq!(
        orders[0], "https://{{HOST}}/orders/{{REGION}} -> https://dev.example.com/orders/us",
        "REGION from api/.env, the nearer one"
    );
    client.shutdown().await;
}

//! The workspace index through the server, on the multi-file fixture project
//! (`tests/project-fixture/`: nested folders, the app's environment files and `.env` files at
//! two levels, a linked block, a file outside the workspace), copied to a scratch folder:
//! the first indexing and its `$/progress`, workspace symbols, and the index kept current
//! after files change on disk (watched-file events, and the disk check for clients that do not
//! watch) and while a document is edited but not saved.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{TestClient, file_uri, modern_capabilities};

/// The fixture project copied to a scratch folder: `<dir>/project` (the workspace folder) and
/// `<dir>/outside` (a file outside it).
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/project-fixture");
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&source, dir.path());
        Fixture { dir }
    }

    pub fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn uri(&self, relative: &str) -> String {
        file_uri(&self.path(relative))
    }

    pub fn text(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap()
    }

    /// Opens the fixture's file `relative` in `client`.
    pub async fn open(&self, client: &mut TestClient, relative: &str) -> OpenFile {
        let (uri, text) = (self.uri(relative), self.text(relative));
        client.open(&uri, &text).await;
        OpenFile { uri, text }
    }
}

/// A file open in the client: its URI and the text it was opened with.
pub struct OpenFile {
    pub uri: String,
    pub text: String,
}

impl OpenFile {
    /// The `textDocument` and `position` (UTF-16) of the `nth` occurrence of `needle` in the
    /// text, `shift` characters into it: the parameters of a request at that place.
    pub fn at(&self, needle: &str, nth: usize, shift: usize) -> Value {
        json!({
            "textDocument": { "uri": self.uri },
            "position": crate::references::position_of(&self.text, needle, nth, shift),
        })
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Capabilities of a modern editor that also shows progress.
pub fn capabilities_with_progress() -> Value {
    let mut caps = modern_capabilities();
    caps["window"] = json!({ "workDoneProgress": true });
    caps
}

/// Starts a server on the fixture's project folder and waits for the first indexing to end.
pub async fn start(fixture: &Fixture, capabilities: Value) -> TestClient {
    let (client, _) = TestClient::start(capabilities, json!({}), Some(&fixture.project())).await;
    // Any project-wide request waits for the first indexing.
    let mut client = client;
    client
        .request("workspace/symbol", json!({ "query": "" }))
        .await
        .unwrap();
    client
}

/// `workspace/symbol` for `query`: `(name, file relative to the fixture, line)`.
pub async fn symbols(
    client: &mut TestClient,
    fixture: &Fixture,
    query: &str,
) -> Vec<(String, String, u64)> {
    let result = client
        .request("workspace/symbol", json!({ "query": query }))
        .await
        .unwrap();
    let base = file_uri(fixture.dir.path());
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let uri = s["location"]["uri"].as_str().unwrap();
            (
                s["name"].as_str().unwrap().to_string(),
                uri.strip_prefix(&format!("{base}/"))
                    .unwrap_or(uri)
                    .to_string(),
                s["location"]["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn names(found: &[(String, String, u64)]) -> Vec<String> {
    found.iter().map(|(n, f, _)| format!("{n} @ {f}")).collect()
}

#[tokio::test]
async fn the_first_indexing_reports_progress_and_finds_every_file() {
    let fixture = Fixture::new();
    let (mut client, _) = TestClient::start(
        capabilities_with_progress(),
        json!({}),
        Some(&fixture.project()),
    )
    .await;
    let (begin, from) = client
        .wait_for("$/progress", 0, |p| p["value"]["kind"] == "begin")
        .await;
    assert_eq!(begin["token"], "void-ls/indexing");
    assert_eq!(begin["value"]["title"], "Indexing .void files");
    let (end, _) = client
        .wait_for("$/progress", from, |p| p["value"]["kind"] == "end")
        .await;
    assert!(
        end["value"]["message"]
            .as_str()
            .unwrap()
            .starts_with("8 files indexed in"),
        "4 .void files, 2 .env files and 2 app environment files: {end}"
    );
    assert!(
        client
            .server_requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r["method"] == "window/workDoneProgress/create"
                && r["params"]["token"] == "void-ls/indexing")
    );
    let all = symbols(&mut client, &fixture, "").await;
    assert!(
        all.iter().all(|(_, f, _)| f.starts_with("project/")),
        "nothing outside the workspace: {all:?}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn workspace_symbols_name_sections_requests_and_messages() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;

    let chat = symbols(&mut client, &fixture, "chat").await;
    // Prefix matches first, shorter names first.
    assert_eq!(
        names(&chat),
        [
            "Chat login @ project/chat.void",
            "Chat admin @ project/chat.void",
            "Chat admin · WSS wss://{{HOST}}/admin @ project/chat.void",
            "Chat login · WSS wss://{{HOST}}/chat?token={{API_TOKEN}} @ project/chat.void",
        ],
        "{chat:?}"
    );
    // By URL: the HTTP request a folder down (named by its section's heading too), and the
    // linked file's own request.
    let orders = symbols(&mut client, &fixture, "/orders/").await;
    assert_eq!(
        names(&orders),
        ["Orders · GET https://{{HOST}}/orders/{{REGION}} @ project/api/orders.void"]
    );
    assert_eq!(orders[0].2, 9, "the request block's opening fence");
    let shared = symbols(&mut client, &fixture, "wss://{{HOST}}/shared").await;
    assert_eq!(
        names(&shared),
        ["Shared requests · WSS wss://{{HOST}}/shared @ project/lib/shared.void"]
    );
    // Messages, with the section they belong to.
    let result = client
        .request("workspace/symbol", json!({ "query": "hello" }))
        .await
        .unwrap();
    let containers: Vec<&str> = result
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["containerName"].as_str().unwrap())
        .collect();
    assert_eq!(
        containers,
        ["Chat login · chat.void", "Chat admin · chat.void"]
    );
    assert!(
        result
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["kind"] == 24 && s["name"] == "hello"),
        "messages are events: {result}"
    );
    // Characters in order.
    let fuzzy = symbols(&mut client, &fixture, "png").await;
    assert_eq!(names(&fuzzy), ["ping @ project/api/nested/linked.void"]);
    client.shutdown().await;
}

#[tokio::test]
async fn a_document_edited_but_not_saved_wins_over_its_disk_copy() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let OpenFile { uri, text } = fixture
        .open(&mut client, "project/api/nested/linked.void")
        .await;
    let line = text.lines().position(|l| l == "  name: ping").unwrap();
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": line, "character": 8 }, "end": { "line": line, "character": 12 } }, "text": "pong" }] }),
        )
        .await;
    assert_eq!(
        names(&symbols(&mut client, &fixture, "pong").await),
        ["pong @ project/api/nested/linked.void"]
    );
    assert!(symbols(&mut client, &fixture, "ping").await.is_empty());
    // Closed without saving: the disk copy counts again.
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    assert!(symbols(&mut client, &fixture, "pong").await.is_empty());
    assert_eq!(
        names(&symbols(&mut client, &fixture, "ping").await),
        ["ping @ project/api/nested/linked.void"]
    );

    // An open file outside the workspace is not part of it.
    let stray = fixture.uri("outside/stray.void");
    client
        .open(&stray, &fixture.text("outside/stray.void"))
        .await;
    assert!(symbols(&mut client, &fixture, "stray").await.is_empty());
    client.shutdown().await;
}

fn message_file(name: &str) -> String {
    format!(
        "# New\n\n```void\n---\ntype: ws-message\nattrs:\n  uid: 0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9\n  name: {name}\n  body: hi\n---\n```\n"
    )
}

#[tokio::test]
async fn files_changed_on_disk_reach_the_index_through_watched_file_events() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    // The server asked to watch .void files as well as environment files.
    let registration = client
        .server_requests
        .lock()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "client/registerCapability")
        .cloned()
        .unwrap();
    let globs: Vec<&str> =
        registration["params"]["registrations"][0]["registerOptions"]["watchers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["globPattern"].as_str().unwrap())
            .collect();
    assert!(
        globs.contains(&"**/*.void") && globs.contains(&"**/.env"),
        "{globs:?}"
    );

    let created = fixture.path("project/api/fresh.void");
    std::fs::write(&created, message_file("fresh")).unwrap();
    let changes = |uri: String, kind: u8| json!({ "changes": [{ "uri": uri, "type": kind }] });
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            changes(file_uri(&created), 1),
        )
        .await;
    assert_eq!(
        names(&symbols(&mut client, &fixture, "fresh").await),
        ["fresh @ project/api/fresh.void"]
    );
    std::fs::write(&created, message_file("renamed")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            changes(file_uri(&created), 2),
        )
        .await;
    assert!(symbols(&mut client, &fixture, "fresh").await.is_empty());
    assert_eq!(symbols(&mut client, &fixture, "renamed").await.len(), 1);
    // A folder deleted: everything under it goes.
    std::fs::remove_dir_all(fixture.path("project/api")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            changes(fixture.uri("project/api"), 3),
        )
        .await;
    assert!(symbols(&mut client, &fixture, "renamed").await.is_empty());
    assert!(symbols(&mut client, &fixture, "orders").await.is_empty());
    assert_eq!(symbols(&mut client, &fixture, "Chat login").await.len(), 2);
    client.shutdown().await;
}

#[tokio::test]
async fn without_file_watching_the_index_checks_the_disk_itself() {
    let fixture = Fixture::new();
    // No dynamic registration of watchers: the server cannot rely on events.
    let mut client = start(&fixture, json!({})).await;
    std::fs::write(
        fixture.path("project/lib/fresh.void"),
        message_file("unwatched"),
    )
    .unwrap();
    std::fs::remove_file(fixture.path("project/api/orders.void")).unwrap();
    // The disk is compared at most every two seconds.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        names(&symbols(&mut client, &fixture, "unwatched").await),
        ["unwatched @ project/lib/fresh.void"]
    );
    assert!(symbols(&mut client, &fixture, "orders").await.is_empty());
    client.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_out_of_the_workspace_and_loops_are_not_followed() {
    let fixture = Fixture::new();
    std::os::unix::fs::symlink(fixture.path("outside"), fixture.path("project/escape")).unwrap();
    std::os::unix::fs::symlink(fixture.project(), fixture.path("project/lib/loop")).unwrap();
    let mut client = start(&fixture, modern_capabilities()).await;
    assert!(symbols(&mut client, &fixture, "stray").await.is_empty());
    // The loop is walked once: each symbol of lib/shared.void appears once.
    assert_eq!(symbols(&mut client, &fixture, "shared").await.len(), 1);
    client.shutdown().await;
}

//! `void-ls run` on HTTP and GraphQL sections against a real HTTP server on loopback
//! (aiohttp, tests/peers/http_server.py): method, URL with path and query parameters,
//! headers, cookies, every body kind the app writes (JSON with comments, XML, YAML, text,
//! url-encoded, multipart with files), auth, redirects followed or not, a redirect loop, a
//! timeout, a refused connection, scripts said and never run, GraphQL over HTTP, GraphQL
//! subscriptions over WebSocket (npm `graphql-ws`, tests/peers/graphql_server.js), the embedded
//! server's `/graphql` driven by npm `graphql-ws`'s client (tests/peers/graphql_client.js), and the
//! `assertions-table` rows through the pretty, JSON and JUnit reporters.
#![allow(clippy::unwrap_used)]

#[path = "common/cli.rs"]
mod cli;
#[path = "../../session/tests/common/mod.rs"]
mod peers;

use std::cell::Cell;
use std::path::Path;

use cli::void_ls;

thread_local!(static UID: Cell<u32> = const { Cell::new(0) });

fn uid() -> String {
    UID.with(|n| {
        n.set(n.get() + 1);
        format!("00000000-0000-4000-8000-{:012}", n.get())
    })
}

fn block(yaml: &str) -> String {
    format!("```void\n---\n{yaml}---\n```\n\n")
}

fn separator(label: &str) -> String {
    block(&format!(
        "type: request-separator\nattrs:\n  uid: {}\n  label: {label}\n",
        uid()
    ))
}

fn request(method: &str, url: &str) -> String {
    block(&format!(
        "type: request\nattrs:\n  uid: {}\ncontent:\n  - type: method\n    attrs:\n      uid: {}\n    content: {method}\n  - type: url\n    attrs:\n      uid: {}\n    content: \"{url}\"\n",
        uid(),
        uid(),
        uid()
    ))
}

/// A YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A table block of `kind` with one row per entry.
fn table(kind: &str, rows: &[&[&str]]) -> String {
    let mut yaml = format!(
        "type: {kind}\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n",
        uid()
    );
    for row in rows {
        yaml.push_str("      - attrs:\n          disabled: false\n        row:\n");
        for cell in *row {
            yaml.push_str(&format!("          - {}\n", quoted(cell)));
        }
    }
    block(&yaml)
}

fn body(kind: &str, text: &str) -> String {
    let mut yaml = format!("type: {kind}\nattrs:\n  uid: {}\n  body: |-\n", uid());
    for line in text.lines() {
        yaml.push_str(&format!("    {line}\n"));
    }
    block(&yaml)
}

fn multipart_with_file(field: &str, path: &str, note: &str) -> String {
    block(&format!(
        "type: multipart-table\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - {field}\n          - - type: fileLink\n              attrs:\n                uid: {}\n                filePath: {path}\n                filename: a.txt\n                isExternal: false\n            - \" \"\n      - attrs:\n          disabled: false\n        row:\n          - note\n          - {note}\n",
        uid(),
        uid()
    ))
}

fn auth(kind: &str, rows: &[&[&str]]) -> String {
    let t = table("auth", rows);
    t.replacen(
        "type: auth\nattrs:\n",
        &format!("type: auth\nattrs:\n  authType: {kind}\n"),
        1,
    )
}

fn assertions(rows: &[[&str; 4]]) -> String {
    let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
    table("assertions-table", &rows)
}

const FRONT: &str = "---\nversion: 0.20.1\ngeneratedBy: Voiden app\n---\n\n# HTTP\n\n";

/// The file exercising everything that passes.
fn passing_file() -> String {
    let mut f = String::from(FRONT);
    f += &separator("Echo");
    f += &request("GET", "{{BASE}}/{kind}");
    f += &table("path-table", &[&["kind", "echo"]]);
    f += &table("query-table", &[&["q", "a b&c"]]);
    f += &table("headers-table", &[&["X-Test", "yes"]]);
    f += &table("cookies-table", &[&["flavour", "oat"]]);
    f += &assertions(&[
        ["Answers", "status", "equals", "200"],
        ["", "body.path", "equals", "/echo"],
        ["Query decoded", "body.query.q", "equals", "a b&c"],
        ["", "body.headers.x-test", "equals", "yes"],
        ["", "body.cookies.flavour", "equals", "oat"],
        ["", "header.content-type", "contains", "json"],
    ]);

    f += &separator("Login");
    f += &request("POST", "{{BASE}}/login");
    f += &body(
        "json_body",
        "{\n  // the app strips comments\n  \"user\": \"ada\",\n  \"password\": \"{{PASSWORD}}\"\n}",
    );
    f += &assertions(&[
        ["Logged in", "status", "equals", "200"],
        ["", "body.token", "exists", ""],
        ["", "body.user.id", "greater_than", "5"],
    ]);
    f += &table(
        "runtime-variables",
        &[
            &["token", "{{$res.body.token}}"],
            &["userId", "{{$res.body.user.id}}"],
        ],
    );

    // The captured values feed the next sections: an HTTP request and a WebSocket handshake.
    f += &separator("Me");
    f += &request("GET", "{{BASE}}/echo");
    f += &table("headers-table", &[&["X-User", "{{process.userId}}"]]);
    f += &auth("bearer", &[&["token", "{{process.token}}"]]);
    f += &assertions(&[
        ["", "body.headers.x-user", "equals", "7"],
        ["", "body.headers.authorization", "contains", "Bearer"],
    ]);
    f += &separator("Socket");
    f += &block(&format!(
        "type: socket-request\nattrs:\n  uid: {}\ncontent:\n  - type: smethod\n    attrs:\n      uid: {}\n      method: WS\n    content: WS\n  - type: surl\n    attrs:\n      uid: {}\n    content: \"{{{{WS_BASE}}}}/ws\"\n",
        uid(),
        uid(),
        uid()
    ));
    f += &auth("bearer", &[&["token", "{{process.token}}"]]);
    f += &table(
        "ws-assertions",
        &[&["Greeted", "received[0].json.hello", "equals", "ada"]],
    );

    f += &separator("Basic");
    f += &request("GET", "{{BASE}}/basic");
    f += &auth(
        "basic",
        &[&["username", "ada"], &["password", "open sesame"]],
    );
    f += &assertions(&[["", "status", "equals", "200"]]);

    f += &separator("Form");
    f += &request("POST", "{{BASE}}/echo");
    f += &table("url-table", &[&["a", "1"], &["b", "x y"]]);
    f += &assertions(&[
        [
            "",
            "body.contentType",
            "equals",
            "application/x-www-form-urlencoded",
        ],
        ["", "body.form.b", "equals", "x y"],
    ]);

    f += &separator("Upload");
    f += &request("POST", "{{BASE}}/echo");
    f += &multipart_with_file("avatar", "files/a.txt", "hello");
    f += &assertions(&[
        ["", "body.files.avatar.filename", "equals", "a.txt"],
        ["", "body.files.avatar.text", "equals", "file content"],
        ["", "body.fields.note", "equals", "hello"],
    ]);

    f += &separator("XML");
    f += &request("PUT", "{{BASE}}/echo");
    f += &body("xml_body", "<a><b>1</b></a>");
    f += &assertions(&[
        ["", "body.method", "equals", "PUT"],
        ["", "body.contentType", "equals", "application/xml"],
        ["", "body.body", "equals", "<a><b>1</b></a>"],
    ]);

    f += &separator("YAML");
    f += &request("PATCH", "{{BASE}}/echo");
    f += &body("yml_body", "a: 1");
    f += &assertions(&[["", "body.contentType", "equals", "application/x-yaml"]]);

    f += &separator("Redirected");
    f += &request("GET", "{{BASE}}/redirect");
    f += &assertions(&[
        ["", "status", "equals", "200"],
        ["", "body.query.from", "equals", "redirect"],
    ]);

    f += &separator("Not followed");
    f += &request("GET", "{{BASE}}/redirect");
    f += &table("options-table", &[&["follow_redirects", "false"]]);
    f += &assertions(&[
        ["", "status", "equals", "302"],
        ["", "header.location", "contains", "/echo"],
    ]);

    f += &separator("Scripted");
    f += &block(&format!(
        "type: pre_script\nattrs:\n  uid: {}\n  language: javascript\n  body: |-\n    voiden.log('x');\n",
        uid()
    ));
    f += &request("GET", "{{BASE}}/xml");
    f += &assertions(&[["", "body", "contains", "<b>1</b>"]]);

    f += &separator("Hello");
    f += &block(&format!(
        "type: gqlquery\nattrs:\n  uid: {}\ncontent:\n  - type: gqlurl\n    attrs:\n      uid: {}\n    content: \"{{{{BASE}}}}/graphql\"\n  - type: gqlbody\n    attrs:\n      uid: {}\n      body: |-\n        query Hello($name: String) {{ hello(name: $name) }}\n      operationType: query\n",
        uid(),
        uid(),
        uid()
    ));
    f += &block(&format!(
        "type: gqlvariables\nattrs:\n  uid: {}\n  body: '{{\"name\": \"void\"}}'\n",
        uid()
    ));
    f += &assertions(&[
        ["", "body.data.hello", "equals", "hello void"],
        ["", "body.operationName", "equals", "Hello"],
    ]);
    f
}

/// Sections that fail, each in its own words.
fn failing_file() -> String {
    let mut f = String::from(FRONT);
    f += &separator("Wrong status");
    f += &request("POST", "{{BASE}}/login");
    f += &body("json_body", "{\"user\": \"ada\", \"password\": \"nope\"}");
    f += &assertions(&[["Logged in", "status", "equals", "200"]]);
    f += &separator("Loop");
    f += &request("GET", "{{BASE}}/loop");
    f += &table("options-table", &[&["maxRedirects", "3"]]);
    f += &separator("Slow");
    f += &request("GET", "{{BASE}}/slow");
    f += &table("options-table", &[&["timeout", "1s"]]);
    f += &separator("Refused");
    f += &request("GET", "http://127.0.0.1:{{CLOSED_PORT}}/");
    f
}

struct Setup {
    _peer: peers::Peer,
    dir: tempfile::TempDir,
}

async fn setup() -> Option<Setup> {
    let Some(python) = peers::python() else {
        peers::missing("a Python with aiohttp (VOID_TEST_PYTHON)");
        return None;
    };
    let mut command = tokio::process::Command::new(python);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/http_server.py"));
    let peer = peers::Peer::start(command).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".voiden")).unwrap();
    std::fs::create_dir_all(dir.path().join("files")).unwrap();
    std::fs::write(dir.path().join("files/a.txt"), "file content").unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "BASE=http://127.0.0.1:{0}\nWS_BASE=ws://127.0.0.1:{0}\nPASSWORD=s3cret\n",
            peer.port
        ),
    )
    .unwrap();
    Some(Setup { _peer: peer, dir })
}

#[tokio::test(flavor = "multi_thread")]
async fn http_sections_run_against_a_real_server() {
    let Some(s) = setup().await else { return };
    std::fs::write(s.dir.path().join("api.void"), passing_file()).unwrap();
    let dir = s.dir.path().to_path_buf();
    let (code, out, err) =
        tokio::task::spawn_blocking(move || void_ls(&dir, &["run", "api.void", "--log"]))
            .await
            .unwrap();
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    for label in [
        "Echo",
        "Login",
        "Basic",
        "Form",
        "Upload",
        "XML",
        "YAML",
        "Redirected",
        "Not followed",
        "Scripted",
        "Hello",
    ] {
        assert!(out.contains(label), "{label} reported:\n{out}");
    }
    assert!(
        out.contains("void-ls never runs scripts"),
        "the scripted section says its script was not run:\n{out}"
    );
    assert!(
        !out.contains("s3cret") && !err.contains("s3cret"),
        "{out}{err}"
    );

    // The same run as JUnit: one test case per row, all passing.
    let dir = s.dir.path().to_path_buf();
    let (code, junit, err) = tokio::task::spawn_blocking(move || {
        void_ls(&dir, &["run", "api.void", "--reporter", "junit"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{junit}\n{err}");
    assert!(junit.contains("<testsuites"), "{junit}");
    assert!(
        junit.contains("Query decoded") && !junit.contains("<failure"),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_failures_are_reported_in_words() {
    let Some(s) = setup().await else { return };
    // A port that refuses connections, reserved for the whole test.
    let refused = void_echo::RefusedPort::new().unwrap();
    let closed = refused.port();
    std::fs::write(s.dir.path().join("bad.void"), failing_file()).unwrap();
    let dir = s.dir.path().to_path_buf();
    let var = format!("CLOSED_PORT={closed}");
    let (code, json, err) = tokio::task::spawn_blocking(move || {
        void_ls(
            &dir,
            &["run", "bad.void", "--reporter", "json", "--env-var", &var],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{json}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let text = report.to_string();
    let section = |label: &str| -> serde_json::Value {
        report["files"][0]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("{label} in {text}"))
    };
    let wrong = section("Wrong status");
    assert_eq!(wrong["assertions"][0]["status"], "failed", "{wrong}");
    assert_eq!(wrong["assertions"][0]["actual"], "401", "{wrong}");
    let looped = section("Loop").to_string();
    assert!(looped.contains("stopped after 3 redirects"), "{looped}");
    let slow = section("Slow").to_string();
    assert!(slow.contains("timeout (1 s)"), "{slow}");
    let refused = section("Refused").to_string();
    assert!(refused.contains("cannot connect to 127.0.0.1"), "{refused}");
}

/// Server-Sent Events: a stream that ends, one the client closes once its rows hold, one
/// opened again with `Last-Event-ID` until its rows hold, and one the timeout ends.
fn sse_file() -> String {
    let mut f = String::from(FRONT);
    f += &separator("Stream");
    f += &request("GET", "{{BASE}}/sse");
    f += &assertions(&[
        ["Four events", "events.count", "equals", "4"],
        ["", "events[0].event", "equals", "greeting"],
        ["", "events[0].data", "equals", "hi"],
        ["", "events[-1].json.n", "equals", "3"],
        ["", "events[-1].id", "equals", "3"],
        ["", "events[any].id", "equals", "2"],
        ["", "events[all].data", "exists", ""],
        ["", "header.content-type", "contains", "event-stream"],
    ]);
    f += &separator("Until five");
    f += &request("GET", "{{BASE}}/sse?forever=1");
    f += &assertions(&[["", "events[any].json.n", "equals", "5"]]);
    f += &separator("Resumed");
    f += &request("GET", "{{BASE}}/sse-resume");
    f += &assertions(&[
        ["", "events[any].json.n", "equals", "4"],
        ["", "events[-1].json.after", "equals", "2"],
    ]);
    f += &separator("Until timeout");
    f += &request("GET", "{{BASE}}/sse?forever=1");
    f += &table("options-table", &[&["timeout", "1s"]]);
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn server_sent_events_are_read_as_events_and_checked() {
    let Some(s) = setup().await else { return };
    std::fs::write(s.dir.path().join("sse.void"), sse_file()).unwrap();
    let dir = s.dir.path().to_path_buf();
    let (code, json, err) = tokio::task::spawn_blocking(move || {
        void_ls(&dir, &["run", "sse.void", "--reporter", "json"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{json}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sections = report["files"][0]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 4, "{report}");
    let stream = sections[0].to_string();
    assert_eq!(
        sections[0]["assertions"].as_array().unwrap().len(),
        8,
        "{stream}"
    );
    let settled = sections[1].to_string();
    assert!(
        settled.contains("closed by the client once every row held"),
        "{settled}"
    );
    let resumed = sections[2].to_string();
    assert!(
        resumed.contains("opened again 1 time (the last with Last-Event-ID: 2)"),
        "{resumed}"
    );
    let timed_out = sections[3].to_string();
    assert!(
        timed_out.contains("closed by the client when the timeout (1 s) passed"),
        "{timed_out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_verifies_certificates_like_websocket() {
    let Some(python) = peers::python() else {
        peers::missing("a Python with aiohttp (VOID_TEST_PYTHON)");
        return;
    };
    let pki = peers::TestPki::generate();
    let mut command = tokio::process::Command::new(python);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/http_server.py"))
        .arg(&pki.cert_pem)
        .arg(&pki.key_pem);
    let peer = peers::Peer::start(command).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".voiden")).unwrap();
    std::fs::copy(&pki.ca_pem, dir.path().join("ca.pem")).unwrap();
    let url = format!("https://localhost:{}/echo", peer.port);
    let mut untrusted = String::from(FRONT);
    untrusted += &separator("Untrusted");
    untrusted += &request("GET", &url);
    untrusted += &assertions(&[["", "status", "equals", "200"]]);
    let mut trusted = String::from(FRONT);
    trusted += &separator("Trusted");
    trusted += &request("GET", &url);
    trusted += &table("options-table", &[&["caFile", "ca.pem"]]);
    trusted += &assertions(&[["", "status", "equals", "200"]]);
    std::fs::write(dir.path().join("untrusted.void"), untrusted).unwrap();
    std::fs::write(dir.path().join("trusted.void"), trusted).unwrap();
    let root = dir.path().to_path_buf();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        void_ls(&root, &["run", "untrusted.void", "--color", "never"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("certificate"),
        "the TLS failure in words:\n{out}"
    );
    let root = dir.path().to_path_buf();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        void_ls(&root, &["run", "trusted.void", "--color", "never"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "caFile makes the test CA trusted:\n{out}\n{err}");
}

/// A `gqlquery` subscription section on `{{GQL}}` with the section's `assertions-table` rows.
fn subscription(label: &str, query: &str, token: &str, rows: &[[&str; 4]]) -> String {
    let mut f = separator(label);
    f += &block(&format!(
        "type: gqlquery\nattrs:\n  uid: {}\ncontent:\n  - type: gqlurl\n    attrs:\n      uid: {}\n    content: \"{{{{GQL}}}}/graphql\"\n  - type: gqlbody\n    attrs:\n      uid: {}\n      body: |-\n        {query}\n      operationType: subscription\n",
        uid(),
        uid(),
        uid()
    ));
    f += &table(
        "headers-table",
        &[&["Authorization", &format!("Bearer {token}")]],
    );
    if !rows.is_empty() {
        f += &assertions(rows);
    }
    f
}

/// The node_modules holding npm `package`, or `None` (said, and a failure under CI) when it is
/// not installed.
fn node_package(package: &str) -> Option<String> {
    let Some(modules) = peers::node_modules() else {
        peers::missing("no node_modules (set VOID_TEST_NODE_MODULES or run tests/lib/tools.sh)");
        return None;
    };
    if !Path::new(&modules).join(package).is_dir() {
        peers::missing(&format!(
            "npm `{package}` is not installed (run tests/lib/tools.sh ensure_node_peers)"
        ));
        return None;
    }
    Some(modules)
}

/// The GraphQL over WebSocket peer (npm `graphql-ws`), or `None` (said, and a failure under
/// CI) when it is not installed.
async fn graphql_peer(legacy: bool) -> Option<peers::Peer> {
    let package = if legacy {
        "subscriptions-transport-ws"
    } else {
        "graphql-ws"
    };
    let modules = node_package(package)?;
    let mut command = tokio::process::Command::new("node");
    command
        .env("NODE_PATH", modules)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/graphql_server.js"));
    if legacy {
        command.arg("legacy");
    }
    Some(peers::Peer::start(command).await)
}

/// GraphQL subscriptions over `graphql-transport-ws` against a real `graphql-ws` server: one
/// that streams five results and completes (its rows read the results), one the client stops
/// once its row holds (the server sees `complete`), a validation error, and a
/// `connection_init` the server refuses.
#[tokio::test(flavor = "multi_thread")]
async fn graphql_subscriptions_run_over_websocket() {
    let Some(peer) = graphql_peer(false).await else {
        return;
    };
    let dir = graphql_dir(&peer);
    let mut f = String::from(FRONT);
    f += &subscription(
        "Count",
        "subscription Count { count(n: 5) }",
        "good",
        &[
            ["Five results", "events.count", "equals", "5"],
            ["", "received[0].json.data.count", "equals", "1"],
            ["", "events[-1].json.data.count", "equals", "5"],
        ],
    );
    f += &subscription(
        "Ticks",
        "subscription { ticks }",
        "good",
        &[["", "received[any].json.data.ticks", "equals", "3"]],
    );
    f += &subscription(
        "Stopped",
        "subscription { stopped }",
        "good",
        &[["", "received[0].json.data.stopped", "equals", "1"]],
    );
    f += &subscription("Invalid", "subscription { nope }", "good", &[]);
    f += &subscription("Refused", "subscription { count(n: 1) }", "bad", &[]);
    // Without rows a subscription runs until the server ends it.
    f += &subscription("Complete", "subscription { count(n: 2) }", "good", &[]);
    std::fs::write(dir.path().join("gql.void"), f).unwrap();
    let path = dir.path().to_path_buf();
    let (code, json, err) = tokio::task::spawn_blocking(move || {
        void_ls(&path, &["run", "gql.void", "--reporter", "json"])
    })
    .await
    .unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sections = report["files"][0]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 6, "{report}\n{err}");
    let count = sections[0].to_string();
    assert_eq!(sections[0]["status"], "passed", "{count}");
    assert!(count.contains("\"url\":\"ws://127.0.0.1:"), "{count}");
    let ticks = sections[1].to_string();
    assert_eq!(sections[1]["status"], "passed", "{ticks}");
    let stopped = sections[2].to_string();
    assert_eq!(sections[2]["status"], "passed", "{stopped}");
    let invalid = sections[3].to_string();
    assert!(
        invalid.contains("the server ended the subscription with an error: Cannot query field"),
        "{invalid}"
    );
    assert_eq!(sections[3]["status"], "failed", "{invalid}");
    let refused = sections[4].to_string();
    assert_eq!(sections[4]["status"], "failed", "{refused}");
    assert!(
        refused.contains("the server refused the GraphQL connection: it closed with 4403"),
        "{refused}"
    );
    assert!(refused.contains("Forbidden"), "{refused}");
    let complete = sections[5].to_string();
    assert_eq!(sections[5]["status"], "passed", "{complete}");
    assert_eq!(sections[5]["received"], 2, "{complete}");
    assert!(
        complete.contains("the server completed the subscription"),
        "{complete}"
    );
    assert_eq!(code, 1, "the failing sections fail the run: {report}");
}

/// A project whose `.env` points `GQL` at `peer`.
fn graphql_dir(peer: &peers::Peer) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".voiden")).unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("GQL=http://127.0.0.1:{}\n", peer.port),
    )
    .unwrap();
    dir
}

/// The legacy `subscriptions-transport-ws` protocol when the server picks it (npm
/// `subscriptions-transport-ws`, subprotocol `graphql-ws`): results as `data`, the end as
/// `complete`, a validation error, and `connection_error` for a refused `connection_init`.
#[tokio::test(flavor = "multi_thread")]
async fn legacy_graphql_subscriptions_run_when_the_server_picks_them() {
    let Some(peer) = graphql_peer(true).await else {
        return;
    };
    let dir = graphql_dir(&peer);
    let mut f = String::from(FRONT);
    f += &subscription(
        "Count",
        "subscription Count { count(n: 3) }",
        "good",
        &[
            ["", "events.count", "equals", "3"],
            ["", "events[-1].json.data.count", "equals", "3"],
        ],
    );
    f += &subscription("Invalid", "subscription { nope }", "good", &[]);
    f += &subscription("Refused", "subscription { count(n: 1) }", "bad", &[]);
    f += &subscription("Complete", "subscription { count(n: 2) }", "good", &[]);
    std::fs::write(dir.path().join("legacy.void"), f).unwrap();
    let path = dir.path().to_path_buf();
    let (code, json, err) = tokio::task::spawn_blocking(move || {
        void_ls(&path, &["run", "legacy.void", "--reporter", "json"])
    })
    .await
    .unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sections = report["files"][0]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 4, "{report}\n{err}");
    let count = sections[0].to_string();
    assert_eq!(sections[0]["status"], "passed", "{count}");
    assert_eq!(
        sections[0]["connection"]["subprotocol"], "graphql-ws",
        "{count}"
    );
    let invalid = sections[1].to_string();
    assert_eq!(sections[1]["status"], "failed", "{invalid}");
    assert!(invalid.contains("Cannot query field"), "{invalid}");
    let refused = sections[2].to_string();
    assert_eq!(sections[2]["status"], "failed", "{refused}");
    assert!(
        refused.contains("the server refused the GraphQL connection"),
        "{refused}"
    );
    let complete = sections[3].to_string();
    assert_eq!(sections[3]["status"], "passed", "{complete}");
    assert!(
        complete.contains("the server completed the subscription"),
        "{complete}"
    );
    assert_eq!(code, 1, "{report}");
}

/// The embedded server's `/graphql` against a client that is not ours: npm `graphql-ws`'s
/// `createClient` (tests/peers/graphql_client.js) runs a query with variables and an alias, a
/// mutation, a subscription to its end, one it stops itself, an invalid operation (an `error`
/// message in words), keep-alive pings (answered), and a connection offering no subprotocol
/// (closed 4406).
#[tokio::test(flavor = "multi_thread")]
async fn a_graphql_ws_client_speaks_with_the_embedded_server() {
    let Some(modules) = node_package("graphql-ws") else {
        return;
    };
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let output = tokio::process::Command::new("node")
        .env("NODE_PATH", &modules)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/graphql_client.js"))
        .arg(format!("{}/graphql", server.url()))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(30), output)
        .await
        .expect("the graphql-ws client finishes in 30 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let got: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        got["query"],
        serde_json::json!({"results": [{"data": {
            "chosen": {"id": 5, "name": "item 5", "__typename": "Item"},
            "items": [{"id": 1}, {"id": 2}, {"id": 3}],
        }}], "complete": true}),
        "{got}"
    );
    assert_eq!(
        got["mutation"]["results"][0]["data"]["addItem"]["name"], "ink",
        "{got}"
    );
    let ticks: Vec<&serde_json::Value> =
        got["ticks"]["results"].as_array().unwrap().iter().collect();
    assert_eq!(ticks.len(), 3, "{got}");
    assert_eq!(ticks[2]["data"]["ticks"]["n"], 3, "{got}");
    assert_eq!(got["ticks"]["complete"], true, "{got}");
    assert_eq!(got["stopped"]["stopped"], true, "{got}");
    assert_eq!(
        got["stopped"]["results"].as_array().unwrap().len(),
        2,
        "{got}"
    );
    let invalid = got["invalid"]["error"].as_str().unwrap_or_default();
    assert!(
        invalid.contains("Cannot query field \"colour\" on type \"Tick\"."),
        "{got}"
    );
    assert!(
        got["pongs"].as_u64().unwrap_or(0) >= 1,
        "pings answered: {got}"
    );
    assert_eq!(got["unoffered"]["code"], 4406, "{got}");
    server.shutdown().await;
}

/// `--transcript DIR` keeps an HTTP section's exchange whole: the request, the response head
/// and every byte of the body, also past `maxResponseSize` (what the report and view keep).
#[tokio::test(flavor = "multi_thread")]
async fn http_transcripts_keep_the_whole_body() {
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let mut f = String::from(FRONT);
    f += &separator("Stream");
    f += &request("GET", "{{BASE}}/events?count=2000");
    f += &table("options-table", &[&["maxResponseSize", "1KB"]]);
    f += &separator("Item");
    f += &request("GET", "{{BASE}}/api/items/7");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.void"), f).unwrap();
    let base = format!("BASE={}", server.http_url());
    let (code, out, err) = void_ls(
        dir.path(),
        &[
            "run",
            "t.void",
            "--env-var",
            &base,
            "--transcript",
            "tx",
            "--reporter",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sections = report["files"][0]["sections"].as_array().unwrap();
    let mut bodies = Vec::new();
    for section in sections {
        let path = Path::new(section["transcript"].as_str().unwrap());
        let text = std::fs::read_to_string(path).unwrap();
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(section["transcriptEvents"], records.len(), "{text}");
        let kinds: Vec<&str> = records.iter().filter_map(|r| r["kind"].as_str()).collect();
        assert_eq!(kinds.first(), Some(&"request"), "{kinds:?}");
        assert!(
            kinds.contains(&"response") && kinds.last() == Some(&"end"),
            "{kinds:?}"
        );
        let body: String = records
            .iter()
            .filter(|r| r["dir"] == "in" && r["kind"] == "body")
            .filter_map(|r| r["text"].as_str())
            .collect();
        bodies.push(body);
    }
    assert!(bodies[0].starts_with("id: 1\n"), "{}", &bodies[0][..40]);
    assert!(
        bodies[0].ends_with("id: 2000\nevent: tick\ndata: {\"n\": 2000}\n\n"),
        "the body is kept whole past maxResponseSize"
    );
    assert_eq!(bodies[1], r#"{"id":7,"name":"item 7"}"#);
}

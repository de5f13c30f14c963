//! Secrets with spaces, `&`, `=`, `%`, `+`, quotes, backslashes and non-ASCII text, in the
//! query, a header, Basic auth and a message body: no form of them (raw, percent-encoded,
//! JSON-escaped, base64) may appear in anything `run` or the language server writes: reports,
//! transcripts, the live log, notifications, hovers, the server's own log at `trace`.

use base64::Engine as _;
use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};

use super::harness::{TestClient, file_uri, modern_capabilities};
use super::world::*;

const API_TOKEN: &str = "tok en&x=1%+é";
const PASSWORD: &str = "p@ss w&rd=100%+ü";
const API_KEY: &str = "key+with/slash=eq&amp ✓";
const CLIENT_SECRET: &str = "sec\"ret \\ ✓ 100%";
const SECRETS: [&str; 4] = [API_TOKEN, PASSWORD, API_KEY, CLIENT_SECRET];

/// The `.env` of the project: the secrets, by names that make them secret.
fn env_file(echo_url: &str) -> String {
    let quote = |v: &str| format!("'{v}'");
    format!(
        "ECHO_URL={echo_url}\nAPI_TOKEN={}\nPASSWORD={}\nAPI_KEY={}\nCLIENT_SECRET={}\n",
        quote(API_TOKEN),
        quote(PASSWORD),
        quote(API_KEY),
        quote(CLIENT_SECRET)
    )
}

/// What Basic auth puts on the wire for the fixture's user.
fn basic_credentials() -> Vec<String> {
    vec![base64::engine::general_purpose::STANDARD.encode(format!("ada:{PASSWORD}"))]
}

/// Every file under `dir`, concatenated.
fn all_files(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.extend(bytes);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_any_run_output_in_any_encoding() {
    let world = World::new();
    world.fixture("secrets.void");
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("echo");
    world.write(".env", &env_file(&echo.url()));
    let mut outputs = Vec::new();
    for reporter in ["pretty", "json", "junit"] {
        let report = world.base().join(format!("cache/report-{reporter}"));
        let transcripts = world.base().join(format!("cache/transcripts-{reporter}"));
        let ran = world.cli(
            &world.project,
            &[
                "run",
                "secrets.void",
                "--reporter",
                reporter,
                "--output",
                report.to_str().expect("path"),
                "--transcript",
                transcripts.to_str().expect("path"),
                "--log",
            ],
        );
        ran.assert_bounded(0, reporter);
        outputs.push((format!("{reporter} stdout"), ran.stdout.into_bytes()));
        outputs.push((format!("{reporter} stderr"), ran.stderr.into_bytes()));
        outputs.push((
            format!("{reporter} report"),
            std::fs::read(&report).expect("report"),
        ));
        let transcript = all_files(&transcripts);
        assert!(
            String::from_utf8_lossy(&transcript).contains("\"dir\":\"in\""),
            "the transcript holds the echo"
        );
        outputs.push((format!("{reporter} transcripts"), transcript));
    }
    for (what, bytes) in &outputs {
        assert_no_secret(what, bytes, &SECRETS, &basic_credentials());
    }
    // The query value was encoded as one value, then masked.
    let (_, json) = outputs
        .iter()
        .find(|(what, _)| what == "json report")
        .expect("the json report");
    let report: Value = serde_json::from_slice(json).expect("json report");
    assert_eq!(
        report["files"][0]["sections"][0]["url"],
        format!("{}/echo?token=••••&plain=1", echo.url())
    );
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_anything_the_server_says_or_logs_even_at_trace() {
    let world = World::new();
    let (file, text) = world.fixture("secrets.void");
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("echo");
    world.write(".env", &env_file(&echo.url()));
    let log = world.base().join("stderr.log");
    let cache = world.base().join("cache");
    let (mut client, _) = TestClient::start_process(
        server_command(&log, &cache),
        modern_capabilities(),
        Value::Null,
        Some(&world.project),
    )
    .await;
    let uri = file_uri(&file);
    client.open(&uri, &text).await;
    let answer = client
        .command(
            "void.connect",
            json!({ "uri": uri, "blockUid": "00000401-0000-4000-8000-000000000401" }),
        )
        .await
        .expect("connects");
    let id = answer["sessionId"].as_str().expect("id").to_string();
    let log_uri = answer["logUri"].as_str().expect("log").to_string();
    client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == id.as_str() && p["received"].as_u64().unwrap_or(0) >= 1
        })
        .await;
    let live_log = client
        .request("void/sessionLogText", json!({ "uri": log_uri }))
        .await
        .expect("log text");
    assert!(
        live_log["text"]
            .as_str()
            .unwrap_or_default()
            .contains("← {"),
        "{live_log}"
    );
    // Hovers over each secret variable.
    for (line, l) in text.lines().enumerate() {
        if let Some(col) = l.find("{{") {
            let _ = client
                .request(
                    "textDocument/hover",
                    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 3 } }),
                )
                .await;
        }
    }
    let exported = world.project.join("exported.jsonl");
    client
        .command(
            "void.exportTranscript",
            json!({ "sessionId": id, "path": exported.to_str().expect("path") }),
        )
        .await
        .expect("export");
    client
        .command("void.close", json!({ "sessionId": id }))
        .await
        .expect("close");
    client
        .wait_for("void/sessionStatus", 0, |p| {
            p["sessionId"] == id.as_str() && p["state"] == "closed"
        })
        .await;
    let said = client.received_bytes.lock().expect("bytes").clone();
    assert_eq!(client.exit_code(false).await, Some(0));

    let credentials = basic_credentials();
    assert_no_secret(
        "every byte the server wrote to the client",
        &said,
        &SECRETS,
        &credentials,
    );
    assert_no_secret(
        "the server's log at trace",
        &std::fs::read(&log).expect("log"),
        &SECRETS,
        &credentials,
    );
    let transcript = std::fs::read(&exported).expect("exported transcript");
    assert!(String::from_utf8_lossy(&transcript).contains("\"dir\":\"in\""));
    assert_no_secret(
        "the exported transcript",
        &transcript,
        &SECRETS,
        &credentials,
    );
    assert_no_secret(
        "the default transcripts",
        &all_files(&cache),
        &SECRETS,
        &credentials,
    );
    world.assert_outside_unchanged();
}

/// A TCP server that reads one WebSocket upgrade request, refuses it with 403, and hands over
/// the request head as it arrived on the wire.
async fn capturing_server() -> (String, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let url = format!("ws://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let _ = socket
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            .await;
        let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
    });
    (url, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_in_a_query_is_one_parameter_on_the_wire_and_the_secrets_are_really_sent() {
    let world = World::new();
    world.fixture("secrets.void");
    let (url, head) = capturing_server().await;
    world.write(".env", &env_file(&url));
    let ran = world.cli(
        &world.project,
        &["run", "secrets.void", "--reporter", "json"],
    );
    ran.assert_bounded(1, "run against a server that refuses");
    let head = head.await.expect("the request head");
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.strip_suffix(" HTTP/1.1"))
        .unwrap_or_else(|| panic!("request line: {head}"));
    let query = target
        .strip_prefix("/echo?")
        .unwrap_or_else(|| panic!("{target}"));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // `&`, `=`, `%`, `+`, a space and `é` in the token: still one parameter, decoded intact.
    assert_eq!(
        pairs,
        vec![
            ("token".to_string(), API_TOKEN.to_string()),
            ("plain".to_string(), "1".to_string())
        ],
        "{target}"
    );
    assert!(
        !query.contains('+'),
        "a `+` would decode as a space: {query}"
    );
    let authorization = format!("Basic {}", basic_credentials()[0]);
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case(&format!("authorization: {authorization}"))),
        "{head}"
    );
    // What the server was sent never shows in what run says about it.
    let report: Value = serde_json::from_str(&ran.stdout).expect("json report");
    let error = report["files"][0]["sections"][0]["connection"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("403"), "{report}");
    assert_no_secret(
        "stdout",
        ran.stdout.as_bytes(),
        &SECRETS,
        &basic_credentials(),
    );
    assert_no_secret(
        "stderr",
        ran.stderr.as_bytes(),
        &SECRETS,
        &basic_credentials(),
    );
    world.assert_outside_unchanged();
}

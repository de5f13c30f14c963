//! Failures and warnings told in words through `void-ls run`, in every reporter: `insecure:
//! true` is a warning in pretty, JSON and JUnit reports and in the transcript; a run that times
//! out while connecting names `runTimeout`; a close this client started (a message over
//! `maxMessageSize`) is the client's, never "the server closed the connection"; a connection
//! that never opened logs no request as sent.

use serde_json::Value;
use void_echo::{EchoServer, EchoServerConfig};

use super::world::*;

/// A self-signed certificate for `localhost` (as PEM), for a `wss://` echo server that
/// `insecure: true` accepts.
fn self_signed() -> (Vec<u8>, Vec<u8>) {
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let cert = params.self_signed(&key).expect("certificate");
    (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
}

/// A TCP server that accepts connections and never answers (the upgrade never completes).
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let url = format!("ws://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

fn section<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["files"][0]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no section {label} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reports_say_what_happened_in_words_in_every_reporter() {
    let world = World::new();
    world.fixture("words.void");
    let tls = EchoServer::start(EchoServerConfig {
        tls: Some(self_signed()),
        ..Default::default()
    })
    .await
    .expect("tls echo");
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("echo");
    let (silent, silent_task) = silent_server().await;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("ws://{}", listener.local_addr().expect("addr"))
    };
    world.write(
        ".env",
        &format!(
            "ECHO_WSS={}\nECHO_URL={}\nSILENT_URL={silent}\nREFUSED_URL={refused}\n",
            tls.url(),
            echo.url()
        ),
    );
    const INSECURE: &str = "TLS certificate checks are off (insecure: true)";

    // insecure: a warning in every reporter and in the transcript, though the section passes.
    let transcripts = world.base().join("cache/t");
    let transcripts = transcripts.to_str().expect("path");
    let pretty = world.cli(
        &world.project,
        &[
            "run",
            "words.void",
            "--section",
            "insecure",
            "--transcript",
            transcripts,
        ],
    );
    pretty.assert_bounded(0, "insecure, pretty");
    assert!(
        pretty.stdout.contains(&format!("⚠ {INSECURE}")),
        "{}",
        pretty.stdout
    );
    let json = world.cli(
        &world.project,
        &[
            "run",
            "words.void",
            "--section",
            "insecure",
            "--reporter",
            "json",
        ],
    );
    json.assert_bounded(0, "insecure, json");
    let report: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(section(&report, "insecure")["warnings"][0], INSECURE);
    let junit = world.cli(
        &world.project,
        &[
            "run",
            "words.void",
            "--section",
            "insecure",
            "--reporter",
            "junit",
        ],
    );
    junit.assert_bounded(0, "insecure, junit");
    assert!(
        junit.stdout.contains(&format!("warning: {INSECURE}")),
        "{}",
        junit.stdout
    );
    let transcript = std::fs::read_dir(transcripts)
        .expect("transcripts")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("transcript"))
        .collect::<String>();
    let first: Value =
        serde_json::from_str(transcript.lines().next().expect("a record")).expect("record");
    assert_eq!(first["kind"], "warning", "{transcript}");
    assert_eq!(first["text"], format!("⚠ {INSECURE}"));

    // The other sections, in one JSON run.
    let failures = world.base().join("cache/failures");
    let ran = world.cli(
        &world.project,
        &[
            "run",
            "words.void",
            "--section",
            "silent server",
            "--section",
            "oversized",
            "--section",
            "refused",
            "--reporter",
            "json",
            "--transcript",
            failures.to_str().expect("path"),
        ],
    );
    ran.assert_bounded(1, "failures");
    let report: Value = serde_json::from_str(&ran.stdout).expect("json");

    let silent = section(&report, "silent server");
    assert_eq!(silent["endedBy"], "runTimeout", "{silent}");
    assert_eq!(
        silent["connection"]["error"],
        "runTimeout (500 ms) passed while connecting: the connection never opened"
    );

    let oversized = section(&report, "oversized");
    assert_eq!(oversized["endedBy"], "clientClosed", "{oversized}");
    // It ended in an error: the section fails.
    assert_eq!(oversized["status"], "failed", "{oversized}");
    assert_eq!(oversized["connection"]["closeCode"], 1009);
    let error = oversized["connection"]["error"].as_str().expect("error");
    assert!(
        error.contains("the client closed the connection with 1009 (message too big)"),
        "{error}"
    );
    assert!(!error.contains("the server closed"), "{error}");

    let refused_section = section(&report, "refused");
    assert_eq!(
        refused_section["endedBy"], "connectFailed",
        "{refused_section}"
    );
    assert!(
        refused_section["connection"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot connect to 127.0.0.1")),
        "{refused_section}"
    );
    // No request is logged as sent for connections that never opened; the one that opened
    // logs its request and status lines as HTTP writes them.
    let handshake = |label: &str| -> String {
        let path = std::fs::read_dir(&failures)
            .expect("transcripts")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(&format!("--{label}.jsonl")))
            .unwrap_or_else(|| panic!("no transcript for {label}"));
        std::fs::read_to_string(path)
            .expect("transcript")
            .lines()
            .filter(|l| l.contains("\"kind\":\"handshake\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(handshake("silent-server"), "", "nothing was sent");
    assert_eq!(handshake("refused"), "", "nothing was sent");
    let opened = handshake("oversized");
    assert!(
        opened.contains("\"text\":\"→ GET /echo HTTP/1.1\""),
        "{opened}"
    );
    assert!(
        opened.contains("\"text\":\"← HTTP/1.1 101 Switching Protocols\""),
        "{opened}"
    );
    assert!(
        !opened.contains("GET:") && !opened.contains("HTTP/1.1:"),
        "{opened}"
    );
    silent_task.abort();
    world.assert_outside_unchanged();
}

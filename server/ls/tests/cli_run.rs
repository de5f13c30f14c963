//! End-to-end tests of `void-ls run`, `void-ls demo` and `void-ls echo-server`: the real binary
//! against the real embedded WebSocket server on loopback.
//!
//! Each test writes `.void` files into a temporary directory, runs the binary, and checks the
//! exit code and the report (pretty text, JSON parsed with serde_json, JUnit XML parsed with
//! quick-xml).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_void-ls")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One row of a compacted table, in the app's block style.
fn table_row(cells: &[&str]) -> String {
    let mut s = String::from("      - attrs:\n          disabled: false\n        row:\n");
    for c in cells {
        s.push_str(&format!("          - {}\n", yaml_scalar(c)));
    }
    s
}

fn yaml_scalar(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn table_block(kind: &str, rows: &[&[&str]]) -> String {
    let mut s = format!(
        "```void\n---\ntype: {kind}\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n",
        uid()
    );
    for r in rows {
        s.push_str(&table_row(r));
    }
    s.push_str("---\n```\n\n");
    s
}

/// A WebSocket section: a separator labelled `label`, the request, messages sent on open,
/// options and assertion rows.
fn section(
    label: &str,
    url: &str,
    on_open: &[&str],
    options: &[&[&str]],
    rows: &[&[&str]],
) -> String {
    let scheme = if url.starts_with("wss") { "WSS" } else { "WS" };
    let mut s = format!(
        "```void\n---\ntype: request-separator\nattrs:\n  uid: {}\n  colorIndex: 0\n  label: {}\n---\n```\n\n",
        uid(),
        yaml_scalar(label)
    );
    s.push_str(&format!(
        "```void\n---\ntype: socket-request\nattrs:\n  uid: {}\ncontent:\n  - type: smethod\n    attrs:\n      uid: {}\n      method: {scheme}\n      importedFrom: \"\"\n      visible: true\n    content: {scheme}\n  - type: surl\n    attrs:\n      uid: {}\n    content: {}\n---\n```\n\n",
        uid(),
        uid(),
        uid(),
        yaml_scalar(url)
    ));
    for (i, body) in on_open.iter().enumerate() {
        s.push_str(&format!(
            "```void\n---\ntype: ws-message\nattrs:\n  uid: {}\n  name: m{i}\n  format: text\n  send: on-open\n  body: {}\n---\n```\n\n",
            uid(),
            yaml_scalar(body)
        ));
    }
    if !options.is_empty() {
        s.push_str(&table_block("ws-options", options));
    }
    if !rows.is_empty() {
        s.push_str(&table_block("ws-assertions", rows));
    }
    s
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Ran {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let ran = Ran {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    eprintln!(
        "--- void-ls {args:?} exited {}\n--- stdout\n{}\n--- stderr\n{}",
        ran.code, ran.stdout, ran.stderr
    );
    ran
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The embedded echo server as a child process; killed on drop.
struct EchoServer {
    child: Child,
    url: String,
}

impl EchoServer {
    fn start() -> EchoServer {
        let mut child = Command::new(bin())
            .args(["echo-server", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(
            url.starts_with("ws://127.0.0.1:"),
            "unexpected first line {url:?}"
        );
        EchoServer { child, url }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port with nothing listening on it.
/// A port that refuses connections while the returned guard lives (see `RefusedPort`).
fn closed_port() -> void_echo::RefusedPort {
    void_echo::RefusedPort::new().unwrap()
}

fn json_report(ran: &Ran) -> Value {
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", ran.stdout))
}

fn sections_of(report: &Value) -> Vec<&Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["sections"].as_array().unwrap())
        .collect()
}

#[test]
fn passing_assertions_exit_zero() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Echo",
        &format!("{}/echo", server.url),
        &["ping one", "ping two"],
        &[],
        &[
            &["opens", "connected", "equals", "true"],
            &["first reply", "received[0]", "equals", "ping one"],
            &["two replies", "received.count", "equals", "2"],
            &["last reply", "received[-1].text", "contains", "two"],
        ],
    );
    write(dir.path(), "ok.void", &text);
    let ran = run_in(dir.path(), &["run", "ok.void", "--reporter", "json"]);
    assert_eq!(ran.code, 0);
    let report = json_report(&ran);
    assert_eq!(report["passed"], true);
    assert_eq!(report["summary"]["assertionsPassed"], 4);
    let s = sections_of(&report);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["label"], "Echo");
    assert_eq!(s[0]["status"], "passed");
    assert_eq!(s[0]["sent"], 2);
    assert_eq!(s[0]["received"], 2);
    assert_eq!(s[0]["connection"]["httpStatus"], 101);
}

#[test]
fn failing_assertion_exits_one_and_shows_expected_and_actual() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Wrong echo",
        &format!("{}/echo", server.url),
        &["hello"],
        &[],
        &[
            &["comes back", "received[0]", "equals", "hello"],
            &["wrong on purpose", "received[0]", "equals", "goodbye"],
        ],
    );
    write(dir.path(), "bad.void", &text);
    let ran = run_in(dir.path(), &["run", "bad.void"]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout.contains("FAIL bad.void › Wrong echo"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("fail wrong on purpose"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("expected received[0] equals goodbye"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("actual   hello"), "{}", ran.stdout);
    assert!(ran.stdout.contains("Failures:"), "{}", ran.stdout);
    assert!(
        !ran.stdout.contains('\x1b'),
        "no escapes when not a terminal"
    );
}

#[test]
fn pending_assertion_fails_when_the_idle_timeout_ends_the_run() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Too few replies",
        &format!("{}/echo", server.url),
        &["only one"],
        &[&["idleTimeout", "400ms"], &["runTimeout", "20s"]],
        &[
            &["one arrives", "received[0]", "equals", "only one"],
            &["five never arrive", "received.count", "equals", "5"],
        ],
    );
    write(dir.path(), "pending.void", &text);
    let started = std::time::Instant::now();
    let ran = run_in(dir.path(), &["run", "pending.void", "--reporter", "json"]);
    assert_eq!(ran.code, 1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "idle timeout should end the run early"
    );
    let report = json_report(&ran);
    let s = sections_of(&report);
    assert_eq!(s[0]["status"], "failed");
    assert_eq!(s[0]["endedBy"], "idleTimeout");
    let rows = s[0]["assertions"].as_array().unwrap();
    assert_eq!(rows[0]["status"], "passed");
    assert_eq!(rows[1]["status"], "pending");
    assert_eq!(rows[1]["actual"], "1");
    assert_eq!(report["summary"]["assertionsPending"], 1);
}

#[test]
fn refused_connection_is_reported_and_exits_one() {
    let refused = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Nobody home",
        &format!("ws://127.0.0.1:{}/", refused.port()),
        &["hello"],
        &[&["connectTimeout", "2s"]],
        &[&["reply", "received[0]", "equals", "hello"]],
    );
    write(dir.path(), "refused.void", &text);
    let ran = run_in(dir.path(), &["run", "refused.void", "--reporter", "json"]);
    assert_eq!(ran.code, 1);
    let report = json_report(&ran);
    let s = sections_of(&report);
    assert_eq!(s[0]["status"], "error");
    assert_eq!(s[0]["connection"]["opened"], false);
    let error = s[0]["connection"]["error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("refused"), "{error}");

    assert_eq!(report["summary"]["assertionsUnchecked"], 1);
    assert_eq!(report["summary"]["assertionsFailed"], 0);

    // One clear error per section, with what to do; no row "fails" with no value.
    let pretty = run_in(dir.path(), &["run", "refused.void"]);
    assert_eq!(pretty.code, 1);
    let out = &pretty.stdout;
    assert!(out.contains("ERROR refused.void › Nobody home"), "{out}");
    assert!(
        !out.contains("(no value)") && !out.contains("fail reply"),
        "{out}"
    );
    assert!(
        out.contains("1 assertion not checked: the connection never opened"),
        "{out}"
    );
    // The hint names a command that works from here: the test binary is not on PATH, so it is
    // the `cargo run` line (a debug build) or the binary's own path.
    let hints: Vec<&str> = out.lines().filter(|l| l.contains("hint:")).collect();
    assert_eq!(
        hints.len(),
        2,
        "once for the section, once in the summary: {out}"
    );
    assert!(
        hints[0].contains("--echo-server")
            && (hints[0].contains("`cargo run -p void-ls -- echo-server`")
                || hints[0].contains(&format!("`{} echo-server`", bin()))),
        "{out}"
    );
    assert!(out.contains("1 not checked"), "{out}");
}

/// A section that reconnects keeps trying a refused port until runTimeout: the error still
/// says the connection was refused (with the attempts counted), and the hint follows.
#[test]
fn a_reconnecting_section_that_is_refused_says_so_at_runtimeout() {
    let refused = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Nobody home, again",
        &format!("ws://127.0.0.1:{}/", refused.port()),
        &["hello"],
        &[&["reconnect", "on"], &["runTimeout", "3s"]],
        &[&["reply", "received[0]", "equals", "hello"]],
    );
    write(dir.path(), "refused.void", &text);
    let ran = run_in(dir.path(), &["run", "refused.void"]);
    assert_eq!(ran.code, 1);
    let out = &ran.stdout;
    assert!(
        out.contains("ERROR refused.void › Nobody home, again"),
        "{out}"
    );
    let error = out
        .lines()
        .find(|l| l.contains("runTimeout (3 s) passed while connecting"))
        .unwrap_or_else(|| panic!("no runTimeout line: {out}"));
    assert!(
        error.to_lowercase().contains("connection refused"),
        "the refusal is named: {error}"
    );
    let attempts: u32 = error
        .split(" attempts;")
        .next()
        .and_then(|head| head.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the attempts are counted: {error}"));
    assert!(attempts >= 2, "{error}");
    assert!(
        out.lines()
            .any(|l| l.contains("hint:") && l.contains("--echo-server")),
        "{out}"
    );
}

#[test]
fn an_assertion_can_expect_the_connection_to_fail() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Forbidden",
        &format!("{}/status/403", server.url),
        &[],
        &[],
        &[
            &["refused", "connected", "equals", "false"],
            &["with 403", "handshake.status", "equals", "403"],
        ],
    );
    write(dir.path(), "forbidden.void", &text);
    let ran = run_in(dir.path(), &["run", "forbidden.void", "--reporter", "json"]);
    assert_eq!(ran.code, 0);
    let report = json_report(&ran);
    assert_eq!(sections_of(&report)[0]["connection"]["httpStatus"], 403);
}

#[test]
fn unknown_section_exits_two_and_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let text = section("Known", "ws://127.0.0.1:1/", &[], &[], &[]);
    write(dir.path(), "a.void", &text);
    let ran = run_in(dir.path(), &["run", "a.void", "--section", "Unknown"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("no section labelled `Unknown`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("a.void › Known"), "{}", ran.stderr);
}

#[test]
fn parse_errors_exit_two_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = section("Fine", "ws://127.0.0.1:1/", &[], &[], &[]);
    text.push_str("```void\n---\ntype: ws-message\nattrs:\n  uid: [unclosed\n---\n```\n");
    write(dir.path(), "broken.void", &text);
    let ran = run_in(dir.path(), &["run", "broken.void"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("broken.void:"), "{}", ran.stderr);
    assert!(ran.stderr.contains(": error: "), "{}", ran.stderr);
}

#[test]
fn unreadable_file_and_bad_arguments_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run_in(dir.path(), &["run", "missing.void"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("void-ls run: missing.void: no such file"),
        "{}",
        ran.stderr
    );
    let ran = run_in(dir.path(), &["run", "x.void", "--reporter", "tap"]);
    assert_eq!(ran.code, 2);
    let ran = run_in(dir.path(), &["run"]);
    assert_eq!(ran.code, 2);
}

#[test]
fn only_the_named_section_runs() {
    let refused = closed_port();
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut text = section(
        "Runs",
        &format!("{}/echo", server.url),
        &["x"],
        &[],
        &[&["echo", "received[0]", "equals", "x"]],
    );
    text.push_str(&section(
        "Skipped",
        &format!("ws://127.0.0.1:{}/", refused.port()),
        &[],
        &[],
        &[],
    ));
    write(dir.path(), "two.void", &text);
    let ran = run_in(
        dir.path(),
        &["run", "two.void", "--section", "Runs", "--reporter", "json"],
    );
    assert_eq!(ran.code, 0);
    let report = json_report(&ran);
    let s = sections_of(&report);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["label"], "Runs");
}

#[test]
fn junit_output_parses_and_has_one_failure_per_failing_row() {
    let refused = closed_port();
    use quick_xml::Reader;
    use quick_xml::events::Event;

    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut text = section(
        "Good <one>",
        &format!("{}/echo", server.url),
        &["a & b"],
        &[],
        &[&["echo \"quoted\"", "received[0]", "equals", "a & b"]],
    );
    text.push_str(&section(
        "Bad",
        &format!("{}/echo", server.url),
        &["x"],
        &[&["idleTimeout", "300ms"]],
        &[
            &["wrong 1", "received[0]", "equals", "y"],
            &["wrong 2", "received[0]", "contains", "z"],
            &["right", "received[0]", "equals", "x"],
        ],
    ));
    write(dir.path(), "suite.void", &text);
    let refused = section(
        "Refused",
        &format!("ws://127.0.0.1:{}/", refused.port()),
        &[],
        &[],
        &[],
    );
    write(dir.path(), "refused.void", &refused);
    let ran = run_in(
        dir.path(),
        &[
            "run",
            "suite.void",
            "refused.void",
            "--reporter",
            "junit",
            "--output",
            "out/junit.xml",
        ],
    );
    assert_eq!(ran.code, 1);
    let xml = std::fs::read_to_string(dir.path().join("out/junit.xml")).unwrap();

    #[derive(Default, Debug)]
    struct Case {
        suite: String,
        name: String,
        failures: Vec<String>,
        errors: usize,
    }
    let mut reader = Reader::from_str(&xml);
    let mut suites = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut current_suite = String::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> String {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name.as_bytes())
            .map(|a| a.unescape_value().unwrap().into_owned())
            .unwrap_or_default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => {
                    current_suite = attr(&e, "name");
                    suites.push((
                        current_suite.clone(),
                        attr(&e, "tests"),
                        attr(&e, "failures"),
                        attr(&e, "errors"),
                    ));
                }
                b"testcase" => cases.push(Case {
                    suite: current_suite.clone(),
                    name: attr(&e, "name"),
                    ..Case::default()
                }),
                b"failure" => cases.last_mut().unwrap().failures.push(attr(&e, "message")),
                b"error" => cases.last_mut().unwrap().errors += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        suites,
        vec![
            (
                "suite.void".to_string(),
                "2".to_string(),
                "1".to_string(),
                "0".to_string()
            ),
            (
                "refused.void".to_string(),
                "1".to_string(),
                "0".to_string(),
                "1".to_string()
            ),
        ]
    );
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0].name, "Good <one>");
    assert!(cases[0].failures.is_empty());
    assert_eq!(cases[1].name, "Bad");
    assert_eq!(cases[1].failures.len(), 2, "{:?}", cases[1]);
    assert!(
        cases[1].failures[0].starts_with("wrong 1: received[0] equals y: actual x"),
        "{:?}",
        cases[1]
    );
    assert_eq!(cases[2].suite, "refused.void");
    assert_eq!(cases[2].errors, 1);
}

#[test]
fn json_counts_match_the_transcript() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Counted",
        &format!("{}/echo", server.url),
        &["one", "two", "three"],
        &[],
        &[&["three back", "received.count", "equals", "3"]],
    );
    write(dir.path(), "counted.void", &text);
    let ran = run_in(
        dir.path(),
        &[
            "run",
            "counted.void",
            "--reporter",
            "json",
            "--transcript",
            "transcripts",
        ],
    );
    assert_eq!(ran.code, 0);
    let report = json_report(&ran);
    let s = sections_of(&report)[0].clone();
    let path = PathBuf::from(s["transcript"].as_str().unwrap());
    let path = if path.is_absolute() {
        path
    } else {
        dir.path().join(path)
    };
    assert!(
        path.starts_with(dir.path().join("transcripts")),
        "{}",
        path.display()
    );
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |dir: &str| lines.iter().filter(|l| l["dir"] == dir).count() as u64;
    assert_eq!(s["sent"].as_u64().unwrap(), count("out"));
    assert_eq!(s["received"].as_u64().unwrap(), count("in"));
    assert_eq!(s["sent"], 3);
    assert_eq!(s["transcriptEvents"].as_u64().unwrap(), lines.len() as u64);
}

#[test]
fn sections_run_in_parallel_with_jobs() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..4 {
        text.push_str(&section(
            &format!("Slow {i}"),
            &format!("{}/echo", server.url),
            &["x"],
            &[&["idleTimeout", "1s"]],
            &[&["never", "received.count", "equals", "2"]],
        ));
    }
    write(dir.path(), "slow.void", &text);
    let started = std::time::Instant::now();
    let ran = run_in(
        dir.path(),
        &["run", "slow.void", "--jobs", "4", "--reporter", "json"],
    );
    let elapsed = started.elapsed();
    assert_eq!(ran.code, 1);
    assert_eq!(sections_of(&json_report(&ran)).len(), 4);
    assert!(
        elapsed < std::time::Duration::from_millis(3500),
        "4 sections of 1 s idle each, at once (4 s one after another), took {elapsed:?}"
    );
}

#[test]
fn every_example_passes_against_the_embedded_server() {
    let examples = repo_root().join("examples");
    let ran = run_in(
        &repo_root(),
        &[
            "run",
            examples.to_str().unwrap(),
            "--echo-server",
            "--jobs",
            "3",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert!(ran.stdout.contains("PASSED"), "{}", ran.stdout);
}

#[test]
fn demo_shows_the_live_log_and_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run_in(dir.path(), &["demo"]);
    assert_eq!(ran.code, 0);
    assert!(
        ran.stdout
            .contains("embedded echo server listening on ws://127.0.0.1:"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("→ hello, void"),
        "live log shows the sent frame: {}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("← hello, void"),
        "live log shows the echo: {}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("pass The greeting comes back unchanged"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("PASSED"), "{}", ran.stdout);
    // The live log shows each assertion row as it settles.
    assert!(
        ran.stdout.contains(
            "✓ The greeting comes back unchanged · received[0] equals hello, void · passed"
        ),
        "{}",
        ran.stdout
    );
    // "Next:" names a command that runs this very binary (not a bare `void-ls` off PATH).
    let next = ran.stdout.split("Next:").nth(1).unwrap_or_default();
    assert!(
        next.contains("cargo run -p void-ls -- run examples/ --echo-server")
            || next.contains(&format!("{} run examples/ --echo-server", bin())),
        "{next}"
    );
}

/// Runs `void-ls demo EXAMPLE`, which must pass with each of `words` in its output.
fn demo_passes_saying(example: &str, words: &[&str]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let ran = run_in(dir.path(), &["demo", example, "--color", "never"]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    for words in words.iter().chain(&["PASSED"]) {
        assert!(ran.stdout.contains(words), "no `{words}`:\n{}", ran.stdout);
    }
    ran
}

/// The Socket.IO example against the embedded server's `/socket.io/` route: the live log
/// speaks in events (the namespace, an event with its acknowledgement, an attachment, the
/// reply and the server's disconnect), never in packet codes.
#[test]
fn demo_socketio_logs_events_and_passes() {
    let ran = demo_passes_saying(
        "socketio",
        &[
            "connected to namespace /chat",
            "→ join {\"room\":\"lobby\"} · waits for ack",
            "← ack of join · {\"ok\":true,\"event\":\"join\"}",
            "← upload \"AAECAw==\" · 1 binary attachment",
            "bye (reply to ← chat #4)",
            "the server disconnected this client from namespace /chat",
            "pass The server disconnects us after bye",
        ],
    );
    assert!(!ran.stdout.contains("→ 42"), "{}", ran.stdout);
}

/// `demo graphql` runs examples/graphql.void against the embedded server's `/graphql`: a
/// query with variables and an alias, a mutation, an error told in words, and a subscription
/// over `graphql-transport-ws` whose rows read its three results.
#[test]
fn demo_graphql_runs_a_query_a_mutation_and_a_subscription() {
    let demo = demo_passes_saying(
        "graphql",
        &[
            "running examples/graphql.void",
            "graphql-transport-ws · connection_init sent, waiting for connection_ack",
            "pass Three results",
            "pass Refused in words",
        ],
    );
    // The log keeps the order things came in: the last result, then the server's complete
    // (the two come in one batch; the complete was logged first).
    let last_result = demo.stdout.find("{\"data\":{\"ticks\":{\"n\":3}}}");
    let completed = demo.stdout.find("the server completed the subscription");
    assert!(
        last_result.zip(completed).is_some_and(|(r, c)| r < c),
        "{}",
        demo.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let examples = repo_root().join("examples/graphql.void");
    let ran = run_in(
        dir.path(),
        &[
            "run",
            examples.to_str().unwrap(),
            "--echo-server",
            "--reporter",
            "json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let report = json_report(&ran);
    let sections = sections_of(&report);
    assert_eq!(sections.len(), 4, "{report}");
    assert!(sections.iter().all(|s| s["status"] == "passed"), "{report}");
    let subscription = sections[3].to_string();
    assert_eq!(sections[3]["received"], 3, "{subscription}");
    assert!(
        subscription.contains("\"subprotocol\":\"graphql-transport-ws\""),
        "{subscription}"
    );
}

/// `demo mock`: the unchanged login client passes against the mock served from
/// `examples/login-mock.void`, and the mock's side of the conversation is in the log.
#[test]
fn demo_mock_serves_the_mock_and_the_login_client_passes_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run_in(dir.path(), &["demo", "mock", "--color", "never"]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    for words in [
        "examples/login-mock.void served on ws://127.0.0.1:",
        "mock #1 → {\"op\": \"hello\"}",
        "mock #1 ← {\"op\": \"login\", \"user\": \"ada\"}",
        "mock #1 → done (reply to ",
        "captured USER = ada",
        "pass The token is accepted",
        "pass Three pings were answered",
        "PASSED",
        "serve examples/login-mock.void",
    ] {
        assert!(ran.stdout.contains(words), "no `{words}`:\n{}", ran.stdout);
    }
}

#[test]
fn an_unresolved_variable_fails_its_section_and_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let text = section(
        "Unset",
        "{{NOT_SET_ANYWHERE}}/echo",
        &["x"],
        &[],
        &[&["echo", "received[0]", "equals", "x"]],
    );
    write(dir.path(), "unset.void", &text);
    let ran = run_in(dir.path(), &["run", "unset.void", "--reporter", "json"]);
    assert_eq!(ran.code, 1);
    let report = json_report(&ran);
    let s = sections_of(&report);
    assert_eq!(s[0]["status"], "error");
    assert_eq!(s[0]["endedBy"], "notStarted");
    let error = s[0]["connection"]["error"].as_str().unwrap();
    assert!(error.contains("{{NOT_SET_ANYWHERE}}"), "{error}");
    assert_eq!(s[0]["assertions"][0]["status"], "pending");
}

#[test]
fn env_files_and_env_vars_supply_variables_and_secrets_stay_masked() {
    let server = EchoServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "staging.env",
        &format!("BASE={}\nGREETING=hi\n", server.url),
    );
    let text = section(
        "With variables",
        "{{BASE}}/echo",
        &["{{GREETING}} {{API_TOKEN}}"],
        &[],
        &[&["greeting", "received[0]", "contains", "{{GREETING}}"]],
    );
    write(dir.path(), "vars.void", &text);
    let ran = run_in(
        dir.path(),
        &[
            "run",
            "vars.void",
            "--env",
            "staging.env",
            "--env-var",
            "API_TOKEN=s3cr3t-value-42",
            "--reporter",
            "json",
            "--transcript",
            "t",
        ],
    );
    assert_eq!(ran.code, 0);
    assert!(!ran.stdout.contains("s3cr3t-value-42"), "{}", ran.stdout);
    let report = json_report(&ran);
    let s = sections_of(&report)[0].clone();
    let actual = s["assertions"][0]["actual"].as_str().unwrap();
    assert!(actual.starts_with("hi "), "{actual}");
    let transcript = std::fs::read_to_string(s["transcript"].as_str().unwrap()).unwrap();
    assert!(!transcript.contains("s3cr3t-value-42"), "{transcript}");

    let missing = run_in(dir.path(), &["run", "vars.void", "--env", "nope.env"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.env"), "{}", missing.stderr);
}

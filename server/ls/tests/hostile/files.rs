//! Files a project names or holds: transcript paths that leave the project, certificate files
//! that are pipes, devices, directories or huge, environment files that are devices, pipes or
//! symlinks out, linked files and HTTP uploads that are any of those, files `check` is given
//! that it cannot read (not UTF-8, a pipe, a directory), a workspace holding such files, and
//! directory symlink loops. Through `check`, `run` and the language server.

use serde_json::{Value, json};
use void_echo::{EchoServer, EchoServerConfig};

use super::harness::{TestClient, file_uri, modern_capabilities};
use super::world::*;

/// The uid of the `socket-request` of a fixture's section `index` (the fixtures number them).
fn request_uid(base: u32, index: u32) -> String {
    let n = base + index * 0x10 + 1;
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

/// `void-ls check` output lines with `code`.
fn lines_with<'a>(out: &'a str, code: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.contains(code)).collect()
}

/// A language server on `world`, its log at trace; returns the client and the log path.
async fn server_on(world: &World) -> (TestClient, std::path::PathBuf) {
    let log = world.base().join("stderr.log");
    let command = server_command(&log, &world.base().join("cache"));
    let (client, _) = TestClient::start_process(
        command,
        modern_capabilities(),
        Value::Null,
        Some(&world.project),
    )
    .await;
    (client, log)
}

/// The server answers a request about `uri` within [`ANSWER_WITHIN`], and its memory is under
/// the cap.
async fn assert_responsive(client: &mut TestClient, uri: &str, what: &str) {
    let started = std::time::Instant::now();
    client
        .request_within(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
            ANSWER_WITHIN,
        )
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        started.elapsed() <= ANSWER_WITHIN,
        "{what}: {:?}",
        started.elapsed()
    );
    let answered = started.elapsed();
    let pid = client.process_id().expect("a server process");
    let peak = peak_rss_kib(pid).expect("memory of the server");
    eprintln!("--- server after {what}: answered in {answered:?}, peak {peak} KiB");
    assert!(peak <= MEMORY_CAP_KIB, "{what}: peak memory {peak} KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_paths_out_of_the_project_are_refused_by_check_run_and_the_server() {
    let world = World::new();
    let (file, text) = world.fixture("transcript_paths.void");
    world.write("notes.md", "# the project's own notes\n");
    world.symlink(&world.outside, "out");
    let outside = world.outside.display().to_string();
    let vars = [
        format!("OUTSIDE={outside}"),
        "OUT=../outside/from-a-variable.jsonl".to_string(),
    ];
    let mut args = vec!["check", "transcript_paths.void"];
    for v in &vars {
        args.extend(["--env-var", v.as_str()]);
    }
    let checked = world.cli(&world.project, &args);
    checked.assert_bounded(1, "check");
    let refused = lines_with(&checked.stdout, "[ws-option-path]");
    assert_eq!(refused.len(), 6, "{}", checked.stdout);
    for (line, cause) in refused.iter().zip([
        "is outside the project",
        "is outside the project",
        "is outside the project",
        "is outside the project",
        "is a symlink leading out of the project",
        "exists and is not a transcript; it is never replaced",
    ]) {
        assert!(line.contains(": error: `transcript` "), "{line}");
        assert!(line.contains(cause), "{line}");
    }

    // run: every section is refused before it connects, in words.
    let mut args = vec![
        "run",
        "transcript_paths.void",
        "--echo-server",
        "--reporter",
        "json",
    ];
    for v in &vars {
        args.extend(["--env-var", v.as_str()]);
    }
    let ran = world.cli(&world.project, &args);
    ran.assert_bounded(1, "run");
    let report: Value = serde_json::from_str(&ran.stdout).expect("json report");
    let sections = report["files"][0]["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 6);
    for section in sections {
        let error = section["connection"]["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("transcript refused: "), "{section}");
        assert_eq!(section["connection"]["opened"], false, "{section}");
    }

    // The language server: the same refusal for void.connect, and it keeps answering.
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("echo");
    world.write(
        ".env",
        &format!(
            "ECHO_URL={}\nOUTSIDE={outside}\nOUT=../outside/x.jsonl\n",
            echo.url()
        ),
    );
    let (mut client, _) = server_on(&world).await;
    let uri = file_uri(&file);
    client.open(&uri, &text).await;
    for index in 0..6 {
        let error = client
            .command(
                "void.connect",
                json!({ "uri": uri, "blockUid": request_uid(0x100, index) }),
            )
            .await
            .expect_err("refused");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("transcript refused: "), "{message}");
        assert_responsive(&mut client, &uri, message).await;
    }
    assert_eq!(echo.connections(), 0, "nothing connected");
    assert_eq!(client.exit_code(false).await, Some(0));
    assert_eq!(
        std::fs::read_to_string(world.project.join("notes.md")).expect("notes"),
        "# the project's own notes\n"
    );
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_files_that_are_pipes_devices_directories_or_huge_are_refused_at_once() {
    let world = World::new();
    let (file, text) = world.fixture("certificates.void");
    world.fifo("fifo.pem");
    world.symlink("/dev/stdin", "stdin-link.pem");
    std::fs::create_dir(world.project.join("adir")).expect("dir");
    world.write("huge.pem", &"A".repeat(3 * 1024 * 1024));
    world.write("key.pem", "not a key either\n");
    // Something listening: the certificate files are read once TCP is up.
    let echo = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("echo");
    let wss = echo.url().replacen("ws://", "wss://", 1);
    let causes = [
        "caFile fifo.pem: is a named pipe (FIFO), not a regular file",
        "caFile /dev/stdin: is outside the project",
        "caFile /dev/zero: is outside the project",
        "caFile stdin-link.pem: is a symlink leading out of the project",
        "caFile adir: is a directory",
        "caFile huge.pem: is 3.0 MiB, larger than the 1.0 MiB",
        "caFile ../outside/ca.pem: is outside the project",
        "clientCert fifo.pem: is a named pipe (FIFO)",
        "clientCert /dev/zero: is outside the project",
        "clientCert adir: is a directory",
        "clientCert huge.pem: is 3.0 MiB, larger than the 1.0 MiB",
    ];

    let var = format!("ECHO_WSS={wss}");
    let checked = world.cli(
        &world.project,
        &["check", "certificates.void", "--env-var", &var],
    );
    checked.assert_bounded(1, "check");
    let refused = lines_with(&checked.stdout, "[ws-option-path]");
    assert_eq!(refused.len(), causes.len(), "{}", checked.stdout);
    for (line, cause) in refused.iter().zip(causes) {
        // check names the option and value, then the cause.
        let (option, rest) = cause.split_once(' ').expect("cause");
        let (value, words) = rest.split_once(": ").expect("cause");
        assert!(
            line.contains(&format!("`{option}` {value}: {words}")),
            "{line}"
        );
        assert!(line.contains(": error: "), "{line}");
    }

    let ran = world.cli(
        &world.project,
        &[
            "run",
            "certificates.void",
            "--env-var",
            &var,
            "--reporter",
            "json",
        ],
    );
    ran.assert_bounded(1, "run");
    assert!(
        ran.elapsed < std::time::Duration::from_secs(15),
        "{:?}",
        ran.elapsed
    );
    let report: Value = serde_json::from_str(&ran.stdout).expect("json report");
    let sections = report["files"][0]["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), causes.len(), "{report}");
    for (section, cause) in sections.iter().zip(causes) {
        let error = section["connection"]["error"].as_str().unwrap_or_default();
        let (option, rest) = cause.split_once(' ').expect("cause");
        let (value, words) = rest.split_once(": ").expect("cause");
        assert!(error.starts_with(&format!("{option} ")), "{error}");
        assert!(
            error.contains(value) && error.contains(words),
            "{cause}: {error}"
        );
    }

    // The language server reads its own protocol on stdin: `/dev/stdin` as caFile must not
    // touch it, and no file may freeze it.
    world.write(".env", &format!("ECHO_WSS={wss}\n"));
    let (mut client, _) = server_on(&world).await;
    let uri = file_uri(&file);
    client.open(&uri, &text).await;
    for (index, cause) in causes.iter().enumerate() {
        let started = client.mark();
        let answer = client
            .command(
                "void.connect",
                json!({ "uri": uri, "blockUid": request_uid(0x200, index as u32) }),
            )
            .await
            .expect("a session");
        let id = answer["sessionId"].as_str().expect("id").to_string();
        let (failed, _) = client
            .wait_for("void/sessionStatus", started, |p| {
                p["sessionId"] == id.as_str() && p["state"] == "failed"
            })
            .await;
        let error = failed["detail"]["error"].as_str().unwrap_or_default();
        let (_, rest) = cause.split_once(' ').expect("cause");
        let (_, words) = rest.split_once(": ").expect("cause");
        assert!(error.contains(words), "{cause}: {error}");
        assert_responsive(&mut client, &uri, cause).await;
    }
    assert_eq!(client.exit_code(false).await, Some(0));
    world.assert_outside_unchanged();
}

/// The hostile things an environment file can be.
fn hostile_env(world: &World, rel: &str, kind: &str) -> &'static str {
    match kind {
        "/dev/zero" | "/dev/urandom" => {
            world.symlink(kind, rel);
            "is a symlink leading out of the project"
        }
        "fifo" => {
            world.fifo(rel);
            "is a named pipe (FIFO), not a regular file"
        }
        "outside" => {
            world.symlink(world.outside.join("secrets.env"), rel);
            "is a symlink leading out of the project"
        }
        other => panic!("unknown kind {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_files_that_are_devices_pipes_or_lead_out_are_reported_and_not_read() {
    let kinds = ["/dev/zero", "/dev/urandom", "fifo", "outside"];
    let places = [
        ".env",
        ".voiden/env-public.yaml",
        ".voiden/env-private.yaml",
    ];
    for place in places {
        for kind in kinds {
            let what = format!("{place} as {kind}");
            let world = World::new();
            let (file, text) = world.fixture("env_probe.void");
            let cause = hostile_env(&world, place, kind);
            let checked = world.cli(&world.project, &["check", "env_probe.void"]);
            checked.assert_bounded(0, &what);
            assert!(
                checked.elapsed < std::time::Duration::from_secs(5),
                "{what}: {:?}",
                checked.elapsed
            );
            let warning = lines_with(&checked.stdout, "[env-file-not-read]");
            assert_eq!(warning.len(), 1, "{what}: {}", checked.stdout);
            assert!(
                warning[0].contains("warning: environment file not read: "),
                "{}",
                warning[0]
            );
            assert!(
                warning[0].contains(place) && warning[0].contains(cause),
                "{what}: {}",
                warning[0]
            );
            // The value behind a symlink out was not read.
            assert!(!checked.stdout.contains("from-outside"), "{what}");
            assert!(
                checked.stdout.contains("`{{PROBE}}` has no value"),
                "{what}: {}",
                checked.stdout
            );

            // The editor: the same warning, and the server keeps answering.
            let (mut client, log) = server_on(&world).await;
            let uri = file_uri(&file);
            client.open(&uri, &text).await;
            let diagnostics = client.diagnostics(&uri, 1).await;
            let found = diagnostics
                .iter()
                .filter_map(|d| d["message"].as_str())
                .find(|m| m.starts_with("environment file not read: "))
                .unwrap_or_else(|| panic!("{what}: {diagnostics:?}"));
            assert!(found.contains(cause), "{what}: {found}");
            assert_responsive(&mut client, &uri, &what).await;
            assert_eq!(client.exit_code(false).await, Some(0), "{what}");
            let logged = std::fs::read(&log).expect("log");
            assert_no_secret(&what, &logged, &["outside-secret-value"], &[]);
            world.assert_outside_unchanged();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_walks_neither_loop_nor_repeat_nor_leave() {
    let world = World::new();
    let probe = super::world::fixture_text("env_probe.void");
    world.write("a.void", &probe.replace("# A file", "# File a"));
    world.write("sub/b.void", &probe.replace("# A file", "# File b"));
    world.write(".env", "PROBE=ok\n");
    world.symlink(".", "loop");
    world.symlink("..", "sub/up");
    world.symlink("self-two", "self-one.void");
    world.symlink("self-one.void", "self-two");
    world.symlink("a.void", "link.void");
    world.symlink(world.outside.join("evil.void"), "escape.void");
    let ran = world.cli(
        world.base(),
        &["run", "project", "--echo-server", "--reporter", "json"],
    );
    ran.assert_bounded(0, "run DIR");
    let report: Value = serde_json::from_str(&ran.stdout).expect("json report");
    let labels: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| f["sections"].as_array().expect("sections"))
        .filter_map(|s| s["label"].as_str())
        .collect();
    assert_eq!(
        labels.len(),
        2,
        "each file once, none from outside: {labels:?}"
    );
    assert!(
        labels[0].starts_with("File a") && labels[1].starts_with("File b"),
        "{labels:?}"
    );
    for said in [
        "loop: a symlink to a directory",
        "up: a symlink to a directory",
        "self-one.void: a symlink to nothing (or a loop); skipped",
        "link.void: the same file as",
        "escape.void: a symlink leading out of project",
    ] {
        assert!(ran.stderr.contains(said), "{said}: {}", ran.stderr);
    }
    // A `.void` that is a pipe cannot block the walk or the run: nothing runs, and it says why.
    world.fifo("sub/pipe.void");
    let ran = world.cli(world.base(), &["run", "project", "--echo-server"]);
    ran.assert_bounded(2, "run DIR with a pipe");
    for said in [
        "sub/pipe.void: is a named pipe (FIFO), not a regular file",
        "not running: fix the errors above first",
    ] {
        assert!(ran.stderr.contains(said), "{said}: {}", ran.stderr);
    }
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_to_pipes_devices_directories_huge_files_or_out_of_the_project_are_errors_not_reads()
{
    let world = World::new();
    let (file, text) = world.fixture("links.void");
    world.fifo("lib/fifo.void");
    world.symlink("/dev/zero", "lib/zero.void");
    world.symlink("/dev/urandom", "lib/urandom.void");
    world.symlink("/dev/stdin", "lib/stdin.void");
    world.symlink(world.outside.join("evil.void"), "lib/out.void");
    std::fs::create_dir_all(world.project.join("lib/adir.void")).expect("dir");
    // A regular file over the 64 MiB document cap, sparse so the test writes nothing.
    std::fs::File::create(world.project.join("lib/huge.void"))
        .and_then(|f| f.set_len(65 * 1024 * 1024))
        .expect("huge file");
    let causes = [
        "lib/fifo.void: is a named pipe (FIFO), not a regular file",
        "lib/zero.void: is a symlink leading out of the project",
        "lib/urandom.void: is a symlink leading out of the project",
        "lib/stdin.void: is a symlink leading out of the project",
        "lib/out.void: is a symlink leading out of the project",
        "lib/adir.void: is a directory",
        "lib/huge.void: is 65.0 MiB, larger than the 64.0 MiB",
        "outside/evil.void: is outside the project",
        "lib/fifo.void: is a named pipe (FIFO), not a regular file",
    ];

    let checked = world.cli(&world.project, &["check", "links.void"]);
    checked.assert_bounded(1, "check");
    let refused = lines_with(&checked.stdout, "[link-unresolved]");
    assert_eq!(refused.len(), causes.len(), "{}", checked.stdout);
    for (line, cause) in refused.iter().zip(causes) {
        assert!(
            line.contains(": error: the linked file was not read: ") && line.contains(cause),
            "{cause}: {line}"
        );
    }
    assert!(
        checked
            .stderr
            .contains(&format!("1 file, {} errors", causes.len())),
        "{}",
        checked.stderr
    );

    // run: nothing runs, and it says why.
    let ran = world.cli(&world.project, &["run", "links.void", "--echo-server"]);
    ran.assert_bounded(2, "run");
    for cause in causes {
        assert!(ran.stderr.contains(cause), "{cause}: {}", ran.stderr);
    }
    assert!(ran.stderr.contains("not running"), "{}", ran.stderr);

    // The editor: the same errors, and every request about the links is answered at once.
    let (mut client, _) = server_on(&world).await;
    let uri = file_uri(&file);
    client.open(&uri, &text).await;
    let published = client
        .wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str()
                && p["diagnostics"].as_array().is_some_and(|d| {
                    d.iter().filter(|d| d["code"] == "link-unresolved").count() == causes.len()
                })
        })
        .await;
    let messages: Vec<&str> = published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "link-unresolved")
        .filter_map(|d| d["message"].as_str())
        .collect();
    for (message, cause) in messages.iter().zip(causes) {
        assert!(message.contains(cause), "{cause}: {message}");
    }
    for (line, cause) in refused.iter().zip(causes) {
        // check's `FILE:LINE:COL`: ask for the definition where each link is.
        let line: u32 = line
            .split(':')
            .nth(1)
            .and_then(|l| l.parse().ok())
            .expect("line");
        let started = std::time::Instant::now();
        let answer = client
            .request_within(
                "textDocument/definition",
                json!({
                    "textDocument": { "uri": uri },
                    "position": { "line": line - 1, "character": 2 },
                }),
                ANSWER_WITHIN,
            )
            .await
            .unwrap_or_else(|e| panic!("{cause}: {e}"));
        assert!(answer.is_null(), "{cause}: leads nowhere, {answer}");
        assert!(
            started.elapsed() <= ANSWER_WITHIN,
            "{cause}: {:?}",
            started.elapsed()
        );
        assert_responsive(&mut client, &uri, cause).await;
    }
    for method in ["textDocument/documentLink", "textDocument/codeLens"] {
        client
            .request_within(
                method,
                json!({ "textDocument": { "uri": uri } }),
                ANSWER_WITHIN,
            )
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
    }
    assert_eq!(client.exit_code(false).await, Some(0));
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_counts_every_file_it_cannot_read_as_an_error_and_never_blocks() {
    let world = World::new();
    world.fixture("env_probe.void");
    std::fs::write(world.project.join("latin1.void"), b"# caf\xe9 \xff\xfe\n").expect("write");
    world.fifo("pipe.void");
    std::fs::create_dir(world.project.join("folder.void")).expect("dir");
    let checked = world.cli(
        &world.project,
        &[
            "check",
            "env_probe.void",
            "latin1.void",
            "pipe.void",
            "folder.void",
        ],
    );
    checked.assert_bounded(2, "check");
    for said in [
        "void-ls check: latin1.void: is not valid UTF-8 text (first bad byte at offset 5)",
        "void-ls check: pipe.void: is a named pipe (FIFO)",
        "void-ls check: folder.void: is a directory",
        "void-ls check: 4 files, 3 errors, 2 warnings",
    ] {
        assert!(checked.stderr.contains(said), "{said}: {}", checked.stderr);
    }
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_index_reads_no_pipe_device_or_file_out_of_the_project_and_says_so() {
    let world = World::new();
    let (file, text) = world.fixture("env_probe.void");
    world.write(".env", "PROBE=ok\n");
    world.fifo("pipe.void");
    world.symlink("/dev/zero", "zero.void");
    world.symlink("/dev/urandom", "lib/urandom.void");
    world.symlink(world.outside.join("evil.void"), "escape.void");
    world.symlink(&world.outside, "outside-dir");
    world.symlink(".", "loop");
    world.fifo(".voiden/env-public.yaml");
    std::fs::File::create(world.project.join("huge.void"))
        .and_then(|f| f.set_len(65 * 1024 * 1024))
        .expect("huge file");
    let log = world.base().join("stderr.log");
    let mut capabilities = modern_capabilities();
    capabilities["window"] = json!({ "workDoneProgress": true });
    let (mut client, _) = TestClient::start_process(
        server_command(&log, &world.base().join("cache")),
        capabilities,
        Value::Null,
        Some(&world.project),
    )
    .await;
    let (end, _) = client
        .wait_for("$/progress", 0, |p| p["value"]["kind"] == "end")
        .await;
    eprintln!("--- indexing: {end}");
    // Every project-wide request is answered at once, from what could be read.
    let started = std::time::Instant::now();
    let symbols = client
        .request_within("workspace/symbol", json!({ "query": "" }), ANSWER_WITHIN)
        .await
        .expect("workspace/symbol");
    eprintln!("--- workspace/symbol in {:?}: {symbols}", started.elapsed());
    let outside_uri = file_uri(&world.outside);
    for symbol in symbols.as_array().expect("symbols") {
        let uri = symbol["location"]["uri"].as_str().unwrap_or_default();
        assert!(
            !uri.starts_with(&outside_uri),
            "read from outside: {symbol}"
        );
        assert!(
            !symbol["name"].as_str().unwrap_or_default().contains("Evil"),
            "{symbol}"
        );
    }
    let uri = file_uri(&file);
    client.open(&uri, &text).await;
    assert_responsive(&mut client, &uri, "the hostile workspace").await;
    // A rename that could miss a use in a file that was not read is refused, naming it.
    let probe = text.rfind("{{PROBE}}").expect("probe") + 3;
    let line = text[..probe].matches('\n').count();
    let character = probe - text[..probe].rfind('\n').map_or(0, |i| i + 1);
    let refused = client
        .request_within(
            "textDocument/rename",
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
                "newName": "RENAMED",
            }),
            ANSWER_WITHIN,
        )
        .await
        .expect_err("refused");
    eprintln!("--- rename: {refused}");
    let words = refused["message"].as_str().unwrap_or_default();
    assert!(words.contains("was not read"), "{words}");
    assert_eq!(client.exit_code(false).await, Some(0));
    let logged = String::from_utf8_lossy(&std::fs::read(&log).expect("log")).into_owned();
    let index_lines: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("workspace index: "))
        .collect();
    eprintln!("--- index log:\n{}", index_lines.join("\n"));
    for said in [
        "project/escape.void: is a symlink leading out of the project",
        "project/outside-dir: is a symlink leading out of the project",
        "project/zero.void: is a symlink leading out of the project",
        "project/lib/urandom.void: is a symlink leading out of the project",
        "project/pipe.void: is a named pipe (FIFO), not a regular file",
        "project/.voiden/env-public.yaml: is a named pipe (FIFO), not a regular file",
    ] {
        assert!(
            index_lines.iter().any(|l| l.contains(said)),
            "{said}: {index_lines:#?}"
        );
    }
    assert_no_secret(
        "the server's log",
        logged.as_bytes(),
        &["outside-secret-value"],
        &[],
    );
    world.assert_outside_unchanged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_uploads_of_pipes_devices_or_files_out_of_the_project_stop_before_connecting() {
    let world = World::new();
    world.fixture("uploads.void");
    world.fifo("pipe.bin");
    world.symlink("/dev/zero", "zero.bin");
    world.symlink(world.outside.join("secrets.env"), "out.bin");
    // A server that would see any upload: nothing may connect to it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    listener.set_nonblocking(true).expect("nonblocking");
    let var = format!(
        "UPLOAD_URL=http://{}",
        listener.local_addr().expect("address")
    );
    let ran = world.cli(
        &world.project,
        &[
            "run",
            "uploads.void",
            "--env-var",
            &var,
            "--reporter",
            "json",
        ],
    );
    ran.assert_bounded(1, "run");
    let report: Value = serde_json::from_str(&ran.stdout).expect("json report");
    let sections = report["files"][0]["sections"].as_array().expect("sections");
    let causes = [
        "cannot attach `/pipe.bin`: ",
        "cannot attach `/zero.bin`: ",
        "cannot attach `/out.bin`: ",
        "cannot attach `/../outside/secrets.env`: ",
        "cannot attach `/etc/passwd`: ",
    ];
    let words = [
        "is a named pipe (FIFO), not a regular file",
        "is a symlink leading out of the project",
        "is a symlink leading out of the project",
        "is outside the project",
        "project/etc/passwd: no such file",
    ];
    assert_eq!(sections.len(), causes.len(), "{report}");
    for ((section, cause), words) in sections.iter().zip(causes).zip(words) {
        let said = section.to_string();
        assert!(
            said.contains(cause) && said.contains(words),
            "{cause}{words}: {section}"
        );
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a request connected"
    );
    assert_no_secret("run", ran.stdout.as_bytes(), &["outside-secret-value"], &[]);

    // `check` flags the same files with the same words, on the file link: check and run agree
    // (a missing file is a warning there, as it may be made before the run).
    let checked = world.cli(&world.project, &["check", "uploads.void"]);
    checked.assert_bounded(1, "check");
    for (cause, words) in causes.iter().zip(words) {
        let path = cause
            .trim_start_matches("cannot attach `")
            .trim_end_matches("`: ");
        let words = words.trim_start_matches("project/etc/passwd: ");
        let severity = if path == "/etc/passwd" {
            "warning"
        } else {
            "error"
        };
        let said = format!("{severity}: body file {path}: {words}");
        assert!(
            checked
                .stdout
                .lines()
                .any(|l| l.contains(&said) && l.ends_with("[http-body-file]")),
            "{said}: {}",
            checked.stdout
        );
    }
    assert_no_secret(
        "check",
        checked.stdout.as_bytes(),
        &["outside-secret-value"],
        &[],
    );
    world.assert_outside_unchanged();
}

//! Malformed `Content-Length` framing (missing, non-numeric, too short, too long, absurdly
//! large) followed by valid messages, sent to the real binary on its stdin: every valid
//! message after a bad frame is answered within a second, what was skipped is said, memory
//! stays under the cap, and the process still ends cleanly.

use serde_json::{Value, json};

use super::harness::{TestClient, modern_capabilities};
use super::world::*;

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn debug_request(id: u64, uri: &str) -> String {
    json!({ "jsonrpc": "2.0", "id": id, "method": "void/debugDocument", "params": { "uri": uri } })
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_cost_one_message_each_and_the_server_answers_the_rest_within_a_second() {
    let world = World::new();
    let log = world.base().join("stderr.log");
    let (mut client, _) = TestClient::start_process(
        server_command(&log, &world.base().join("cache")),
        modern_capabilities(),
        Value::Null,
        None,
    )
    .await;
    let uri = "file:///framing.void";
    client.open(uri, "# framing\n").await;
    let bad: Vec<(&str, String)> = vec![
        (
            "missing",
            format!(
                "Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
                debug_request(900, uri)
            ),
        ),
        (
            "non-numeric",
            format!("Content-Length: 1e3\r\n\r\n{}", debug_request(901, uri)),
        ),
        (
            "too short",
            format!("Content-Length: 7\r\n\r\n{}", debug_request(902, uri)),
        ),
        (
            "too long",
            format!("Content-Length: 9000\r\n\r\n{}", debug_request(903, uri)),
        ),
        (
            "absurd",
            format!(
                "Content-Length: 99999999999999\r\n\r\n{}",
                debug_request(904, uri)
            ),
        ),
        (
            "junk",
            "GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n".to_string(),
        ),
    ];
    for (id, (what, bytes)) in (1000..).zip(bad) {
        let mut sent = bytes.into_bytes();
        sent.extend(frame(&debug_request(id, uri)));
        client.send_raw(&sent).await;
        let started = std::time::Instant::now();
        loop {
            let answered = client
                .orphan_responses
                .lock()
                .expect("orphans")
                .iter()
                .any(|r| r["id"] == id && r["result"]["text"] == "# framing\n");
            if answered {
                break;
            }
            assert!(
                started.elapsed() < ANSWER_WITHIN,
                "{what}: the next message was not answered within {ANSWER_WITHIN:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let peak = peak_rss_kib(client.process_id().expect("pid")).expect("memory");
        assert!(peak <= MEMORY_CAP_KIB, "{what}: {peak} KiB");
    }
    let said: Vec<String> = client
        .orphan_responses
        .lock()
        .expect("orphans")
        .iter()
        .filter(|r| r["error"]["code"] == -32700)
        .filter_map(|r| r["error"]["message"].as_str().map(str::to_string))
        .collect();
    for words in [
        "a message header without Content-Length",
        "an invalid Content-Length `1e3`",
        "larger than the 536870912-byte limit",
        "skipped",
    ] {
        assert!(said.iter().any(|m| m.contains(words)), "{words}: {said:#?}");
    }
    // A normal request still works, and the process ends with 0 after shutdown.
    let (version, text) = client.server_text(uri).await;
    assert_eq!((version, text.as_str()), (1, "# framing\n"));
    assert_eq!(client.exit_code(false).await, Some(0));
    world.assert_outside_unchanged();
}

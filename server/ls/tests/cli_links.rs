//! `void-ls check` and `void-ls run` with linked blocks and files (docs/format.md §6): the real
//! binary on a project whose WebSocket request lives in one file, linked by reference from
//! another folder and from its own, run against the embedded echo server; and links that lead
//! nowhere (a missing file, a missing uid, a cycle, a path out of the project) reported as
//! errors.

#![allow(clippy::unwrap_used)]

#[path = "common/cli.rs"]
mod cli;

use cli::void_ls;

const REQUEST_UID: &str = "5a1c0e9d-3b7f-4c2a-9e8d-1f0a2b3c4d5e";

fn request_library() -> String {
    format!(
        "# Shared requests\n\n```void
---
type: socket-request
attrs:
  uid: {REQUEST_UID}
content:
  - type: smethod
    attrs:
      uid: 6b2d1f0e-4c8a-4d3b-8f9e-2a1b3c4d5e6f
      method: WS
    content: WS
  - type: surl
    attrs:
      uid: 7c3e2a1f-5d9b-4e4c-9a0f-3b2c4d5e6f70
    content: \"{{{{ECHO_URL}}}}/echo\"
---
```
"
    )
}

fn link(uid: &str, block_uid: &str, file: &str) -> String {
    format!(
        "```void\n---\ntype: linkedBlock\nattrs:\n  uid: {uid}\n  blockUid: {block_uid}\n  originalFile: {file}\n---\n```\n"
    )
}

const ASSERT: &str = "```void
---
type: ws-message
attrs:
  uid: 8d4f3b2a-6e0c-4f5d-8b1a-4c3d5e6f7081
  name: hello
  send: on-open
  body: hello, linked
---
```

```void
---
type: ws-assertions
attrs:
  uid: 9e5a4c3b-7f1d-4a6e-9c2b-5d4e6f708192
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - echoed
          - received[0]
          - equals
          - hello, linked
---
```
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".voiden")).unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::create_dir(dir.path().join("api")).unwrap();
    std::fs::write(dir.path().join("lib/requests.void"), request_library()).unwrap();
    std::fs::write(
        dir.path().join("api/linked.void"),
        format!(
            "# Linked echo\n\n{}\n{ASSERT}",
            link(
                "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                REQUEST_UID,
                "/lib/requests.void"
            )
        ),
    )
    .unwrap();
    // The same request linked from a file in its own folder.
    std::fs::write(
        dir.path().join("lib/beside.void"),
        format!(
            "# Linked from beside\n\n{}\n{ASSERT}",
            link(
                "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                REQUEST_UID,
                "/lib/requests.void"
            )
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_section_whose_request_is_linked_from_another_folder_or_its_own_runs() {
    let dir = project();
    for file in ["api/linked.void", "lib/beside.void"] {
        let (code, out, err) = void_ls(dir.path(), &["check", file]);
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert!(!out.contains("error"), "{file}: {out}");
        let (code, out, err) = void_ls(
            dir.path(),
            &["run", file, "--echo-server", "--reporter", "json"],
        );
        assert_eq!(code, 0, "{file}: {out}{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let section = &report["files"][0]["sections"][0];
        assert_eq!(section["status"], "passed", "{file}: {section}");
        assert_eq!(section["blockUid"], REQUEST_UID);
    }
}

#[test]
fn links_that_lead_nowhere_are_errors_and_stop_a_run() {
    let dir = project();
    let cases = [
        (
            "missing-file.void",
            link(
                "1b2c3d4e-5f60-4b7c-8d9e-0f1a2b3c4d5e",
                REQUEST_UID,
                "/lib/nope.void",
            ),
            "does not exist",
        ),
        (
            "missing-uid.void",
            link(
                "2c3d4e5f-6071-4c8d-9e0f-1a2b3c4d5e6f",
                "00000000-0000-4000-8000-000000000000",
                "/lib/requests.void",
            ),
            "no block with uid `00000000-0000-4000-8000-000000000000`",
        ),
        (
            "outside.void",
            link(
                "3d4e5f60-7182-4d9e-8f0a-2b3c4d5e6f70",
                REQUEST_UID,
                "/../outside.void",
            ),
            "is outside the project",
        ),
    ];
    for (name, text, words) in &cases {
        std::fs::write(dir.path().join(name), format!("{text}\n{ASSERT}")).unwrap();
        let (code, out, _) = void_ls(dir.path(), &["check", name]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.contains(words) && out.contains("[link-unresolved]"),
            "{name}: {out}"
        );
        let (code, _, err) = void_ls(dir.path(), &["run", name, "--echo-server"]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(words), "{name}: {err}");
    }
    // A cycle: a -> b -> a.
    std::fs::write(
        dir.path().join("a.void"),
        link(
            "4e5f6071-8293-4e0f-9a1b-3c4d5e6f7081",
            "4e5f6071-8293-4e0f-9a1b-3c4d5e6f7082",
            "/b.void",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.void"),
        link(
            "4e5f6071-8293-4e0f-9a1b-3c4d5e6f7082",
            "4e5f6071-8293-4e0f-9a1b-3c4d5e6f7081",
            "/a.void",
        ),
    )
    .unwrap();
    let (code, out, _) = void_ls(dir.path(), &["check", "a.void"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("these links lead back to themselves"), "{out}");
}

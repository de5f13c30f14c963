//! `void-ls check` and `void-ls run` with the app's environments (docs/format.md §5.1): the
//! real binary on a project with `.voiden/` environment files, `--profile` and `--env-name`
//! choosing what resolves, against the embedded echo server; a private file's value used and
//! masked in the report and the transcript.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_void-ls")
}

const PUBLIC: &str = "\
good:
  variables:
    ROUTE: echo
  children:
    refused:
      variables:
        ROUTE: status/403
odin:
  variables:
    ROUTE: echo
    ONLY_ODIN: here
";

const CI: &str = "\
pipeline:
  variables:
    ROUTE: status/401
";

fn void_file() -> String {
    format!(
        "```void
---
type: socket-request
attrs:
  uid: {}
content:
  - type: smethod
    attrs:
      uid: {}
      method: WS
    content: WS
  - type: surl
    attrs:
      uid: {}
    content: \"{{{{ECHO_URL}}}}/{{{{ROUTE}}}}\"
---
```

```void
---
type: ws-assertions
attrs:
  uid: {}
content:
  - type: table
    rows:
      - attrs:
          disabled: false
        row:
          - opens
          - connected
          - equals
          - \"true\"
---
```
",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4()
    )
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let voiden = dir.path().join(".voiden");
    std::fs::create_dir(&voiden).unwrap();
    std::fs::write(voiden.join("env-public.yaml"), PUBLIC).unwrap();
    std::fs::write(voiden.join("env-ci-public.yaml"), CI).unwrap();
    std::fs::write(dir.path().join("api.void"), void_file()).unwrap();
    std::fs::write(
        dir.path().join("odin.void"),
        "```void\n---\ntype: headers-table\nattrs:\n  uid: 9a7c1f3e-5b2d-4e8f-a1c3-7d9e0f2b4a6c\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - X-Who\n          - \"{{ONLY_ODIN}}\"\n---\n```\n",
    )
    .unwrap();
    dir
}

fn void_ls(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env_remove("ROUTE")
        .env_remove("ONLY_ODIN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_resolves_in_the_chosen_environment_and_refuses_one_that_does_not_exist() {
    let dir = project();
    let (code, out, _) = void_ls(dir.path(), &["check", "odin.void"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("`{{ONLY_ODIN}}` has no value in environment `good`; defined in `odin`"),
        "{out}"
    );
    let (code, out, _) = void_ls(dir.path(), &["check", "--env-name", "odin", "odin.void"]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, out, _) = void_ls(dir.path(), &["check", "--env-name", "asgard", "odin.void"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: environment `asgard` does not exist in profile `default`; its environments: `good`, `good.refused`, `odin` [unknown-environment]"),
        "{out}"
    );
    let (code, out, _) = void_ls(dir.path(), &["check", "--profile", "nope", "odin.void"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("profile `nope` has no environment files"),
        "{out}"
    );
}

#[test]
fn run_connects_where_the_chosen_environment_says() {
    let dir = project();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "api.void", "--echo-server", "--reporter", "json"];
        args.extend_from_slice(extra);
        void_ls(dir.path(), &args)
    };
    // The default profile's first environment, `good`: /echo accepts the upgrade.
    let (code, out, err) = run(&[]);
    assert_eq!(code, 0, "{out}{err}");
    // A child that overrides the route: the server refuses the upgrade with 403.
    let (code, out, _) = run(&["--env-name", "good.refused"]);
    assert_eq!(code, 1);
    assert!(out.contains("403"), "{out}");
    // Another profile, its own files.
    let (code, out, _) = run(&["--profile", "ci"]);
    assert_eq!(code, 1);
    assert!(out.contains("401"), "{out}");
    // What does not exist stops the run before anything connects.
    let (code, _, err) = run(&["--env-name", "asgard"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("environment `asgard` does not exist in profile `default`"),
        "{err}"
    );
}

#[test]
fn a_private_value_is_used_and_never_shown() {
    let dir = project();
    // The private file overrides the public ROUTE of `good` (`echo`) with a value whose name
    // does not look secret: it is the one used (the server refuses that path with 403), and it
    // is masked whole wherever the run shows it.
    std::fs::write(
        dir.path().join(".voiden/env-private.yaml"),
        "good:\n  variables:\n    ROUTE: status/403?k=kept-out-of-sight-42\n",
    )
    .unwrap();
    let transcripts = dir.path().join("transcripts");
    let (code, out, err) = void_ls(
        dir.path(),
        &[
            "run",
            "api.void",
            "--echo-server",
            "--reporter",
            "json",
            "--transcript",
            transcripts.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("403"), "{out}");
    assert!(!out.contains("kept-out-of-sight-42"), "{out}");
    assert!(!err.contains("kept-out-of-sight-42"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let url = report["files"][0]["sections"][0]["url"].as_str().unwrap();
    assert!(url.ends_with("/••••"), "{url}");
    let mut read = 0;
    for entry in std::fs::read_dir(&transcripts).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("kept-out-of-sight-42"), "{text}");
        read += 1;
    }
    assert!(read > 0, "no transcript written");
}

//! `void-ls check` and `void-ls run` with the app's environments (docs/format.md §5.1): the
//! real binary on a project with `.voiden/` environment files, `--profile` and `--env-name`
//! choosing what resolves, against the embedded echo server.

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

//! `void-ls check` and `void-ls run` on a section the Voiden app's `/tool` block marks as an MCP
//! tool (docs/format.md §5): the names its `toolparams` bind are given when an agent calls the
//! tool, so `check` does not report them as unresolved in that section (and still does in a
//! section without the tool); a run here, with no agent to give them, stops and says which
//! parameter of which tool the name is bound to, and runs once the value is passed.

#![allow(clippy::unwrap_used)]

#[path = "common/cli.rs"]
mod cli;

use cli::void_ls;

/// A WebSocket request whose URL and message use `{{region}}` and `{{customer_email}}`, the
/// tool block the app's `/tool` inserts beside it (one agent parameter, one from the server's
/// environment), then a second section that uses the same name with no tool.
const FILE: &str = include_str!("../../../tests/fixtures/valid_mcp_tool.void");

#[test]
fn names_a_tool_binds_are_given_by_its_caller_and_a_run_here_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("customers.void"), FILE).unwrap();

    let (code, out, err) = void_ls(dir.path(), &["check", "customers.void"]);
    assert_eq!(code, 0, "{out}{err}");
    let unresolved: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[unresolved-variable]"))
        .collect();
    // Only the section without the tool reports the name (and ECHO_URL, given by --echo-server
    // at run time, in both sections).
    assert_eq!(
        unresolved
            .iter()
            .filter(|l| l.contains("{{customer_email}}"))
            .count(),
        1,
        "{out}"
    );
    assert!(!out.contains("{{region}}"), "{out}");

    // A run here: nobody gives the agent's value, and the error says whose it is.
    let (code, report) = run_tool_section(dir.path(), &["region=eu"]);
    assert_eq!(code, 1, "{report}");
    let section = &report["files"][0]["sections"][0];
    assert_eq!(section["endedBy"], "notStarted", "{section}");
    let error = section["connection"]["error"].as_str().unwrap();
    assert!(
        error.contains(
            "`{{customer_email}}` is bound to parameter `email` of MCP tool `create_customer`: the agent gives its value"
        ),
        "{error}"
    );

    // Given the value, the same section runs and the echo carries it.
    let (code, report) =
        run_tool_section(dir.path(), &["region=eu", "customer_email=ada@example.com"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["files"][0]["sections"][0]["status"], "passed",
        "{report}"
    );
}

/// `void-ls run` of the tool's section against the echo server with `vars` as `--env-var`s:
/// the exit code and the JSON report.
fn run_tool_section(dir: &std::path::Path, vars: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec![
        "run",
        "customers.void",
        "--section",
        "Customers",
        "--echo-server",
        "--reporter",
        "json",
    ];
    for var in vars {
        args.extend(["--env-var", var]);
    }
    let (code, out, err) = void_ls(dir, &args);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report)
}

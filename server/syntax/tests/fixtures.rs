//! Snapshot tests over the fixture corpus in `tests/fixtures/` (repository root): for every
//! file, the model (blocks, sections, variables), the diagnostics and the formatted output are
//! rendered in a compact hand-written form and compared with insta snapshots. The fixtures that
//! format to themselves and those with no diagnostics are not snapshots each but one list each,
//! asserted whole ([`FORMAT_TO_THEMSELVES`], [`WITHOUT_DIAGNOSTICS`]). Also checks, for every
//! fixture, that formatting is idempotent and never changes meaning.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

/// The fixtures `format` leaves byte for byte as they are.
const FORMAT_TO_THEMSELVES: &[&str] = &[
    "bad_conversation",
    "bad_deep_nesting",
    "bad_duplicate_names",
    "bad_duplicate_uid",
    "bad_empty_block",
    "bad_http",
    "bad_missing_end",
    "bad_missing_start",
    "bad_missing_type",
    "bad_msg_base64",
    "bad_msg_encoding",
    "bad_msg_format",
    "bad_msg_hex",
    "bad_msg_send_delay",
    "bad_not_mapping",
    "bad_option_key_value",
    "bad_two_requests",
    "bad_uid_not_uuid",
    "bad_unclosed_fence",
    "bad_unresolved_var",
    "bad_ws_auth_oauth1",
    "bad_ws_empty_host",
    "bad_ws_insecure",
    "bad_ws_method_mismatch",
    "bad_ws_no_url",
    "bad_ws_outside_section",
    "bad_ws_scheme",
    "bad_ws_unencrypted",
    "bad_yaml_indent",
    "bad_yaml_tab",
    "bad_yaml_unclosed_flow",
    "fmt_anchor_kept",
    "fmt_comments_kept",
    "fmt_in_blockquote",
    "fmt_in_list",
    "valid_auth_bearer",
    "valid_block_literals",
    "valid_bom",
    "valid_conversation",
    "valid_empty",
    "valid_fence_title",
    "valid_frontmatter_only",
    "valid_http_full",
    "valid_http_request",
    "valid_mcp_tool",
    "valid_messages_node",
    "valid_paragraph_heading_blocks",
    "valid_prose_after_fence",
    "valid_prose_only",
    "valid_query_cookies_path",
    "valid_runtime_vars",
    "valid_tilde_fence",
    "valid_unknown_type",
    "valid_ws_minimal",
];

/// The fixtures with no diagnostic at all (with no environment: every `{{NAME}}` they use is
/// a runtime name or absent).
const WITHOUT_DIAGNOSTICS: &[&str] = &[
    "fmt_crlf_flow",
    "fmt_empty_values",
    "fmt_flow_style",
    "fmt_long_plain_unfolded",
    "fmt_multiline_double",
    "valid_auth_bearer",
    "valid_block_literals",
    "valid_bom",
    "valid_conversation",
    "valid_empty",
    "valid_fence_title",
    "valid_frontmatter_only",
    "valid_long_values",
    "valid_messages_node",
    "valid_paragraph_heading_blocks",
    "valid_prose_after_fence",
    "valid_prose_only",
    "valid_query_cookies_path",
    "valid_runtime_vars",
    "valid_scripts",
    "valid_sections",
    "valid_tilde_fence",
    "valid_unknown_type",
    "valid_ws_minimal",
];

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 40,
        "the fixture corpus has only {} files",
        out.len()
    );
    out
}

#[test]
fn model_snapshots() {
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        insta::assert_snapshot!(format!("model__{name}"), common::dump_model(&text, &doc));
    }
}

#[test]
fn diagnostics_snapshots() {
    let mut without = Vec::new();
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        let vars = void_syntax::variables::Variables::new();
        let mut diags = doc.diagnostics.clone();
        diags.extend(void_syntax::variables::diagnose_variables(&doc, &vars));
        diags.sort_by_key(|d| (d.range.start, d.range.end));
        if diags.is_empty() {
            without.push(name);
        } else {
            insta::assert_snapshot!(
                format!("diagnostics__{name}"),
                common::dump_diagnostics(&text, &diags)
            );
        }
    }
    assert_eq!(without, WITHOUT_DIAGNOSTICS, "fixtures with no diagnostics");
}

#[test]
fn formatted_snapshots() {
    let mut unchanged = Vec::new();
    for (name, text) in fixtures() {
        let formatted = void_syntax::format(&text);
        if formatted == text {
            unchanged.push(name);
        } else {
            insta::assert_snapshot!(format!("format__{name}"), formatted);
        }
    }
    assert_eq!(
        unchanged, FORMAT_TO_THEMSELVES,
        "fixtures that format to themselves"
    );
}

#[test]
fn formatting_is_idempotent_and_meaning_preserving() {
    for (name, text) in fixtures() {
        common::assert_format_sound(&name, &text);
    }
}

#[test]
fn valid_fixtures_have_no_errors_and_bad_ones_do() {
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        let has_problem = doc
            .diagnostics
            .iter()
            .any(|d| d.severity <= void_syntax::Severity::Warning);
        if name.starts_with("valid_") {
            assert!(!doc.has_errors(), "{name}: {:#?}", doc.diagnostics);
        }
        // A method that disagrees with the URL is a hint: the app connects by the URL's scheme.
        let hint_only = name == "bad_ws_method_mismatch";
        if name.starts_with("bad_") && name != "bad_unresolved_var" && !hint_only {
            assert!(has_problem, "{name} reports nothing");
        }
        if hint_only {
            assert!(
                doc.diagnostics
                    .iter()
                    .any(|d| d.severity == void_syntax::Severity::Hint),
                "{name} gives no hint"
            );
        }
    }
}

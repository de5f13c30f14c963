//! A section the Voiden app's `/tool` block marks as an MCP tool, through the server
//! (docs/format.md §5): the names its `toolparams` bind are not unresolved in that section (and
//! still are in a section without the tool), semantic tokens do not mark them undefined, hovers
//! say which parameter of which tool gives them, connecting with no value says the same before
//! anything connects, and references and rename of the variable include the `binds` row (from
//! a use, or from the row itself).

use serde_json::json;

use crate::harness::{TestClient, file_uri, modern_capabilities};

const DOC: &str = include_str!("../../../../tests/fixtures/valid_mcp_tool.void");
const REQUEST_UID: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

/// The LSP position of byte `offset` of [`DOC`] (ASCII text).
fn position(offset: usize) -> serde_json::Value {
    let line = DOC[..offset].matches('\n').count();
    let col = offset - DOC[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

async fn hover_at(client: &mut TestClient, uri: &str, offset: usize) -> String {
    let result = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": position(offset) }),
        )
        .await
        .unwrap();
    result["contents"]["value"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn names_a_tool_binds_are_explained_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".voiden")).unwrap();
    std::fs::write(
        dir.path().join(".voiden/env-public.yaml"),
        "dev:\n  variables:\n    ECHO_URL: ws://127.0.0.1:9\n    region: eu\n",
    )
    .unwrap();
    let path = dir.path().join("customers.void");
    std::fs::write(&path, DOC).unwrap();
    let uri = file_uri(&path);
    let mut client = TestClient::start(modern_capabilities(), json!({}), Some(dir.path()))
        .await
        .0;
    let mark = client.mark();
    client.open(&uri, DOC).await;

    // The publish that reports the section without the tool is the one computed with the
    // environment; in it, the tool's section reports nothing.
    let (params, _) = client
        .wait_for("textDocument/publishDiagnostics", mark, |p| {
            p["uri"] == uri.as_str()
                && p["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d["code"] == "unresolved-variable"))
        })
        .await;
    let unresolved: Vec<u64> = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unresolved-variable")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    let second_use = DOC.rfind("{{customer_email}}").unwrap();
    assert_eq!(
        unresolved,
        [DOC[..second_use].matches('\n').count() as u64],
        "{params}"
    );

    let first_use = DOC.find("{{customer_email}}").unwrap() + 3;
    let text = hover_at(&mut client, &uri, first_use).await;
    assert!(
        text.contains(
            "is bound to parameter `email` of MCP tool `create_customer`: the agent gives its value when it calls the tool"
        ),
        "{text}"
    );
    let region = DOC.find("{{region}}").unwrap() + 3;
    let text = hover_at(&mut client, &uri, region).await;
    assert!(text.contains("= `eu`"), "{text}");
    assert!(
        text.contains("It is also bound to parameter `region` of MCP tool `create_customer`: the MCP server's environment gives its value"),
        "{text}"
    );
    // Semantic tokens mark only the unbound use `undefined` (the legend's second modifier).
    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let mut line = 0;
    let mut undefined_lines = Vec::new();
    for token in data.chunks(5) {
        line += token[0];
        if token[4] & 0b10 != 0 {
            undefined_lines.push(line);
        }
    }
    assert_eq!(
        undefined_lines,
        [DOC[..second_use].matches('\n').count() as u64],
        "{tokens}"
    );
    let text = hover_at(&mut client, &uri, second_use + 3).await;
    assert!(text.contains("is not set"), "{text}");
    assert!(!text.contains("MCP tool"), "{text}");

    // Connecting here: no agent gives the value, and the refusal says whose it is.
    let error = client
        .command(
            "void.connect",
            json!({ "uri": uri, "blockUid": REQUEST_UID }),
        )
        .await
        .unwrap_err();
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("{{customer_email}}")
            && message.contains("bound to parameter `email` of MCP tool `create_customer`"),
        "{error}"
    );

    // References from a use include the row that binds it; rename from the row rewrites the
    // row and every use, in both sections.
    let references = client
        .request(
            "textDocument/references",
            json!({ "textDocument": { "uri": uri }, "position": position(first_use), "context": { "includeDeclaration": true } }),
        )
        .await
        .unwrap();
    let binds_row = DOC.find("binds: customer_email").unwrap() + "binds: ".len();
    let lines: Vec<u64> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    let line_of = |offset: usize| DOC[..offset].matches('\n').count() as u64;
    assert!(lines.contains(&line_of(binds_row)), "{references}");
    assert_eq!(lines.len(), 3, "{references}");
    let edit = client
        .request(
            "textDocument/rename",
            json!({ "textDocument": { "uri": uri }, "position": position(binds_row + 2), "newName": "email_address" }),
        )
        .await
        .unwrap();
    let edits = edit["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 3, "{edit}");
    assert!(
        edits.iter().all(|e| e["newText"] == "email_address"),
        "{edit}"
    );
    assert!(
        edits
            .iter()
            .any(|e| e["range"]["start"] == position(binds_row)),
        "{edit}"
    );
    client.shutdown().await;
}

//! A section the Voiden app's `/tool` block marks as an MCP tool, through the server
//! (docs/format.md §5): the names its `toolparams` bind are not unresolved in that section (and
//! still are in a section without the tool), hovers say which parameter of which tool gives
//! them, and connecting with no value says the same before anything connects.

use serde_json::json;

use crate::harness::{TestClient, file_uri, modern_capabilities};

const DOC: &str = include_str!("../../../../tests/fixtures/valid_mcp_tool.void");
const REQUEST_UID: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

async fn hover_at(client: &mut TestClient, uri: &str, offset: usize) -> String {
    let line = DOC[..offset].matches('\n').count();
    let col = offset - DOC[..offset].rfind('\n').map_or(0, |i| i + 1);
    let result = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } }),
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
    client.shutdown().await;
}

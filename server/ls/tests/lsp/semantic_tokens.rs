//! Semantic tokens on the fixture project (`workspace.rs`): the name an `after:` waits for, an
//! HTTP method, and `{{variables}}` marked by what the project knows of them (set, secret, or
//! not set), following an unsaved edit.

use serde_json::json;
use void_ls::lsp::semantic_tokens::{TOKEN_MODIFIERS, TOKEN_TYPES};

use crate::harness::{TestClient, modern_capabilities};
use crate::workspace::{Fixture, start};

/// `kind.modifiers "text"` of every token of `uri`, whose text is `text`.
async fn tokens(client: &mut TestClient, uri: &str, text: &str) -> Vec<String> {
    let answer = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let data: Vec<usize> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let lines: Vec<&str> = text.split('\n').collect();
    let (mut line, mut col) = (0, 0);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                col = t[1];
            } else {
                col += t[1];
            }
            let modifiers: String = TOKEN_MODIFIERS
                .iter()
                .enumerate()
                .filter(|(bit, _)| t[4] & (1 << bit) != 0)
                .map(|(_, m)| format!(".{m}"))
                .collect();
            format!(
                "{}{modifiers} {:?}",
                TOKEN_TYPES[t[3]],
                &lines[line][col..col + t[2]]
            )
        })
        .collect()
}

#[tokio::test]
async fn message_names_methods_and_variables_by_what_the_project_knows() {
    let fixture = Fixture::new();
    let mut client = start(&fixture, modern_capabilities()).await;
    let chat = fixture.open(&mut client, "project/chat.void").await;
    let found = tokens(&mut client, &chat.uri, &chat.text).await;
    for wanted in [
        r#"keyword "WSS""#,
        r#"variable "{{HOST}}""#,
        r#"variable.secret "{{API_TOKEN}}""#,
        r#"event.declaration "hello""#,
        r#"event "hello""#,
        r#"operator "contains""#,
        r#"type "ws-message""#,
        r#"property "send""#,
    ] {
        assert!(
            found.iter().any(|t| t == wanted),
            "no {wanted} in {found:?}"
        );
    }

    let orders = fixture.open(&mut client, "project/api/orders.void").await;
    let found = tokens(&mut client, &orders.uri, &orders.text).await;
    assert!(found.contains(&r#"keyword "GET""#.to_string()), "{found:?}");

    // An unsaved edit names a variable nobody sets.
    let edited = chat
        .text
        .replace("body: admin hello", "body: admin {{NOBODY}}");
    client.replace_text(&chat.uri, 2, &edited).await;
    let found = tokens(&mut client, &chat.uri, &edited).await;
    assert!(
        found.contains(&r#"variable.undefined "{{NOBODY}}""#.to_string()),
        "{found:?}"
    );
    client.shutdown().await;
}

//! `void/sectionAt`: everything an editor client needs to run, send, label and pick the section
//! under a position (or the one whose request block has a given uid): its key, label, request
//! uid and kind, the URL (variables resolved where they can be, secrets masked), its
//! `ws-message` blocks, and its newest session.
//!
//! This is the one place clients learn about a `.void` file's structure; they keep no scanner of
//! their own, so they can never disagree with the server's parser (flow-style attrs, block
//! literals, fences in lists). Read-only: nothing here connects or changes a session.

use tower_lsp_server::jsonrpc::{Error, Result};
use void_syntax::SocketProtocol;

use super::super::server::ServerState;
use super::lookup;
use super::protocol::{MessageInfo, SectionAtParams, SectionInfo, SessionRef};

/// Answers `void/sectionAt`: `None` when the section there holds no request.
pub fn section_at(state: &ServerState, params: SectionAtParams) -> Result<Option<SectionInfo>> {
    let uri = &params.text_document.uri;
    let (model, section_index) = match (params.position, params.block_uid.as_deref()) {
        (Some(position), _) => {
            let doc = state.document(uri)?;
            let offset = state.offset(&doc, position)?;
            let model = doc.model();
            let index = model.section_at(offset);
            (model, index)
        }
        (None, Some(uid)) => {
            let model = lookup::model_of(state, uri).map_err(Error::invalid_params)?;
            let Some(start) = model.block_by_uid(uid).map(|(_, b)| b.range.start) else {
                return Ok(None);
            };
            let index = model.section_at(start);
            (model, index)
        }
        (None, None) => {
            return Err(Error::invalid_params(
                "`void/sectionAt` needs a position or a blockUid",
            ));
        }
    };
    let Some(section) = model.sections.get(section_index) else {
        return Ok(None);
    };

    let (request_block, kind, raw_url) = if let Some((i, request)) = section.socket_request(&model)
    {
        let kind = match request.protocol {
            SocketProtocol::WebSocket => "websocket",
            SocketProtocol::Grpc => "grpc",
        };
        (i, kind, request.url.as_ref().map(|u| u.value.to_string()))
    } else if let Some((i, query)) = section.graphql(&model) {
        // A GraphQL query or mutation runs over HTTP, like a `request`.
        (i, "http", query.url.as_ref().map(|u| u.value.to_string()))
    } else if let Some((i, request)) = section.http_request(&model) {
        (i, "http", request.url.as_ref().map(|u| u.value.to_string()))
    } else {
        return Ok(None);
    };
    let raw_url = raw_url.unwrap_or_default();
    let variables = state.variables_for(uri);
    let url = match variables.substitute_url(&raw_url) {
        Ok(resolved) => variables.mask(&resolved),
        // A URL with an unresolved variable is shown as written (names are not secrets).
        Err(_) => raw_url.clone(),
    };
    let block_uid = model.blocks[request_block]
        .uid
        .as_ref()
        .map(|u| u.value.to_string())
        .unwrap_or_default();
    let section_key = lookup::section_key(Some(&block_uid), section_index);
    let label = section
        .display_name(&model)
        .map(str::to_string)
        .unwrap_or_else(|| url.clone());

    let messages = section
        .messages(&model)
        .into_iter()
        .map(|(i, message)| MessageInfo {
            uid: model.blocks[i].uid.as_ref().map(|u| u.value.to_string()),
            name: message.name.as_ref().map(|n| n.value.to_string()),
            format: message
                .format
                .as_ref()
                .map_or("text".to_string(), |f| f.value.to_string()),
            send: message
                .send
                .as_ref()
                .map_or("manual".to_string(), |s| s.value.to_string()),
            preview: message
                .body
                .as_ref()
                .map(|b| {
                    void_session::log::message_preview(
                        b.value.trim(),
                        message.format_value().unwrap_or_default(),
                    )
                })
                .unwrap_or_default(),
        })
        .collect();

    let session = latest_session(state, uri, &section_key, kind);

    Ok(Some(SectionInfo {
        section_key,
        label,
        block_uid,
        kind: kind.to_string(),
        url,
        // Only WebSocket sections send `ws-message` blocks.
        messages: if kind == "websocket" {
            messages
        } else {
            Vec::new()
        },
        session,
    }))
}

/// The newest session (or HTTP run, for an `http` section) of a section.
fn latest_session(
    state: &ServerState,
    uri: &tower_lsp_server::ls_types::Uri,
    section_key: &str,
    kind: &str,
) -> Option<SessionRef> {
    if kind == "http" {
        state
            .sessions
            .http
            .latest_for(uri, section_key)
            .map(|run| SessionRef {
                session_id: run.id.clone(),
                state: run.state().to_string(),
                log_uri: run.response_uri.clone(),
            })
    } else {
        state
            .sessions
            .latest_for(uri, section_key)
            .map(|entry| SessionRef {
                session_id: entry.id().to_string(),
                state: entry.session.state().as_str().to_string(),
                log_uri: entry.log_uri.clone(),
            })
    }
}

//! What the server announces at `initialize`, and the registrations it makes afterwards
//! (file watchers for environment files, configuration pulls). Registrations and pulls are
//! requests to the client: they run in spawned tasks so no handler ever awaits the client.

use std::sync::Arc;

use serde_json::json;
use tower_lsp_server::ls_types::*;

use super::environment::WATCHED_GLOBS;
use super::ext::commands::ALL as COMMANDS;
use super::position::PositionEncoding;
use super::semantic_tokens;
use super::server::ServerState;

/// Characters that open a completion: `/wss`, `{{`, ```` ``` ````, `key: `, `received.`.
pub const COMPLETION_TRIGGERS: &[&str] = &["/", "{", "`", ":", ".", " "];

pub fn initialize_result(encoding: PositionEncoding) -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(
                    COMPLETION_TRIGGERS.iter().map(|s| s.to_string()).collect(),
                ),
                resolve_provider: Some(false),
                ..Default::default()
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            document_symbol_provider: Some(OneOf::Left(true)),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            definition_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..Default::default()
            })),
            code_lens_provider: Some(CodeLensOptions {
                resolve_provider: Some(false),
            }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
                ..Default::default()
            }),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: semantic_tokens::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    ..Default::default()
                }),
            ),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..Default::default()
        },
        server_info: Some(ServerInfo {
            name: "void-ls".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        offset_encoding: None,
    }
}

/// Asks the client to watch environment files, when it can register watchers dynamically.
pub fn register_watchers(state: Arc<ServerState>) {
    if !state.features().watched_files_dynamic {
        return;
    }
    tokio::spawn(async move {
        let watchers: Vec<_> = WATCHED_GLOBS
            .iter()
            .map(|g| json!({ "globPattern": g }))
            .collect();
        let registration = Registration {
            id: "void-ls/env-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: Some(json!({ "watchers": watchers })),
        };
        if let Err(e) = state.client.register_capability(vec![registration]).await {
            tracing::warn!("the client refused to watch environment files: {e}");
        }
    });
}

/// Pulls the `void` configuration section (for clients that send empty change notifications).
pub fn pull_configuration(state: Arc<ServerState>) {
    tokio::spawn(async move {
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("void".into()),
        };
        match state.client.configuration(vec![item]).await {
            Ok(mut values) => {
                let value = values.pop().unwrap_or_default();
                state.apply_settings(&value);
                state.recheck_all();
            }
            Err(e) => tracing::warn!("workspace/configuration failed: {e}"),
        }
    });
}

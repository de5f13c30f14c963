//! Capabilities both ways: what the client supports ([`ClientFeatures`], read once from the raw
//! `initialize` params by the ordering layer, since the `ls-types` structs drop LSP 3.18 fields
//! such as `workspace.textDocumentContent`), what the server announces ([`initialize_result`],
//! plus [`announce_beyond_ls_types`] for what `ls-types` cannot express), and the registrations
//! it makes afterwards (file watchers for environment files, configuration pulls).
//! Registrations and pulls are requests to the client: they run in spawned tasks so no handler
//! ever awaits the client.

use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};
use tower_lsp_server::ls_types::*;

use super::environment::WATCHED_GLOBS;
use super::ext::LOG_SCHEME;
use super::ext::commands::ALL as COMMANDS;
use super::position::PositionEncoding;
use super::semantic_tokens;
use super::server::ServerState;

/// What the client said it supports, reduced to the questions handlers ask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFeatures {
    /// Picked from `general.positionEncodings`: UTF-8 when offered, else UTF-16.
    pub position_encoding: PositionEncoding,
    pub snippets: bool,
    pub hierarchical_symbols: bool,
    pub line_folding_only: bool,
    pub watched_files_dynamic: bool,
    pub configuration_pull: bool,
    pub markdown_hover: bool,
    /// `textDocument.diagnostic` with `workspace.diagnostics.refreshSupport`: the client pulls
    /// diagnostics, and can be asked to pull again when they change on the server's side.
    pub pull_diagnostics: bool,
    pub sessions: SessionFeatures,
}

/// What the client can do for WebSocket sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionFeatures {
    /// `workspace.textDocumentContent` (LSP 3.18).
    pub text_document_content: bool,
    /// `window.workDoneProgress`.
    pub work_done_progress: bool,
    /// `workspace.codeLens.refreshSupport`.
    pub code_lens_refresh: bool,
    /// `workspace.inlayHint.refreshSupport` (assertion results are inlay hints; also asked
    /// after environment changes).
    pub inlay_hint_refresh: bool,
    /// `window.showDocument.support`.
    pub show_document: bool,
}

/// The client's features, set once at `initialize` and read by every handler; the defaults (a
/// client that supports nothing optional) until then.
pub type SharedClientFeatures = Arc<OnceLock<ClientFeatures>>;

impl ClientFeatures {
    /// Reads the `capabilities` object of `initialize` params (anything missing or of the wrong
    /// type is "not supported").
    pub fn from_raw(capabilities: &Value) -> Self {
        let flag = |pointer: &str| {
            capabilities
                .pointer(pointer)
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let strings = |pointer: &str| {
            capabilities
                .pointer(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
        };
        ClientFeatures {
            position_encoding: PositionEncoding::negotiate(strings("/general/positionEncodings")),
            snippets: flag("/textDocument/completion/completionItem/snippetSupport"),
            hierarchical_symbols: flag(
                "/textDocument/documentSymbol/hierarchicalDocumentSymbolSupport",
            ),
            line_folding_only: flag("/textDocument/foldingRange/lineFoldingOnly"),
            watched_files_dynamic: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
            configuration_pull: flag("/workspace/configuration"),
            markdown_hover: strings("/textDocument/hover/contentFormat")
                .any(|format| format == "markdown"),
            pull_diagnostics: capabilities
                .pointer("/textDocument/diagnostic")
                .is_some_and(Value::is_object)
                && flag("/workspace/diagnostics/refreshSupport"),
            sessions: SessionFeatures {
                text_document_content: capabilities
                    .pointer("/workspace/textDocumentContent")
                    .is_some_and(Value::is_object),
                work_done_progress: flag("/window/workDoneProgress"),
                code_lens_refresh: flag("/workspace/codeLens/refreshSupport"),
                inlay_hint_refresh: flag("/workspace/inlayHint/refreshSupport"),
                show_document: flag("/window/showDocument/support"),
            },
        }
    }
}

/// Adds to a serialized `initialize` answer what `ls-types` cannot express:
/// `capabilities.workspace.textDocumentContent = {schemes: ["void-session"]}` (LSP 3.18).
pub fn announce_beyond_ls_types(result: &mut Value) {
    let Some(capabilities) = result
        .get_mut("capabilities")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let workspace = capabilities.entry("workspace").or_insert_with(|| json!({}));
    if let Some(workspace) = workspace.as_object_mut() {
        workspace.insert(
            "textDocumentContent".into(),
            json!({ "schemes": [LOG_SCHEME] }),
        );
    }
}

/// Characters that open a completion: `/wss`, `{{`, ```` ``` ````, `key: `, `received.`.
pub const COMPLETION_TRIGGERS: &[&str] = &["/", "{", "`", ":", ".", " "];

/// The `initialize` answer. Pull diagnostics are announced only to a client that pulls
/// ([`ClientFeatures::pull_diagnostics`]); the others get them pushed.
pub fn initialize_result(encoding: PositionEncoding, pull_diagnostics: bool) -> InitializeResult {
    let diagnostic_provider = pull_diagnostics.then(|| {
        DiagnosticServerCapabilities::Options(DiagnosticOptions {
            identifier: Some("void".into()),
            inter_file_dependencies: true,
            workspace_diagnostics: true,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })
    });
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
            workspace_symbol_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            document_link_provider: Some(DocumentLinkOptions {
                resolve_provider: Some(false),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            document_highlight_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
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
            diagnostic_provider,
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

/// The `.void` files, which the workspace index follows as well as the environment files.
pub const WATCHED_VOID_GLOB: &str = "**/*.void";

/// Asks the client to watch `.void` and environment files, when it can register watchers
/// dynamically; the workspace index relies on it once the client accepted.
pub fn register_watchers(state: Arc<ServerState>) {
    if !state.features().watched_files_dynamic {
        return;
    }
    tokio::spawn(async move {
        let watchers: Vec<_> = std::iter::once(WATCHED_VOID_GLOB)
            .chain(WATCHED_GLOBS.iter().copied())
            .map(|g| json!({ "globPattern": g }))
            .collect();
        let registration = Registration {
            id: "void-ls/watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: Some(json!({ "watchers": watchers })),
        };
        match state.client.register_capability(vec![registration]).await {
            Ok(()) => state
                .file_watching
                .store(true, std::sync::atomic::Ordering::Release),
            Err(e) => tracing::warn!(
                "the client refused to watch .void and environment files (the index checks the disk itself): {e}"
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_features_are_read_from_raw_capabilities() {
        let features = ClientFeatures::from_raw(&json!({
            "general": { "positionEncodings": ["utf-16", "utf-8"] },
            "textDocument": {
                "completion": { "completionItem": { "snippetSupport": true } },
                "documentSymbol": { "hierarchicalDocumentSymbolSupport": true },
                "foldingRange": { "lineFoldingOnly": true },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
                "diagnostic": { "dynamicRegistration": false }
            },
            "workspace": {
                "didChangeWatchedFiles": { "dynamicRegistration": true },
                "configuration": true,
                "textDocumentContent": { "dynamicRegistration": true },
                "codeLens": { "refreshSupport": true },
                "inlayHint": { "refreshSupport": true },
                "diagnostics": { "refreshSupport": true }
            },
            "window": { "workDoneProgress": true, "showDocument": { "support": true } }
        }));
        assert_eq!(
            features,
            ClientFeatures {
                position_encoding: PositionEncoding::Utf8,
                snippets: true,
                hierarchical_symbols: true,
                line_folding_only: true,
                watched_files_dynamic: true,
                configuration_pull: true,
                markdown_hover: true,
                pull_diagnostics: true,
                sessions: SessionFeatures {
                    text_document_content: true,
                    work_done_progress: true,
                    code_lens_refresh: true,
                    inlay_hint_refresh: true,
                    show_document: true
                },
            }
        );
        assert_eq!(
            ClientFeatures::from_raw(&json!({})),
            ClientFeatures::default()
        );
        assert_eq!(
            ClientFeatures::from_raw(&json!(null)),
            ClientFeatures::default()
        );
        let odd = ClientFeatures::from_raw(&json!({
            "general": { "positionEncodings": "utf-8" },
            "workspace": { "textDocumentContent": true, "configuration": "yes" }
        }));
        assert_eq!(
            odd,
            ClientFeatures::default(),
            "wrong types read as unsupported"
        );
    }

    #[test]
    fn initialize_answers_gain_the_log_scheme() {
        let mut result = json!({ "capabilities": { "executeCommandProvider": { "commands": ["void.connect"] }, "workspace": { "workspaceFolders": { "supported": true } } } });
        announce_beyond_ls_types(&mut result);
        assert_eq!(
            result["capabilities"]["workspace"]["textDocumentContent"],
            json!({ "schemes": ["void-session"] })
        );
        assert_eq!(
            result["capabilities"]["workspace"]["workspaceFolders"]["supported"],
            json!(true)
        );
        assert_eq!(
            result["capabilities"]["executeCommandProvider"]["commands"],
            json!(["void.connect"]),
            "the command list is the server's own table, untouched"
        );
        let mut bare = json!({ "capabilities": {} });
        announce_beyond_ls_types(&mut bare);
        assert_eq!(
            bare["capabilities"]["workspace"]["textDocumentContent"]["schemes"][0],
            json!("void-session")
        );
    }
}

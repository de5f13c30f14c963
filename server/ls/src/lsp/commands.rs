//! `workspace/executeCommand`: the router. [`ext::commands::ALL`](super::ext::commands::ALL) is
//! the one list of commands (advertised at `initialize` and served here); every one of them is
//! a WebSocket session command, carried out by [`super::sessions::commands`]. An unknown command
//! is `InvalidParams`.

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::ExecuteCommandParams;

use super::ext::commands::ALL;
use super::server::ServerState;

/// LSP `RequestFailed`: the request was valid but could not be carried out.
pub const REQUEST_FAILED: i64 = -32803;

/// A `RequestFailed` error whose message says, in words a person can act on, why.
pub fn request_failed(message: impl Into<String>) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(REQUEST_FAILED),
        message: message.into().into(),
        data: None,
    }
}

pub async fn execute(state: &ServerState, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let name = params.command.as_str();
    if ALL.contains(&name) {
        return super::sessions::commands::execute(state, params).await;
    }
    Err(Error::invalid_params(format!(
        "unknown command `{name}`; known commands: {}",
        ALL.join(", ")
    )))
}

//! `workspace/executeCommand`: the one place commands are listed and routed.
//!
//! [`COMMANDS`] is what `initialize` advertises in `executeCommandProvider`, and [`execute`] is
//! the routing table: the WebSocket session commands go to [`super::sessions::commands`]. An
//! unknown command is `InvalidParams`.

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::ExecuteCommandParams;

use super::ext::commands::*;
use super::server::ServerState;

/// Every command this server accepts, advertised at `initialize`.
pub const COMMANDS: &[&str] = &[
    CONNECT,
    SEND,
    TEST_CONNECTION,
    PAUSE,
    RESUME,
    CLOSE,
    SESSIONS,
    EXPORT_TRANSCRIPT,
    COPY_AS_WEBSOCAT,
];

/// LSP `RequestFailed`: the request was valid but could not be carried out.
pub const REQUEST_FAILED: i64 = -32803;

pub async fn execute(state: &ServerState, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let name = params.command.as_str();
    if super::sessions::commands::is_session_command(name) {
        return super::sessions::commands::execute(state, params).await;
    }
    Err(Error::invalid_params(format!(
        "unknown command `{name}`; known commands: {}",
        COMMANDS.join(", ")
    )))
}

//! The parts of `initialize` that LSP 3.18 added and `ls-types` 0.0.6 cannot express: this
//! layer reads the client's raw `workspace.textDocumentContent`, `window.workDoneProgress`,
//! `window.showDocument` and `workspace.codeLens.refreshSupport` capabilities before the
//! handler sees (and drops) them, and adds to the server's answer
//! `capabilities.workspace.textDocumentContent = {schemes: ["void-session"]}`.
//!
//! It wraps the service as a tower layer and must stay free of any other behaviour: every other
//! message passes through untouched, in order.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde_json::{Value, json};
use tower::Service;
use tower_lsp_server::jsonrpc::{Request, Response};

use super::manager::{ClientSessionCaps, SessionManager};
use crate::lsp::ext::LOG_SCHEME;

/// Wraps the LSP service: see the module docs.
pub struct SessionCapabilityService<S> {
    inner: S,
    sessions: Arc<SessionManager>,
}

impl<S> SessionCapabilityService<S> {
    pub fn new(inner: S, sessions: Arc<SessionManager>) -> Self {
        SessionCapabilityService { inner, sessions }
    }
}

impl<S> Service<Request> for SessionCapabilityService<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Option<Response>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() != "initialize" {
            return Box::pin(self.inner.call(request));
        }
        if let Some(capabilities) = request.params().and_then(|p| p.get("capabilities")) {
            self.sessions
                .set_caps(ClientSessionCaps::from_raw(capabilities));
        }
        let answer = self.inner.call(request);
        Box::pin(async move { Ok(answer.await?.map(announce)) })
    }
}

/// Adds the session capabilities to a successful `initialize` answer.
fn announce(response: Response) -> Response {
    let (id, body) = response.into_parts();
    let body = body.map(|mut result| {
        add_capabilities(&mut result);
        result
    });
    Response::from_parts(id, body)
}

fn add_capabilities(result: &mut Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_answers_gain_the_log_scheme() {
        let mut result = json!({ "capabilities": { "executeCommandProvider": { "commands": ["void.connect"] }, "workspace": { "workspaceFolders": { "supported": true } } } });
        add_capabilities(&mut result);
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
        add_capabilities(&mut bare);
        assert_eq!(
            bare["capabilities"]["workspace"]["textDocumentContent"]["schemes"][0],
            json!("void-session")
        );
    }
}

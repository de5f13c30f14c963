//! Ordering by design: every text change is applied in the order it arrived, before any later
//! message is even handed to a handler.
//!
//! tower-lsp-server runs handlers concurrently (up to four futures polled together), so a
//! handler that awaits can let a later message run first, and nothing in the framework promises
//! that a `didChange` is applied before the request that follows it. This layer removes the
//! question: it wraps the whole service, and its `call`, which the transport invokes once per
//! message strictly in read order, applies `didOpen`/`didChange`/`didClose` to the
//! [`DocumentStore`] synchronously, then forwards the message. The store's lock is a `std`
//! mutex, held only for the edit. So when a later message's handler first runs, every change
//! that arrived before it is already in the store, whatever awaits any handler contains.
//!
//! Requests get the converse guarantee: at `call` time, the document a request names
//! (`params.textDocument.uri`) is captured and made visible to its handler through a task-local
//! ([`request_snapshot`]), so a request is answered against exactly the text it was sent for,
//! even when later changes are applied before its handler runs.
//!
//! `initialize` is read here too, being the one place that sees a message as it was sent: the
//! client's capabilities are read once from the raw params ([`ClientFeatures::from_raw`]; the
//! `ls-types` structs drop LSP 3.18 fields), the position encoding is set before any later
//! message is applied, and the answer gains what `ls-types` cannot express
//! ([`super::capabilities::announce_beyond_ls_types`]). This module must stay free of `.await`.
//!
//! A handler whose answer is large may also hand over its result already serialized
//! ([`answer_serialized`]): tower-lsp-server would turn a typed answer into a `serde_json::Value`
//! tree before it is written, which for the 8,001 locations of a project-wide
//! `textDocument/references` costs more than finding them (hundreds of thousands of small
//! allocations, made and freed per request). The framework still runs the request (its state
//! checks, cancellation); its `null` result is replaced by the handed-over bytes on the way out.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use serde::Deserialize;
use serde_json::Value;
use tower::Service;
use tower_lsp_server::jsonrpc::{Id, Request, Response};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, FileChangeType,
};
use void_session::sync::Unpoisoned;

use super::capabilities::{self, ClientFeatures, SharedClientFeatures};
use super::diagnostics::DiagnosticsQueue;
use super::document::OpenDocument;
use super::environment::EnvCache;
use super::index::{PendingChange, WorkspaceIndex};
use super::store::DocumentStore;
use super::transport::Answer;

tokio::task_local! {
    /// The document a request named, as it was when the request arrived.
    static SNAPSHOT: Option<Arc<OpenDocument>>;
    /// Where the current request's handler may leave its result already serialized.
    static SERIALIZED: SerializedSlot;
}

type SerializedSlot = Arc<Mutex<Option<Vec<u8>>>>;

/// Hands over the current request's result as JSON bytes, to be sent in place of the `null`
/// the handler then returns. `false` (and nothing kept) outside a request served through
/// [`OrderedService`]: the handler must then return its typed answer.
pub fn answer_serialized(result: Vec<u8>) -> bool {
    SERIALIZED
        .try_with(|slot| *slot.lock().unpoisoned() = Some(result))
        .is_ok()
}

/// What [`OrderedService`] answers: the framework's response, or a successful one whose result
/// a handler serialized itself.
pub enum Reply {
    Response(Response),
    Serialized { id: Id, result: Vec<u8> },
}

impl Answer for Reply {
    fn body(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            Reply::Response(response) => response.body(),
            Reply::Serialized { id, result } => {
                // The field order tower-lsp-server writes: jsonrpc, result, id.
                let mut body = Vec::with_capacity(result.len() + 48);
                body.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
                body.extend_from_slice(result);
                body.extend_from_slice(br#","id":"#);
                serde_json::to_writer(&mut body, id)?;
                body.push(b'}');
                Ok(body)
            }
        }
    }
}

/// `response`, with its result replaced by the bytes its handler left in `slot`, if any.
fn with_serialized(response: Response, slot: &SerializedSlot) -> Reply {
    let serialized = slot.lock().unpoisoned().take();
    match (serialized, response.is_ok()) {
        (Some(result), true) => Reply::Serialized {
            id: response.into_parts().0,
            result,
        },
        _ => Reply::Response(response),
    }
}

/// The document version captured when the current request arrived, if the request named one.
pub fn request_snapshot(uri: &tower_lsp_server::ls_types::Uri) -> Option<Arc<OpenDocument>> {
    SNAPSHOT
        .try_with(|s| s.as_ref().filter(|d| &d.uri == uri).cloned())
        .ok()
        .flatten()
}

/// The service the transport drives: applies text sync in arrival order, then delegates.
pub struct OrderedService<S> {
    inner: S,
    store: Arc<DocumentStore>,
    diagnostics: DiagnosticsQueue,
    features: SharedClientFeatures,
    index: Arc<WorkspaceIndex>,
    env: Arc<EnvCache>,
}

impl<S> OrderedService<S> {
    pub fn new(
        inner: S,
        store: Arc<DocumentStore>,
        diagnostics: DiagnosticsQueue,
        features: SharedClientFeatures,
        index: Arc<WorkspaceIndex>,
        env: Arc<EnvCache>,
    ) -> Self {
        OrderedService {
            inner,
            store,
            diagnostics,
            features,
            index,
            env,
        }
    }

    /// Queues the changes on disk a notification tells of for the workspace index, so that a
    /// project-wide request after it is answered with them (`super::index::scan::settle`
    /// applies them): watched-file events, and saved or closed documents, whose disk copy
    /// counts again. The environment cache is dropped here when an environment file is among
    /// them.
    fn queue_index_changes(&self, request: &Request) {
        let Some(params) = request.params() else {
            return;
        };
        let path_of = |uri: &str| {
            uri.parse::<tower_lsp_server::ls_types::Uri>()
                .ok()?
                .to_file_path()
                .map(|p| p.into_owned())
        };
        let changes: Vec<PendingChange> = match request.method() {
            "workspace/didChangeWatchedFiles" => {
                let Ok(params) = DidChangeWatchedFilesParams::deserialize(params) else {
                    return;
                };
                params
                    .changes
                    .iter()
                    .filter_map(|event| {
                        Some(PendingChange {
                            path: event.uri.to_file_path()?.into_owned(),
                            deleted: event.typ == FileChangeType::DELETED,
                        })
                    })
                    .collect()
            }
            "textDocument/didSave" | "textDocument/didClose" => params
                .pointer("/textDocument/uri")
                .and_then(Value::as_str)
                .and_then(path_of)
                .map(|path| PendingChange {
                    path,
                    deleted: false,
                })
                .into_iter()
                .collect(),
            _ => return,
        };
        // A change to an environment file counts for every message after this one: a
        // document changed next is checked against the file as it is now, not the cache.
        if changes
            .iter()
            .any(|c| super::index::scan::is_env_name(&c.path))
        {
            self.env.invalidate();
        }
        self.index.queue(changes);
    }

    /// Reads the client's capabilities from `initialize` (once: a second `initialize` is an
    /// error the handler answers, and changes nothing here).
    fn read_client_features(&self, request: &Request) {
        let raw = request.params().and_then(|p| p.get("capabilities"));
        let features = ClientFeatures::from_raw(raw.unwrap_or(&Value::Null));
        if self.features.get().is_none() {
            self.store.set_encoding(features.position_encoding);
        }
        let _ = self.features.set(features);
    }

    /// The current version of the document named by `params.textDocument.uri`.
    fn snapshot_for(&self, request: &Request) -> Option<Arc<OpenDocument>> {
        let uri = request
            .params()?
            .get("textDocument")?
            .get("uri")?
            .as_str()?;
        let uri: tower_lsp_server::ls_types::Uri = uri.parse().ok()?;
        self.store.get(&uri)
    }

    fn apply_text_sync(&self, request: &Request) {
        let method = request.method();
        let Some(params) = request.params() else {
            return;
        };
        let outcome = match method {
            "textDocument/didOpen" => DidOpenTextDocumentParams::deserialize(params)
                .map_err(|e| e.to_string())
                .map(|p| Ok(self.store.open(p))),
            "textDocument/didChange" => DidChangeTextDocumentParams::deserialize(params)
                .map_err(|e| e.to_string())
                .map(|p| self.store.change(p)),
            "textDocument/didClose" => DidCloseTextDocumentParams::deserialize(params)
                .map_err(|e| e.to_string())
                .map(|p| self.store.close(p)),
            _ => return,
        };
        match outcome {
            Ok(Ok(uri)) => {
                // Start parsing the new version now, before any handler asks for it.
                if let Some(doc) = self.store.get(&uri) {
                    super::analysis::prepare(&doc);
                }
                self.diagnostics.schedule(uri)
            }
            Ok(Err(sync_error)) => tracing::warn!("{method}: {sync_error}"),
            Err(bad_params) => tracing::warn!("{method}: invalid params, ignored: {bad_params}"),
        }
    }
}

/// A successful `initialize` answer with what `ls-types` cannot express added.
fn announce(response: Response) -> Response {
    let (id, body) = response.into_parts();
    let body = body.map(|mut result| {
        capabilities::announce_beyond_ls_types(&mut result);
        result
    });
    Response::from_parts(id, body)
}

impl<S> Service<Request> for OrderedService<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = Option<Reply>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Option<Reply>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == "initialize" {
            self.read_client_features(&request);
            let answer = self.inner.call(request);
            return Box::pin(async move { Ok(answer.await?.map(announce).map(Reply::Response)) });
        }
        self.apply_text_sync(&request);
        self.queue_index_changes(&request);
        let snapshot = match request.id() {
            Some(_) => self.snapshot_for(&request),
            None => None,
        };
        let slot = SerializedSlot::default();
        let answer = SNAPSHOT.scope(
            snapshot,
            SERIALIZED.scope(slot.clone(), self.inner.call(request)),
        );
        Box::pin(async move {
            Ok(answer
                .await?
                .map(|response| with_serialized(response, &slot)))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A handed-over result goes out as the framework would have written the same value.
    #[test]
    fn a_serialized_reply_is_the_response_the_framework_writes() {
        for id in [Id::Number(7), Id::String("a\"b".into())] {
            let result = serde_json::json!([{ "uri": "file:///x", "range": 1 }]);
            let framework = Response::from_ok(id.clone(), result.clone())
                .body()
                .unwrap();
            let handed_over = Reply::Serialized {
                id,
                result: serde_json::to_vec(&result).unwrap(),
            };
            assert_eq!(
                String::from_utf8(handed_over.body().unwrap()).unwrap(),
                String::from_utf8(framework).unwrap()
            );
        }
    }

    /// Outside a served request there is nowhere to hand a result over: the handler is told.
    #[test]
    fn handing_over_outside_a_request_is_refused() {
        assert!(!answer_serialized(b"[]".to_vec()));
    }
}

//! The open documents, shared by the ordering layer (which applies every text change) and the
//! handlers (which read snapshots).
//!
//! Invariant: only [`super::ordering`] calls the mutating methods, synchronously, in the order
//! messages arrive; everything else calls [`DocumentStore::get`] and works on the returned
//! `Arc<OpenDocument>`, which never changes under it. The lock is a plain `std` mutex held for the
//! length of one edit and never across an `.await`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Uri,
};
use void_session::sync::Unpoisoned;

use super::document::OpenDocument;
use super::position::PositionEncoding;

/// Why a text change could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// `didChange`/`didClose` for a document that is not open.
    NotOpen(Uri),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::NotOpen(uri) => {
                write!(f, "{} is not open; ignoring the change", uri.as_str())
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct DocumentStore {
    documents: Mutex<HashMap<Uri, Arc<OpenDocument>>>,
    encoding: AtomicU8,
}

impl DocumentStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Uri, Arc<OpenDocument>>> {
        // A panic while holding the lock cannot leave a half-applied edit visible (edits are
        // applied to the document before the map is touched), so a poisoned lock is still usable.
        self.documents.lock().unpoisoned()
    }

    /// The negotiated position encoding (UTF-16 until `initialize` says otherwise).
    pub fn encoding(&self) -> PositionEncoding {
        match self.encoding.load(Ordering::Acquire) {
            1 => PositionEncoding::Utf8,
            _ => PositionEncoding::Utf16,
        }
    }

    pub fn set_encoding(&self, encoding: PositionEncoding) {
        let raw = match encoding {
            PositionEncoding::Utf8 => 1,
            PositionEncoding::Utf16 => 0,
        };
        self.encoding.store(raw, Ordering::Release);
    }

    /// The current version of a document.
    pub fn get(&self, uri: &Uri) -> Option<Arc<OpenDocument>> {
        self.lock().get(uri).cloned()
    }

    /// Every open document.
    pub fn all(&self) -> Vec<Arc<OpenDocument>> {
        self.lock().values().cloned().collect()
    }

    pub fn open(&self, params: DidOpenTextDocumentParams) -> Uri {
        let item = params.text_document;
        let doc = OpenDocument::new(item.uri.clone(), item.language_id, item.version, item.text);
        self.lock().insert(item.uri.clone(), Arc::new(doc));
        item.uri
    }

    /// Applies every change of one `didChange`, in order.
    pub fn change(&self, params: DidChangeTextDocumentParams) -> Result<Uri, SyncError> {
        let encoding = self.encoding();
        let uri = params.text_document.uri;
        let mut documents = self.lock();
        let Some(entry) = documents.get_mut(&uri) else {
            return Err(SyncError::NotOpen(uri));
        };
        // Edits in place when no handler holds this version, else edits a copy.
        let doc = Arc::make_mut(entry);
        for change in params.content_changes {
            doc.apply_change(change, encoding);
        }
        doc.version = params.text_document.version;
        Ok(uri)
    }

    pub fn close(&self, params: DidCloseTextDocumentParams) -> Result<Uri, SyncError> {
        let uri = params.text_document.uri;
        match self.lock().remove(&uri) {
            Some(_) => Ok(uri),
            None => Err(SyncError::NotOpen(uri)),
        }
    }
}

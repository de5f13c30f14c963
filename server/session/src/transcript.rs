//! The session transcript: every event as one JSON Lines record, written to disk by a
//! dedicated thread so the connection never waits on the file system more than the bounded
//! queue allows.
//!
//! Record shape (PROTOCOL.md): `{"t": RFC 3339 with ms, "dir": "out"|"in"|"event", "kind",
//! "text" or "base64", "size"}`. Secrets are masked in `text` before writing. This module must
//! not hold more than [`QUEUE_DEPTH`] pending records in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::mask::Masker;

/// Jobs (a record, or a batch of at most [`BATCH_MAX`] records) waiting for the writer thread
/// at most; a faster producer waits.
pub const QUEUE_DEPTH: usize = 256;
/// Records per batch at most.
pub const BATCH_MAX: usize = 64;

/// Which way a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Out,
    In,
    Event,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Out => "out",
            Self::In => "in",
            Self::Event => "event",
        }
    }
}

/// A record's payload.
#[derive(Debug, Clone)]
pub enum RecordBody {
    Text(Utf8Bytes),
    Binary(Bytes),
}

/// One transcript record.
#[derive(Debug, Clone)]
pub struct Record {
    pub t: DateTime<Utc>,
    pub dir: Direction,
    /// `text`, `json`, `xml`, `binary` for messages; `connecting`, `handshake`, `open`,
    /// `close`, `error`, ... for events.
    pub kind: &'static str,
    pub body: RecordBody,
}

impl Record {
    pub fn event(kind: &'static str, text: impl Into<String>) -> Self {
        Record {
            t: Utc::now(),
            dir: Direction::Event,
            kind,
            body: RecordBody::Text(Utf8Bytes::from(text.into())),
        }
    }
}

enum Job {
    Write(Record),
    Batch(Vec<Record>),
    Flush(oneshot::Sender<()>),
}

/// The sending side of a transcript. Cloning shares the same file.
#[derive(Clone)]
pub struct Transcript {
    tx: Option<mpsc::Sender<Job>>,
    path: Option<Arc<PathBuf>>,
    events: Arc<AtomicU64>,
    error: Arc<std::sync::Mutex<Option<String>>>,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("path", &self.path)
            .finish()
    }
}

impl Transcript {
    /// A transcript that writes nothing (`transcript: off`).
    pub fn off() -> Self {
        Transcript {
            tx: None,
            path: None,
            events: Arc::new(AtomicU64::new(0)),
            error: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// Creates (truncates) `path`, creating its directory, and starts the writer thread.
    pub fn create(path: &Path, masker: Masker) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(path)?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let events = Arc::new(AtomicU64::new(0));
        let error = Arc::new(std::sync::Mutex::new(None));
        let thread_events = events.clone();
        let thread_error = error.clone();
        std::thread::Builder::new()
            .name("void-transcript".into())
            .spawn(move || {
                write_loop(
                    rx,
                    BufWriter::with_capacity(64 * 1024, file),
                    masker,
                    thread_events,
                    thread_error,
                )
            })?;
        Ok(Transcript {
            tx: Some(tx),
            path: Some(Arc::new(path.to_path_buf())),
            events,
            error,
        })
    }

    /// Whether records go anywhere (`false` for `transcript: off`).
    pub fn is_on(&self) -> bool {
        self.tx.is_some()
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref().map(PathBuf::as_path)
    }

    /// Records written so far.
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// The first write error, if writing failed.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Queues a record, waiting while the queue is full.
    pub async fn record(&self, record: Record) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job::Write(record)).await;
        }
    }

    /// Queues several records (at most [`BATCH_MAX`] are expected) as one job.
    pub async fn record_batch(&self, records: Vec<Record>) {
        if let Some(tx) = &self.tx
            && !records.is_empty()
        {
            let _ = tx.send(Job::Batch(records)).await;
        }
    }

    /// Queues a record without waiting. When the queue is full the record is handed to a
    /// small task that waits for room (it may then land after records queued later); it is
    /// dropped only when there is no tokio runtime to wait on.
    pub fn try_record(&self, record: Record) {
        if let Some(tx) = &self.tx {
            match tx.try_send(Job::Write(record)) {
                Err(mpsc::error::TrySendError::Full(job)) => {
                    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                        let tx = tx.clone();
                        runtime.spawn(async move {
                            let _ = tx.send(job).await;
                        });
                    }
                }
                Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// Waits until every record queued before this call is on disk.
    pub async fn flush(&self) {
        if let Some(tx) = &self.tx {
            let (done, wait) = oneshot::channel();
            if tx.send(Job::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        }
    }
}

fn write_loop(
    mut rx: mpsc::Receiver<Job>,
    mut out: BufWriter<File>,
    masker: Masker,
    events: Arc<AtomicU64>,
    error: Arc<std::sync::Mutex<Option<String>>>,
) {
    let mut line = Vec::with_capacity(512);
    let mut clock = StampCache::default();
    let mut failed = false;
    let mut batch = Vec::with_capacity(256);
    while rx.blocking_recv_many(&mut batch, 256) > 0 {
        for job in batch.drain(..) {
            let records = match job {
                Job::Write(record) => vec![record],
                Job::Batch(records) => records,
                Job::Flush(done) => {
                    let _ = out.flush();
                    let _ = done.send(());
                    continue;
                }
            };
            for record in records {
                if failed {
                    break;
                }
                line.clear();
                encode_with(&record, &masker, &mut clock, &mut line);
                if let Err(e) = out.write_all(&line) {
                    failed = true;
                    if let Ok(mut slot) = error.lock() {
                        *slot = Some(format!("cannot write the transcript: {e}"));
                    }
                    break;
                }
                events.fetch_add(1, Ordering::Relaxed);
            }
        }
        if rx.is_empty() {
            let _ = out.flush();
        }
    }
    let _ = out.flush();
}

/// Formats timestamps once per millisecond (a flood shares them).
#[derive(Default)]
struct StampCache {
    millis: i64,
    text: String,
}

impl StampCache {
    fn stamp(&mut self, t: &DateTime<Utc>) -> &str {
        let millis = t.timestamp_millis();
        if self.text.is_empty() || millis != self.millis {
            self.millis = millis;
            self.text = t.to_rfc3339_opts(SecondsFormat::Millis, true);
        }
        &self.text
    }
}

/// Encodes one record as a JSON line (with the trailing newline).
pub fn encode(record: &Record, masker: &Masker, out: &mut Vec<u8>) {
    encode_with(record, masker, &mut StampCache::default(), out);
}

fn encode_with(record: &Record, masker: &Masker, clock: &mut StampCache, out: &mut Vec<u8>) {
    let t = clock.stamp(&record.t);
    out.extend_from_slice(b"{\"t\":\"");
    out.extend_from_slice(t.as_bytes());
    out.extend_from_slice(b"\",\"dir\":\"");
    out.extend_from_slice(record.dir.as_str().as_bytes());
    out.extend_from_slice(b"\",\"kind\":\"");
    out.extend_from_slice(record.kind.as_bytes());
    out.extend_from_slice(b"\",");
    let size = match &record.body {
        RecordBody::Text(text) => {
            out.extend_from_slice(b"\"text\":");
            let masked = masker.mask(text.as_str());
            let _ = serde_json::to_writer(&mut *out, masked.as_ref());
            text.len()
        }
        RecordBody::Binary(bytes) => {
            out.extend_from_slice(b"\"base64\":\"");
            out.extend_from_slice(
                base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .as_bytes(),
            );
            out.push(b'"');
            bytes.len()
        }
    };
    out.extend_from_slice(b",\"size\":");
    let _ = write!(out, "{size}");
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_lines_with_secrets_masked() {
        let mut out = Vec::new();
        let masker = Masker::new(["hunter2"]);
        let record = Record {
            t: Utc::now(),
            dir: Direction::In,
            kind: "json",
            body: RecordBody::Text(Utf8Bytes::from("{\"pw\":\"hunter2\"}")),
        };
        encode(&record, &masker, &mut out);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["dir"], "in");
        assert_eq!(value["kind"], "json");
        assert_eq!(value["text"], "{\"pw\":\"••••\"}");
        assert_eq!(value["size"], 16);
        assert!(value["t"].as_str().unwrap().ends_with('Z'));

        out.clear();
        let record = Record {
            t: Utc::now(),
            dir: Direction::Out,
            kind: "binary",
            body: RecordBody::Binary(Bytes::from_static(&[0, 1, 2])),
        };
        encode(&record, &masker, &mut out);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["base64"], "AAEC");
        assert_eq!(value["size"], 3);
    }

    #[tokio::test]
    async fn writes_and_flushes_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/t.jsonl");
        let t = Transcript::create(&path, Masker::default()).unwrap();
        for i in 0..100 {
            t.record(Record::event("note", format!("event {i}"))).await;
        }
        t.flush().await;
        assert_eq!(t.events(), 100);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 100);
    }
}

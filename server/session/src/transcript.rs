//! The session transcript: every event as one JSON Lines record, written to disk by ONE
//! writer thread shared by every session of the process, so the connection never waits on the
//! file system and a session costs no thread of its own.
//!
//! Record shape (docs/lsp-extensions.md, "Log documents"): `{"t": RFC 3339 with ms, "dir":
//! "out"|"in"|"event", "kind", "text" or "base64", "size"}`. Secrets are masked in `text` before
//! writing; payloads are kept whole (binary as base64).
//!
//! Producers append to a shared queue under a short lock and do not wake the writer for every
//! record: the writer is woken only when the queue goes from empty to non-empty, then lingers
//! [`LINGER`] to collect more before it writes, so a round trip never waits for a thread switch.
//! [`Transcript::flush`] wakes it at once. The queue holds at most [`MAX_PENDING_RECORDS`]
//! records or [`MAX_PENDING_BYTES`] payload bytes from the async producers (they wait for room);
//! the rare synchronous event records ([`Transcript::try_record`]) never wait. This module must
//! not block an async task on the file system.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::{Notify, oneshot};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::batch::{Batch, BodyRef};
use crate::mask::{Masker, SessionMasker};
use crate::project_files::{FileError, FileProblem, Project};
use crate::sync::Unpoisoned;

/// How long the writer collects records after it was woken before it writes them.
pub const LINGER: Duration = Duration::from_millis(3);
/// Records waiting for the writer at most before async producers wait for room.
pub const MAX_PENDING_RECORDS: usize = 1 << 16;
/// Payload bytes waiting for the writer at most before async producers wait for room.
pub const MAX_PENDING_BYTES: usize = 64 << 20;
/// Encoded bytes collected for one file before they are written out.
const WRITE_CHUNK: usize = 256 * 1024;

/// Which way a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Out,
    In,
    Event,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
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

impl RecordBody {
    fn len(&self) -> usize {
        match self {
            RecordBody::Text(t) => t.len(),
            RecordBody::Binary(b) => b.len(),
        }
    }
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

/// One transcript file, as the writer thread sees it.
struct Target {
    masker: SessionMasker,
    /// Only the writer thread writes; `None` after a write error.
    file: Mutex<Option<File>>,
    events: AtomicU64,
    error: Mutex<Option<String>>,
}

enum Job {
    Records(Arc<Target>, Vec<Record>),
    /// One record per message of the batch, encoded on the writer thread.
    Batch(Arc<Target>, Batch),
    Flush(oneshot::Sender<()>),
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    records: usize,
    bytes: usize,
    /// The writer waits for work (a producer must wake it).
    idle: bool,
    /// Someone waits: the writer must not linger.
    urgent: bool,
}

/// The process-wide writer: its queue and how to wake it.
struct Hub {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Told after every drain of the queue (async producers waiting for room listen).
    drained: Notify,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unpoisoned()
    }

    /// The shared writer, started on first use. `None` if no thread could be started.
    fn get() -> Option<&'static Hub> {
        static HUB: OnceLock<Option<&'static Hub>> = OnceLock::new();
        *HUB.get_or_init(|| {
            let hub: &'static Hub = Box::leak(Box::new(Hub {
                queue: Mutex::new(Queue::default()),
                wake: Condvar::new(),
                drained: Notify::new(),
            }));
            std::thread::Builder::new()
                .name("void-transcripts".into())
                .stack_size(256 * 1024)
                .spawn(move || hub.write_loop())
                .ok()
                .map(|_| hub)
        })
    }

    /// Queues a job; wakes the writer if it is idle (or at once when `urgent`).
    fn push(&self, queue: &mut Queue, job: Job, urgent: bool) {
        match &job {
            Job::Records(_, records) => {
                queue.records += records.len();
                queue.bytes += records.iter().map(|r| r.body.len()).sum::<usize>();
            }
            Job::Batch(_, batch) => {
                queue.records += batch.len();
                queue.bytes += batch.payload_bytes();
            }
            Job::Flush(_) => {}
        }
        queue.jobs.push(job);
        if urgent {
            queue.urgent = true;
        }
        if queue.idle || urgent {
            queue.idle = false;
            self.wake.notify_one();
        }
    }

    fn full(queue: &Queue) -> bool {
        queue.records >= MAX_PENDING_RECORDS || queue.bytes >= MAX_PENDING_BYTES
    }

    /// Queues a job of records, waiting while the queue is full.
    async fn push_records(&self, job: Job) {
        loop {
            let drained = self.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            {
                let mut queue = self.lock();
                if !Self::full(&queue) {
                    self.push(&mut queue, job, false);
                    return;
                }
                queue.urgent = true;
                queue.idle = false;
                self.wake.notify_one();
            }
            drained.await;
        }
    }

    fn write_loop(&self) {
        let mut chunk: Vec<u8> = Vec::new();
        let mut clock = StampCache::default();
        loop {
            let jobs = {
                let mut queue = self.lock();
                while queue.jobs.is_empty() {
                    queue.idle = true;
                    queue = self.wake.wait(queue).unpoisoned();
                }
                queue.idle = false;
                if !queue.urgent {
                    queue = self
                        .wake
                        .wait_timeout_while(queue, LINGER, |q| !q.urgent)
                        .unpoisoned()
                        .0;
                }
                queue.urgent = false;
                queue.records = 0;
                queue.bytes = 0;
                std::mem::take(&mut queue.jobs)
            };
            self.drained.notify_waiters();
            let mut current: Option<Arc<Target>> = None;
            for job in jobs {
                match job {
                    Job::Records(target, records) => {
                        switch_target(&mut current, &target, &mut chunk);
                        target
                            .events
                            .fetch_add(records.len() as u64, Ordering::Relaxed);
                        let masker = target.masker.current();
                        for record in &records {
                            let parts = record.parts();
                            encode_into_file(&target, &masker, &mut clock, &mut chunk, parts);
                        }
                        current = Some(target);
                    }
                    Job::Batch(target, batch) => {
                        switch_target(&mut current, &target, &mut chunk);
                        target
                            .events
                            .fetch_add(batch.len() as u64, Ordering::Relaxed);
                        let dir = if batch.is_sent() {
                            Direction::Out
                        } else {
                            Direction::In
                        };
                        let t = batch.at();
                        let masker = target.masker.current();
                        for index in 0..batch.len() {
                            let message = batch.get(index);
                            let parts = Parts {
                                t: &t,
                                dir,
                                kind: message.format.as_str(),
                                body: message.body,
                                note: message.note.map(|n| &**n),
                            };
                            encode_into_file(&target, &masker, &mut clock, &mut chunk, parts);
                        }
                        current = Some(target);
                    }
                    Job::Flush(done) => {
                        if let Some(previous) = current.take() {
                            write_out(&previous, &mut chunk);
                        }
                        let _ = done.send(());
                    }
                }
            }
            if let Some(previous) = current.take() {
                write_out(&previous, &mut chunk);
            }
            if chunk.capacity() > 4 * WRITE_CHUNK {
                chunk = Vec::new();
            }
        }
    }
}

/// Before encoding for `next`: what was encoded for another file is written out first.
fn switch_target(current: &mut Option<Arc<Target>>, next: &Arc<Target>, chunk: &mut Vec<u8>) {
    if let Some(previous) = current.as_ref()
        && !Arc::ptr_eq(previous, next)
    {
        write_out(previous, chunk);
    }
}

/// Encodes one record into `chunk`, writing to the target's file whenever it fills.
fn encode_into_file(
    target: &Target,
    masker: &Masker,
    clock: &mut StampCache,
    chunk: &mut Vec<u8>,
    parts: Parts<'_>,
) {
    encode_pieces(parts, masker, clock, chunk, &mut |chunk| {
        write_out(target, chunk)
    });
    if chunk.len() >= WRITE_CHUNK {
        write_out(target, chunk);
    }
}

/// Writes `chunk` to the target's file and empties it; the first error is kept.
fn write_out(target: &Target, chunk: &mut Vec<u8>) {
    if chunk.is_empty() {
        return;
    }
    let mut file = target.file.lock().unpoisoned();
    if let Some(f) = file.as_mut()
        && let Err(e) = f.write_all(chunk)
    {
        *file = None;
        if let Ok(mut slot) = target.error.lock() {
            slot.get_or_insert(format!("cannot write the transcript: {e}"));
        }
    }
    chunk.clear();
}

/// The sending side of a transcript. Cloning shares the same file.
#[derive(Clone)]
pub struct Transcript {
    target: Option<Arc<Target>>,
    path: Option<Arc<PathBuf>>,
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
            target: None,
            path: None,
        }
    }

    /// Creates `path` (or empties an earlier transcript there), with its directories, under
    /// the rules of [`Project::create_transcript`]: inside `project`, never through a symlink
    /// out of it, never onto a pipe or a device, never over a file that is not a transcript.
    /// Records go to the shared writer.
    pub fn create(
        project: &Project,
        path: &Path,
        masker: SessionMasker,
    ) -> Result<Self, FileError> {
        let (_, file) = project.create_transcript(path)?;
        if Hub::get().is_none() {
            return Err(FileError {
                path: path.to_path_buf(),
                problem: FileProblem::Io("cannot start the transcript writer thread".into()),
            });
        }
        Ok(Transcript {
            target: Some(Arc::new(Target {
                masker,
                file: Mutex::new(Some(file)),
                events: AtomicU64::new(0),
                error: Mutex::new(None),
            })),
            path: Some(Arc::new(path.to_path_buf())),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref().map(PathBuf::as_path)
    }

    /// Records encoded so far (on disk once [`Transcript::flush`] returns).
    pub fn events(&self) -> u64 {
        self.target
            .as_ref()
            .map_or(0, |t| t.events.load(Ordering::Relaxed))
    }

    /// The first write error, if writing failed.
    pub fn error(&self) -> Option<String> {
        self.target
            .as_ref()
            .and_then(|t| t.error.lock().ok().and_then(|e| e.clone()))
    }

    /// Queues a record, waiting while the queue is full.
    pub async fn record(&self, record: Record) {
        if let (Some(target), Some(hub)) = (&self.target, Hub::get()) {
            hub.push_records(Job::Records(target.clone(), vec![record]))
                .await;
        }
    }

    /// Queues a record for each message of a batch as one job, waiting while the queue is full.
    pub async fn record_batch(&self, batch: Batch) {
        if let (Some(target), Some(hub)) = (&self.target, Hub::get())
            && !batch.is_empty()
        {
            hub.push_records(Job::Batch(target.clone(), batch)).await;
        }
    }

    /// Queues a record without waiting (for the rare event records written outside the
    /// async paths); it goes in order with everything queued before it.
    pub fn try_record(&self, record: Record) {
        if let (Some(target), Some(hub)) = (&self.target, Hub::get()) {
            let mut queue = hub.lock();
            hub.push(
                &mut queue,
                Job::Records(target.clone(), vec![record]),
                false,
            );
        }
    }

    /// Waits until every record queued before this call is written to the file.
    pub async fn flush(&self) {
        if let (Some(_), Some(hub)) = (&self.target, Hub::get()) {
            let (done, wait) = oneshot::channel();
            {
                let mut queue = hub.lock();
                hub.push(&mut queue, Job::Flush(done), true);
            }
            let _ = wait.await;
        }
    }
}

/// Formats timestamps once per millisecond (a flood shares them), and keeps the start of the
/// last line (`{"t":…,"dir":…,"kind":…,"text":`) so the records of a batch, which share all of
/// it, copy it in one piece.
#[derive(Default)]
struct StampCache {
    millis: i64,
    text: String,
    line_start: Vec<u8>,
    /// What `line_start` was made for: time in ms, direction, kind, text (or base64) field.
    line_key: Option<(i64, Direction, &'static str, bool)>,
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

    /// The line up to the payload field's value.
    fn line_start(&mut self, record: &Parts<'_>) -> &[u8] {
        let is_text = matches!(record.body, BodyRef::Text(_));
        let millis = record.t.timestamp_millis();
        // Kinds are static names: the same pointer is the same kind (no string compare).
        let same = self.line_key.is_some_and(|(m, dir, kind, text)| {
            m == millis && dir == record.dir && std::ptr::eq(kind, record.kind) && text == is_text
        });
        if !same {
            let mut start = std::mem::take(&mut self.line_start);
            start.clear();
            start.extend_from_slice(b"{\"t\":\"");
            start.extend_from_slice(self.stamp(record.t).as_bytes());
            start.extend_from_slice(b"\",\"dir\":\"");
            start.extend_from_slice(record.dir.as_str().as_bytes());
            start.extend_from_slice(b"\",\"kind\":\"");
            start.extend_from_slice(record.kind.as_bytes());
            start.extend_from_slice(if is_text {
                b"\",\"text\":"
            } else {
                b"\",\"base64\":"
            });
            self.line_start = start;
            self.line_key = Some((millis, record.dir, record.kind, is_text));
        }
        &self.line_start
    }
}

/// Whether `text` holds a byte JSON must escape inside a string (a control character, `"` or
/// `\`). Checked 16 bytes at a time without stopping early, which the compiler vectorizes.
fn needs_json_escape(text: &[u8]) -> bool {
    text.chunks(16).any(|chunk| {
        chunk.iter().fold(false, |seen, &b| {
            seen | (b < 0x20) | (b == b'"') | (b == b'\\')
        })
    })
}

/// Encodes one record as a JSON line (with the trailing newline).
pub fn encode(record: &Record, masker: &Masker, out: &mut Vec<u8>) {
    encode_with(record, masker, &mut StampCache::default(), out);
}

fn encode_with(record: &Record, masker: &Masker, clock: &mut StampCache, out: &mut Vec<u8>) {
    encode_pieces(record.parts(), masker, clock, out, &mut |_| {});
}

/// What a record line is made of, borrowed from a [`Record`] or from a message of a [`Batch`].
#[derive(Clone, Copy)]
struct Parts<'a> {
    t: &'a DateTime<Utc>,
    dir: Direction,
    kind: &'static str,
    body: BodyRef<'a>,
    /// Why a message was sent (a reply's note), written as `"note"` after `"size"`.
    note: Option<&'a str>,
}

impl Record {
    fn parts(&self) -> Parts<'_> {
        Parts {
            t: &self.t,
            dir: self.dir,
            kind: self.kind,
            body: match &self.body {
                RecordBody::Text(text) => BodyRef::Text(text),
                RecordBody::Binary(bytes) => BodyRef::Binary(bytes),
            },
            note: None,
        }
    }
}

/// Binary payloads are base64-encoded this many bytes at a time (a multiple of 3, so the
/// pieces join into the same text as one encoding of the whole).
const BASE64_PIECE: usize = 48 * 1024;

/// Encodes one record into `out`, calling `spill` whenever `out` holds [`WRITE_CHUNK`] bytes
/// or more in the middle of a large binary payload (so a 1 MiB message never needs a 1.4 MB
/// buffer of its own).
fn encode_pieces(
    record: Parts<'_>,
    masker: &Masker,
    clock: &mut StampCache,
    out: &mut Vec<u8>,
    spill: &mut dyn FnMut(&mut Vec<u8>),
) {
    out.extend_from_slice(clock.line_start(&record));
    let size = match record.body {
        BodyRef::Text(text) => {
            let masked = masker.mask(text.as_str());
            if needs_json_escape(masked.as_bytes()) {
                let _ = serde_json::to_writer(&mut *out, masked.as_ref());
            } else {
                out.push(b'"');
                out.extend_from_slice(masked.as_bytes());
                out.push(b'"');
            }
            text.len()
        }
        BodyRef::Binary(bytes) => {
            out.push(b'"');
            for piece in bytes.chunks(BASE64_PIECE) {
                // Appends into spare capacity: no zero fill before the encoder overwrites it.
                base64_simd::STANDARD.encode_append(piece, out);
                if out.len() >= WRITE_CHUNK {
                    spill(out);
                }
            }
            out.push(b'"');
            bytes.len()
        }
    };
    out.extend_from_slice(b",\"size\":");
    push_decimal(out, size);
    if let Some(note) = record.note {
        out.extend_from_slice(b",\"note\":");
        let _ = serde_json::to_writer(&mut *out, masker.mask(note).as_ref());
    }
    out.extend_from_slice(b"}\n");
}

/// A message read back from a transcript file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMessage {
    /// The `text` field (secrets were masked when it was written), or the `base64` field.
    pub text: String,
    pub is_base64: bool,
}

/// Finds the message record written at `t` going `dir` with payload `size` in a transcript
/// file. Records of one batch share their time: among several that fit, the one for which
/// `fits` says yes is taken, else the first. Reads the file line by line (blocking: call it
/// off the async runtime); `Ok(None)` when no record fits.
pub fn find_message(
    path: &Path,
    t: &DateTime<Utc>,
    dir: Direction,
    size: usize,
    fits: impl Fn(&FoundMessage) -> bool,
) -> std::io::Result<Option<FoundMessage>> {
    use std::io::BufRead as _;
    let prefix = format!(
        "{{\"t\":\"{}\",\"dir\":\"{}\"",
        t.to_rfc3339_opts(SecondsFormat::Millis, true),
        dir.as_str()
    );
    // Records are written in about time order (events from other paths may come a little
    // early or late): a record a second later than `t` means the batch is behind us.
    let give_up_after = *t + chrono::TimeDelta::seconds(1);
    let reader = std::io::BufReader::new(File::open(path)?);
    let mut first = None;
    for line in reader.lines() {
        let line = line?;
        if !line.starts_with(&prefix) {
            let later = line
                .get(6..30)
                .and_then(|stamp| DateTime::parse_from_rfc3339(stamp).ok())
                .is_some_and(|stamp| stamp > give_up_after);
            if later {
                break;
            }
            continue;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if value.get("size").and_then(serde_json::Value::as_u64) != Some(size as u64) {
            continue;
        }
        let found = match (value.get("text"), value.get("base64")) {
            (Some(serde_json::Value::String(text)), _) => FoundMessage {
                text: text.clone(),
                is_base64: false,
            },
            (_, Some(serde_json::Value::String(b64))) => FoundMessage {
                text: b64.clone(),
                is_base64: true,
            },
            _ => continue,
        };
        if fits(&found) {
            return Ok(Some(found));
        }
        first.get_or_insert(found);
    }
    Ok(first)
}

/// Appends `n` in decimal (without going through `fmt`, once per record).
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine as _;

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

    #[test]
    fn the_escape_check_agrees_with_serde_json_for_every_byte() {
        for b in 0u8..=0x7f {
            let text = format!("0123456789abcdefg{}h", b as char);
            let plain = format!("\"{text}\"");
            assert_eq!(
                needs_json_escape(text.as_bytes()),
                serde_json::to_string(&text).unwrap() != plain,
                "byte {b:#04x}"
            );
        }
    }

    #[test]
    fn runs_of_texts_encode_as_json_lines_that_read_back_to_the_same_texts() {
        let texts = [
            "plain",
            "with \"quotes\" and \\",
            "tab\tand\nnewline",
            "ünïcødé ✓",
            "",
            "a secret hunter2 here",
        ];
        let batch = Batch::Received {
            at: Utc::now(),
            payloads: texts
                .iter()
                .map(|t| crate::assertions::Payload::text(t))
                .collect(),
        };
        let masker = Masker::new(["hunter2"]);
        let mut clock = StampCache::default();
        let mut out = Vec::new();
        for index in 0..batch.len() {
            let message = batch.get(index);
            let t = batch.at();
            let parts = Parts {
                t: &t,
                dir: Direction::In,
                kind: message.format.as_str(),
                body: message.body,
                note: None,
            };
            encode_pieces(parts, &masker, &mut clock, &mut out, &mut |_| {});
        }
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), texts.len());
        for (line, text) in lines.iter().zip(texts) {
            let expected = text.replace("hunter2", crate::mask::MASK);
            assert_eq!(line["text"], expected.as_str());
            assert_eq!(line["size"], text.len());
            assert_eq!(line["dir"], "in");
        }
    }

    #[test]
    fn sizes_are_written_in_decimal() {
        for n in [0usize, 7, 10, 1_048_576, usize::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    #[test]
    fn a_large_binary_payload_is_encoded_in_pieces_that_join_into_the_whole() {
        let payload: Vec<u8> = (0..(3 * WRITE_CHUNK + 7))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let record = Record {
            t: Utc::now(),
            dir: Direction::In,
            kind: "binary",
            body: RecordBody::Binary(Bytes::from(payload.clone())),
        };
        let mut written = Vec::new();
        let mut spills = 0;
        let mut out = Vec::new();
        encode_pieces(
            record.parts(),
            &Masker::default(),
            &mut StampCache::default(),
            &mut out,
            &mut |chunk| {
                spills += 1;
                written.append(chunk);
            },
        );
        written.append(&mut out);
        assert!(spills >= 3, "{spills}");
        let value: serde_json::Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(
            value["base64"].as_str().unwrap(),
            base64::engine::general_purpose::STANDARD.encode(&payload)
        );
        assert_eq!(value["size"], payload.len());
    }

    #[test]
    fn binary_payloads_of_every_padding_length_match_the_reference_encoder() {
        for len in 0..200usize {
            let payload: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let record = Record {
                t: Utc::now(),
                dir: Direction::In,
                kind: "binary",
                body: RecordBody::Binary(Bytes::from(payload.clone())),
            };
            let mut out = Vec::new();
            encode(&record, &Masker::default(), &mut out);
            let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(
                value["base64"].as_str().unwrap(),
                base64::engine::general_purpose::STANDARD.encode(&payload),
                "length {len}"
            );
        }
    }

    #[tokio::test]
    async fn writes_and_flushes_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/t.jsonl");
        let t =
            Transcript::create(&Project::new(dir.path()), &path, SessionMasker::default()).unwrap();
        for i in 0..100 {
            t.record(Record::event("note", format!("event {i}"))).await;
        }
        t.flush().await;
        assert_eq!(t.events(), 100);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 100);
    }
}

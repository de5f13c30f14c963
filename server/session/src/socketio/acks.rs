//! The acknowledgements a Socket.IO session waits for: the writer gives each event sent with
//! `ack: true` an id as it goes out, the reader finds the event's name and its round trip when
//! the acknowledgement comes, and the connection reports the ones that did not come within
//! `ackTimeout`. Shared by the writer and the reader, behind one small lock.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::Unpoisoned;

/// Acknowledgements waited for at most; older ones are forgotten (a server that never
/// answers cannot grow this without bound).
const MAX_WAITING: usize = 4096;

#[derive(Debug, Default)]
struct Book {
    next: u64,
    /// (id, event name, sent at), oldest first.
    waiting: Vec<(u64, String, Instant)>,
}

/// The ids handed out and the acknowledgements still missing.
#[derive(Debug, Default)]
pub struct AckBook {
    book: Mutex<Book>,
}

impl AckBook {
    /// A fresh id for an event named `name` going out now.
    pub fn register(&self, name: &str) -> u64 {
        let mut book = self.book.lock().unpoisoned();
        let id = book.next;
        book.next = book.next.wrapping_add(1);
        if book.waiting.len() >= MAX_WAITING {
            book.waiting.remove(0);
        }
        book.waiting.push((id, name.to_string(), Instant::now()));
        id
    }

    /// The event an acknowledgement answers, and how long it took; `None` for an id this
    /// client is not waiting for.
    pub fn take(&self, id: u64) -> Option<(String, Duration)> {
        let mut book = self.book.lock().unpoisoned();
        let at = book.waiting.iter().position(|(i, _, _)| *i == id)?;
        let (_, name, sent) = book.waiting.remove(at);
        Some((name, sent.elapsed()))
    }

    /// The events whose acknowledgement is later than `timeout`, no longer waited for.
    pub fn expired(&self, timeout: Duration) -> Vec<(u64, String)> {
        let mut book = self.book.lock().unpoisoned();
        let now = Instant::now();
        let (late, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut book.waiting)
            .into_iter()
            .partition(|(_, _, sent)| now.duration_since(*sent) >= timeout);
        book.waiting = waiting;
        late.into_iter().map(|(id, name, _)| (id, name)).collect()
    }

    /// Whether any acknowledgement is still awaited.
    pub fn is_waiting(&self) -> bool {
        !self.book.lock().unpoisoned().waiting.is_empty()
    }

    /// A new connection: what the old one waited for will never come.
    pub fn clear(&self) {
        self.book.lock().unpoisoned().waiting.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fresh_and_taken_once() {
        let book = AckBook::default();
        let a = book.register("a");
        let b = book.register("b");
        assert_ne!(a, b);
        assert!(book.is_waiting());
        assert_eq!(book.take(b).unwrap().0, "b");
        assert_eq!(book.take(b), None);
        assert!(book.expired(Duration::from_secs(3600)).is_empty());
        assert_eq!(book.expired(Duration::ZERO), vec![(a, "a".to_string())]);
        assert!(!book.is_waiting());
        book.register("c");
        book.clear();
        assert!(!book.is_waiting());
    }
}

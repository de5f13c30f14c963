//! The project's one rule for a lock whose holder panicked: carry on with the data. Every lock
//! here guards state that each holder leaves consistent before it can panic (plain fields,
//! queues, caches), and a session or the language server must keep serving after a bug in one
//! handler rather than fail every later call. Written once, as [`Unpoisoned`], and used by the
//! language server too.

use std::sync::{LockResult, PoisonError};

/// The guard (or value) of a lock operation, whether or not a holder panicked:
/// `mutex.lock().unpoisoned()`, `rwlock.write().unpoisoned()`, `condvar.wait(g).unpoisoned()`.
pub trait Unpoisoned<T> {
    fn unpoisoned(self) -> T;
}

impl<T> Unpoisoned<T> for LockResult<T> {
    #[inline]
    fn unpoisoned(self) -> T {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_poisoned_lock_still_gives_its_data() {
        let shared = Arc::new(Mutex::new(1));
        let holder = shared.clone();
        let _ = std::thread::spawn(move || {
            let mut guard = holder.lock().unpoisoned();
            *guard = 2;
            panic!("poison the lock");
        })
        .join();
        assert!(shared.is_poisoned());
        assert_eq!(*shared.lock().unpoisoned(), 2);
    }
}

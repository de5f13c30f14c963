//! A small unbounded multi-producer, single-consumer queue for the session's command and
//! write paths. Compared with `tokio::sync::mpsc::unbounded_channel` it allocates nothing
//! until something is queued (an idle session keeps thousands of these), and the consumer
//! takes everything queued under one lock ([`Receiver::drain_into`]), which is how the writer
//! batches frames.
//!
//! Like a channel, the receiver sees the end (`None`) once every sender is dropped and the
//! queue is empty, and sending fails once the receiver is dropped. It must not block: the lock
//! is held only to move items.
//!
//! [`Sender::send`] never refuses an item for lack of room (commands and interactive sends are
//! few). A queue made with [`weighted`] also has a soft limit, in items and in a weight the
//! caller defines (bytes for the writer): [`Sender::send_if_room`] queues only below it and
//! otherwise hands back a [`Room`] to wait on, which is how a bulk sender gets backpressure
//! the way a socket write waits for buffer space.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

struct State<T> {
    items: VecDeque<T>,
    /// Sum of the weights of `items`.
    weight: usize,
    senders: usize,
    receiver_alive: bool,
    /// Someone waits in [`Room::wait`]: the receiver wakes them when it takes items.
    room_wanted: bool,
    /// [`Sender::release_waiters`] was called: waiting for room ends at once.
    waiters_released: bool,
}

impl<T> State<T> {
    fn has_room(&self, limit: &Limit<T>) -> bool {
        self.items.len() < limit.items && self.weight < limit.weight
    }
}

/// The soft limit of a queue: items and total weight below which `send_if_room` queues.
struct Limit<T> {
    items: usize,
    weight: usize,
    weigh: fn(&T) -> usize,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Notify,
    /// Wakes senders waiting for room.
    room: Notify,
    limit: Limit<T>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Creates a queue without a soft limit (`send_if_room` always finds room).
pub(crate) fn queue<T>() -> (Sender<T>, Receiver<T>) {
    weighted(usize::MAX, usize::MAX, |_| 0)
}

/// Creates a queue whose soft limit is `max_items` items or a total `weigh` of `max_weight`,
/// whichever is reached first.
pub(crate) fn weighted<T>(
    max_items: usize,
    max_weight: usize,
    weigh: fn(&T) -> usize,
) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            weight: 0,
            senders: 1,
            receiver_alive: true,
            room_wanted: false,
            waiters_released: false,
        }),
        ready: Notify::new(),
        room: Notify::new(),
        limit: Limit {
            items: max_items,
            weight: max_weight,
            weigh,
        },
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

/// The sending side; clones share the queue.
pub(crate) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("queue::Sender")
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let last = {
            let mut state = self.shared.lock();
            state.senders -= 1;
            state.senders == 0
        };
        if last {
            self.shared.ready.notify_one();
        }
    }
}

/// What [`Sender::send_if_room`] did.
pub(crate) enum Offer<T> {
    /// Queued.
    Queued,
    /// The queue is at its soft limit: the item comes back, with a handle to wait for room.
    Full(T, Room<T>),
    /// The receiver is gone: the item comes back.
    Closed(T),
}

impl<T> Sender<T> {
    /// Queues `item` whatever the queue holds; gives it back when the receiver is gone.
    pub(crate) fn send(&self, item: T) -> Result<(), T> {
        {
            let mut state = self.shared.lock();
            if !state.receiver_alive {
                return Err(item);
            }
            state.weight += (self.shared.limit.weigh)(&item);
            state.items.push_back(item);
        }
        self.shared.ready.notify_one();
        Ok(())
    }

    /// Queues `item` only while the queue is below its soft limit.
    pub(crate) fn send_if_room(&self, item: T) -> Offer<T> {
        {
            let mut state = self.shared.lock();
            if !state.receiver_alive {
                return Offer::Closed(item);
            }
            if !state.has_room(&self.shared.limit) {
                state.room_wanted = true;
                return Offer::Full(
                    item,
                    Room {
                        shared: self.shared.clone(),
                    },
                );
            }
            state.weight += (self.shared.limit.weigh)(&item);
            state.items.push_back(item);
        }
        self.shared.ready.notify_one();
        Offer::Queued
    }
}

impl<T> Sender<T> {
    /// Ends every wait for room, now and later, whether or not there is room: for when the
    /// owner stops accepting bulk sends on this queue and the waiters must look elsewhere.
    pub(crate) fn release_waiters(&self) {
        self.shared.lock().waiters_released = true;
        self.shared.room.notify_waiters();
    }
}

/// A handle to wait until a full queue has room again (or its receiver is gone). It does not
/// count as a sender: holding it does not keep the queue open.
pub(crate) struct Room<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Room<T> {
    /// Returns once the queue is below its soft limit, the receiver is gone, or the waiters
    /// were released.
    pub(crate) async fn wait(self) {
        loop {
            // Created before the check, so a wake-up between the check and the await is kept.
            let room = self.shared.room.notified();
            {
                let mut state = self.shared.lock();
                if !state.receiver_alive
                    || state.waiters_released
                    || state.has_room(&self.shared.limit)
                {
                    return;
                }
                state.room_wanted = true;
            }
            room.await;
        }
    }
}

/// The receiving side.
pub(crate) struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.receiver_alive = false;
            state.items = VecDeque::new();
            state.weight = 0;
        }
        self.shared.room.notify_waiters();
    }
}

impl<T> Receiver<T> {
    /// Takes the front item, waking senders that wait for room once there is some.
    fn pop(&self, state: &mut State<T>) -> Option<T> {
        let item = state.items.pop_front()?;
        state.weight -= (self.shared.limit.weigh)(&item);
        if state.room_wanted && state.has_room(&self.shared.limit) {
            state.room_wanted = false;
            self.shared.room.notify_waiters();
        }
        Some(item)
    }

    /// The next item; `None` once every sender is gone and the queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        loop {
            let ready = self.shared.ready.notified();
            {
                let mut state = self.shared.lock();
                if let Some(item) = self.pop(&mut state) {
                    return Some(item);
                }
                if state.senders == 0 {
                    return None;
                }
            }
            ready.await;
        }
    }

    /// The next item if one is queued.
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        let mut state = self.shared.lock();
        self.pop(&mut state)
    }

    /// Waits until something is queued, then moves everything queued to the end of `out`
    /// under one lock. Returns `false` (and moves nothing) once every sender is gone and the
    /// queue is empty.
    pub(crate) async fn drain_into(&mut self, out: &mut VecDeque<T>) -> bool {
        loop {
            let ready = self.shared.ready.notified();
            {
                let mut state = self.shared.lock();
                if !state.items.is_empty() {
                    if out.is_empty() {
                        std::mem::swap(out, &mut state.items);
                    } else {
                        out.extend(state.items.drain(..));
                    }
                    state.weight = 0;
                    if state.room_wanted {
                        state.room_wanted = false;
                        self.shared.room.notify_waiters();
                    }
                    return true;
                }
                if state.senders == 0 {
                    return false;
                }
            }
            ready.await;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn items_arrive_in_order_and_the_end_is_seen_after_the_last_sender() {
        let (tx, mut rx) = queue();
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        tx2.send(2).unwrap();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.try_recv(), Some(2));
        assert_eq!(rx.try_recv(), None);
        let waiter = tokio::spawn(async move {
            let mut got = VecDeque::new();
            while rx.drain_into(&mut got).await {}
            got
        });
        tokio::task::yield_now().await;
        tx.send(3).unwrap();
        tx2.send(4).unwrap();
        drop(tx);
        drop(tx2);
        assert_eq!(waiter.await.unwrap(), VecDeque::from([3, 4]));
    }

    #[test]
    fn sending_to_a_dropped_receiver_gives_the_item_back() {
        let (tx, rx) = queue();
        drop(rx);
        assert_eq!(tx.send(7), Err(7));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_offers_until_the_receiver_takes_items() {
        let (tx, mut rx) = weighted::<Vec<u8>>(2, 10, Vec::len);
        assert!(matches!(tx.send_if_room(vec![0; 4]), Offer::Queued));
        assert!(matches!(tx.send_if_room(vec![0; 4]), Offer::Queued));
        // Two items: at the item limit.
        let Offer::Full(back, room) = tx.send_if_room(vec![1; 4]) else {
            panic!("a third item was queued past the limit of two")
        };
        assert_eq!(back, vec![1; 4]);
        let waiter = tokio::spawn(room.wait());
        tokio::task::yield_now().await;
        assert!(
            !waiter.is_finished(),
            "the wait ended while the queue was full"
        );
        assert_eq!(rx.try_recv(), Some(vec![0; 4]));
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        // The weight limit: 4 + 8 > 10 is refused only once the total reaches the limit.
        assert!(matches!(tx.send_if_room(vec![0; 8]), Offer::Queued));
        assert!(matches!(tx.send_if_room(vec![0; 1]), Offer::Full(..)));
        // `send` ignores the limit.
        tx.send(vec![2; 1]).unwrap();
        let mut all = VecDeque::new();
        assert!(rx.drain_into(&mut all).await);
        assert_eq!(all.len(), 3);
        assert!(matches!(tx.send_if_room(vec![0; 9]), Offer::Queued));
    }

    #[tokio::test]
    async fn waiting_for_room_ends_when_waiters_are_released_or_the_receiver_goes() {
        let (tx, rx) = weighted::<u8>(1, usize::MAX, |_| 0);
        tx.send(1).unwrap();
        let Offer::Full(_, room) = tx.send_if_room(2) else {
            panic!("queued past the limit")
        };
        let waiter = tokio::spawn(room.wait());
        tokio::task::yield_now().await;
        tx.release_waiters();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();

        let (tx, rx2) = weighted::<u8>(1, usize::MAX, |_| 0);
        tx.send(1).unwrap();
        let Offer::Full(_, room) = tx.send_if_room(2) else {
            panic!("queued past the limit")
        };
        let waiter = tokio::spawn(room.wait());
        tokio::task::yield_now().await;
        drop(rx2);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(tx.send_if_room(3), Offer::Closed(3)));
        drop(rx);
    }
}

//! Instance slots: an invocation waits for a free slot of the pooling allocator instead
//! of failing when every pooled instance is in use (a capacity limit is not a crash).
//!
//! Waiting invocations form a first-in, first-out queue: a freed slot is handed to the
//! invocation that has waited longest, so none starves under steady load. The queue
//! itself never refuses anyone; how many may wait before *new* work is turned away is a
//! policy of the front door (`durabox serve --max-queue`, see [`SlotUsage::queue_full`]).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

/// A counting semaphore over the pool's component instances, fair to its waiters.
pub struct InstanceSlots {
    count: u32,
    state: Mutex<State>,
}

struct State {
    free: u32,
    /// Invocations waiting for a slot, oldest first.
    queue: VecDeque<Arc<Waiter>>,
}

/// One waiting invocation; a releasing holder hands its slot over by setting `granted`.
#[derive(Default)]
struct Waiter {
    granted: Mutex<bool>,
    wake: Condvar,
}

/// A held slot; dropping it frees the slot (or hands it to the oldest waiter).
pub struct Slot<'a>(&'a InstanceSlots);

/// How the slots are used at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotUsage {
    /// Invocations that can run at once (the pool's component instances).
    pub slots: u32,
    /// Invocations holding a slot.
    pub running: u32,
    /// Invocations waiting for a slot.
    pub queued: usize,
}

impl SlotUsage {
    /// Whether one more invocation would have to wait behind `max_queued` others already
    /// waiting: every slot is taken and the queue holds `max_queued` or more.
    pub fn queue_full(&self, max_queued: usize) -> bool {
        self.running >= self.slots && self.queued >= max_queued
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl InstanceSlots {
    pub fn new(count: u32) -> Self {
        let count = count.max(1);
        Self {
            count,
            state: Mutex::new(State {
                free: count,
                queue: VecDeque::new(),
            }),
        }
    }

    /// Blocks until a slot is free and takes it; waiters are served in arrival order.
    pub fn acquire(&self) -> Slot<'_> {
        let waiter = {
            let mut state = lock(&self.state);
            if state.free > 0 && state.queue.is_empty() {
                state.free -= 1;
                return Slot(self);
            }
            let waiter = Arc::new(Waiter::default());
            state.queue.push_back(waiter.clone());
            waiter
        };
        let mut granted = lock(&waiter.granted);
        while !*granted {
            granted = waiter.wake.wait(granted).unwrap_or_else(|p| p.into_inner());
        }
        Slot(self)
    }

    pub fn usage(&self) -> SlotUsage {
        let state = lock(&self.state);
        SlotUsage {
            slots: self.count,
            running: self.count - state.free,
            queued: state.queue.len(),
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        match state.queue.pop_front() {
            // The slot passes straight to the oldest waiter: `free` does not change.
            Some(waiter) => {
                *lock(&waiter.granted) = true;
                waiter.wake.notify_one();
            }
            None => state.free += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    #[test]
    fn never_more_holders_than_slots() {
        let slots = Arc::new(InstanceSlots::new(2));
        let (inside, peak) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (slots, inside, peak) = (slots.clone(), inside.clone(), peak.clone());
                std::thread::spawn(move || {
                    let _slot = slots.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        let usage = slots.usage();
        assert_eq!((usage.running, usage.queued), (0, 0));
    }

    /// Waits until `usage` holds (or panics after 10 s).
    fn wait_for(slots: &InstanceSlots, what: &str, done: impl Fn(SlotUsage) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(slots.usage()) {
            assert!(Instant::now() < deadline, "{what}: {:?}", slots.usage());
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn waiters_are_counted_and_served_in_arrival_order() {
        let slots = Arc::new(InstanceSlots::new(1));
        let held = slots.acquire();
        assert!(slots.usage().queue_full(0));
        assert!(!slots.usage().queue_full(1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for i in 0..4 {
            let (slots2, order) = (slots.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _slot = slots2.acquire();
                order.lock().unwrap().push(i);
            }));
            // Each thread queues before the next starts, so arrival order is 0, 1, 2, 3.
            wait_for(&slots, "the waiter to queue", |u| u.queued == i + 1);
        }
        let usage = slots.usage();
        assert_eq!((usage.slots, usage.running, usage.queued), (1, 1, 4));
        assert!(usage.queue_full(4) && !usage.queue_full(5));
        drop(held);
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
        assert!(!slots.usage().queue_full(0));
    }
}

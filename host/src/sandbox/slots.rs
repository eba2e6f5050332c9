//! Instance slots: an invocation waits for a free slot of the pooling allocator instead
//! of failing when every pooled instance is in use (a capacity limit is not a crash).

use std::sync::{Condvar, Mutex};

/// A counting semaphore over the pool's component instances.
pub struct InstanceSlots {
    free: Mutex<u32>,
    freed: Condvar,
}

/// A held slot; dropping it frees the slot.
pub struct Slot<'a>(&'a InstanceSlots);

impl InstanceSlots {
    pub fn new(count: u32) -> Self {
        Self {
            free: Mutex::new(count.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Blocks until a slot is free and takes it.
    pub fn acquire(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

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
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}

//! Reused driver threads: each execution is driven on a thread of its own, but threads
//! are kept for a while after their execution ends and handed the next one, instead of
//! a new thread per execution (creating and tearing one down was ~20 % of a quickstart
//! execution: clone, stack mmap/munmap, the allocator's per-thread arena release).
//!
//! A new execution takes an idle thread when there is one and starts a new thread
//! otherwise, so executions never wait for each other here (an execution may block for
//! its whole life: a wait, a callback, a slot of the instance pool). A thread idle for
//! [`IDLE_LIMIT`] ends.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// How long an idle driver thread waits for a new execution before it ends.
pub const IDLE_LIMIT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    /// Jobs handed to idle threads, not yet taken.
    jobs: VecDeque<Job>,
    /// Threads waiting for a job (each queued job has one of them reserved).
    idle: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State {
            jobs: VecDeque::new(),
            idle: 0,
        }),
        wake: Condvar::new(),
    })
}

fn lock(pool: &Pool) -> MutexGuard<'_, State> {
    pool.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `job` on an idle driver thread, or on a new one (named `name`) when none is idle.
pub fn spawn(name: &str, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let pool = pool();
    let job: Job = Box::new(job);
    {
        let mut state = lock(pool);
        if state.idle > state.jobs.len() {
            state.jobs.push_back(job);
            drop(state);
            pool.wake.notify_one();
            return Ok(());
        }
    }
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || worker(pool, job))?;
    Ok(())
}

fn worker(pool: &'static Pool, mut job: Job) {
    loop {
        // A panic ends that execution's driving (as it ended its thread before); the
        // thread itself stays usable.
        let _ = catch_unwind(AssertUnwindSafe(job));
        let mut state = lock(pool);
        state.idle += 1;
        job = loop {
            if let Some(next) = state.jobs.pop_front() {
                state.idle -= 1;
                break next;
            }
            let (guard, timeout) = pool
                .wake
                .wait_timeout(state, IDLE_LIMIT)
                .unwrap_or_else(|p| p.into_inner());
            state = guard;
            if timeout.timed_out() && state.jobs.is_empty() {
                state.idle -= 1;
                return;
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};

    #[test]
    fn threads_are_reused_and_blocked_jobs_do_not_block_others() {
        // A job blocked until the end must not keep the next ones from running.
        let (release, blocked) = mpsc::channel::<()>();
        spawn("test-driver", move || {
            let _ = blocked.recv();
        })
        .unwrap();
        let (done, finished) = mpsc::channel::<std::thread::ThreadId>();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let (done, ran) = (done.clone(), ran.clone());
            spawn("test-driver", move || {
                ran.fetch_add(1, Ordering::SeqCst);
                done.send(std::thread::current().id()).unwrap();
            })
            .unwrap();
            // One after the other: the thread that ran the last job is idle again.
            finished.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 20);
        // A panicking job leaves the pool working.
        spawn("test-driver", || {
            panic!("a driver panicked (expected by this test)")
        })
        .unwrap();
        let done2 = done.clone();
        spawn("test-driver", move || {
            done2.send(std::thread::current().id()).unwrap()
        })
        .unwrap();
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        release.send(()).unwrap();
    }
}

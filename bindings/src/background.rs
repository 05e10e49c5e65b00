//! Running the core's blocking network work off the caller's thread, as a
//! future the foreign language awaits (Swift `async`, Kotlin `suspend`,
//! Python `await`).
//!
//! The core's sync is blocking and calls the app's blocking [`crate::Transport`];
//! a whole async runtime (tokio) would only add weight to the phone library.
//! Instead each call gets one plain thread, and its result comes back through a
//! one-shot channel whose receiving end is a future. uniffi polls that future
//! from the foreign executor, so no Rust executor is needed at all.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::error::RapportError;

/// A panic payload caught on the worker thread, handed back to the awaiting
/// call so it surfaces exactly as a panic on the calling thread would.
type Panic = Box<dyn Any + Send + 'static>;

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    /// The sender is gone without sending (cannot happen while the worker
    /// catches panics, but a receiver must never wait forever).
    closed: bool,
}

fn lock<T>(slot: &Mutex<Slot<T>>) -> MutexGuard<'_, Slot<T>> {
    // Nothing runs user code while holding this lock, so a poisoned lock
    // still holds a consistent slot.
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sending half: used once, by the worker thread.
struct Sender<T>(Arc<Mutex<Slot<T>>>);

/// The receiving half: a future of the value, or `None` if the sender was
/// dropped without sending.
struct Receiver<T>(Arc<Mutex<Slot<T>>>);

fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
        closed: false,
    }));
    (Sender(slot.clone()), Receiver(slot))
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        lock(&self.0).value = Some(value);
        // Drop wakes the receiver.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = lock(&self.0);
            slot.closed = true;
            slot.waker.take()
        };
        // Wake after releasing the lock: waking calls into the foreign
        // executor, which may poll (and so lock) again on this very thread.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = lock(&self.0);
        if let Some(value) = slot.value.take() {
            Poll::Ready(Some(value))
        } else if slot.closed {
            Poll::Ready(None)
        } else {
            slot.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Runs `job` on a new thread and resolves to its result.
///
/// A panic in `job` is caught on the worker and resumed in the awaiting
/// future, where uniffi turns it into the foreign language's internal error,
/// like a panic in any other call. If the awaiting side is cancelled the job
/// still runs to its end: the core's sync is safe to interrupt only between
/// its own transactions, never in the middle of one.
pub(crate) async fn run_in_background<T, F>(name: &str, job: F) -> Result<T, RapportError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RapportError> + Send + 'static,
{
    let (sender, receiver) = channel::<Result<Result<T, RapportError>, Panic>>();
    std::thread::Builder::new()
        .name(format!("rapport-{name}"))
        .spawn(move || {
            sender.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
        })
        .map_err(|e| RapportError::Storage {
            reason: format!("could not start a background thread for {name} ({e}); try again"),
        })?;
    match receiver.await {
        Some(Ok(result)) => result,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => Err(RapportError::Storage {
            reason: format!("{name} stopped before finishing; try again"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A minimal executor: blocks the test thread until the future is ready,
    /// counting wake-ups.
    struct ThreadWaker {
        thread: std::thread::Thread,
        wakes: AtomicUsize,
    }

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            self.thread.unpark();
        }
    }

    fn block_on<F: Future>(future: F) -> (F::Output, usize) {
        let waker = Arc::new(ThreadWaker {
            thread: std::thread::current(),
            wakes: AtomicUsize::new(0),
        });
        let task_waker = Waker::from(waker.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return (out, waker.wakes.load(Ordering::SeqCst));
            }
            std::thread::park();
        }
    }

    #[test]
    fn the_result_of_the_background_job_arrives_and_wakes_the_caller() {
        let (out, wakes) = block_on(run_in_background("test", || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(42)
        }));
        assert_eq!(out, Ok(42));
        assert!(wakes >= 1);
    }

    #[test]
    fn an_error_of_the_job_is_returned_as_is() {
        let (out, _) = block_on(run_in_background::<(), _>("test", || {
            Err(RapportError::Network {
                reason: "offline".into(),
            })
        }));
        assert_eq!(
            out,
            Err(RapportError::Network {
                reason: "offline".into()
            })
        );
    }

    #[test]
    fn a_panic_in_the_job_resurfaces_in_the_awaiting_caller() {
        let caught = std::panic::catch_unwind(|| {
            block_on(run_in_background::<(), _>("test", || panic!("boom")))
        });
        let payload = caught.expect_err("the panic must reach the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[test]
    fn a_dropped_sender_ends_the_wait() {
        let (sender, receiver) = channel::<u8>();
        drop(sender);
        let (out, _) = block_on(receiver);
        assert_eq!(out, None);
    }
}

//! One piece of work per item, spread over the cores, results in order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads used, however many cores there are.
const MAX_THREADS: usize = 8;

/// How many threads [`map_in_order`] uses here (1: it maps on the caller's).
/// Asked once: on Linux the answer reads the cgroup's files, and a sync
/// asks twice a page.
pub(super) fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(MAX_THREADS)
    })
}

/// `work(index, item)` for every item, on [`threads`] threads that each take
/// the next `take` items whenever they are ready (with fixed shares, a
/// thread sharing its core with other work finishes last while the others
/// idle). The results in the items' order, or `None` if a thread crashed:
/// the caller then does the work again itself.
pub(super) fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    take: usize,
    work: impl Fn(usize, &T) -> R + Sync,
) -> Option<Vec<R>> {
    map_in_order_beside(items, take, work, || ()).1
}

/// [`map_in_order`] while the caller's thread does `own` first: the other
/// threads start on the items at once, and the caller joins them when `own`
/// is done. So exactly [`threads`] threads run, never one per core plus a
/// waiting one: on a shared or virtual machine every thread woken costs
/// time, and a thread too many takes its turns from the others.
pub(super) fn map_in_order_beside<T: Sync, R: Send, O>(
    items: &[T],
    take: usize,
    work: impl Fn(usize, &T) -> R + Sync,
    own: impl FnOnce() -> O,
) -> (O, Option<Vec<R>>) {
    let take = take.max(1);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut mine = Vec::new();
        loop {
            let start = next.fetch_add(take, Ordering::Relaxed);
            if start >= items.len() {
                return mine;
            }
            let end = items.len().min(start + take);
            mine.extend((start..end).map(|i| (i, work(i, &items[i]))));
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads()).map(|_| scope.spawn(worker)).collect();
        let own = own();
        // The caller's share: a crash in it counts as a helper's would.
        let caller = std::panic::catch_unwind(std::panic::AssertUnwindSafe(worker));
        // Every thread joined before any result is looked at: a crash left
        // unjoined would make the scope itself panic.
        let mut done: Vec<_> = helpers.into_iter().map(|h| h.join()).collect();
        done.push(caller);
        let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
        for shared in done {
            let Ok(shared) = shared else {
                return (own, None);
            };
            for (i, result) in shared {
                slots[i] = Some(result);
            }
        }
        (own, slots.into_iter().collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whoever_did_the_work() {
        for len in [0, 1, 5, 16, 1000] {
            let items: Vec<u64> = (0..len).collect();
            for take in [0, 1, 4, 64] {
                let doubled = map_in_order(&items, take, |i, x| {
                    assert_eq!(i as u64, *x);
                    x * 2
                });
                let expected: Vec<u64> = items.iter().map(|x| x * 2).collect();
                assert_eq!(doubled, Some(expected), "{len} items, {take} at a time");
            }
        }
    }

    #[test]
    fn the_callers_own_work_comes_back_beside_the_results() {
        let items: Vec<u32> = (0..50).collect();
        let (own, squares) = map_in_order_beside(&items, 3, |_, x| x * x, || "applied");
        assert_eq!(own, "applied");
        assert_eq!(squares, Some(items.iter().map(|x| x * x).collect()));
    }

    #[test]
    fn a_crashed_thread_gives_no_results_rather_than_some() {
        let items: Vec<u32> = (0..100).collect();
        let results = map_in_order(&items, 1, |_, &x| {
            if x == 57 || x == 58 {
                panic!("item {x} crashes its thread");
            }
            x
        });
        assert_eq!(results, None);
    }
}

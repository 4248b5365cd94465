//! Running one job per item on a pool of threads, the way every multi-file operation does it
//! (convert runs, checks, batch loudness measurement, the server).
//!
//! Guarantees of [`ordered`]:
//! - At most the asked number of worker threads (0: one per CPU core), each item taken as a
//!   thread becomes free, one at a time (a long file never holds others back in a queue).
//! - A panic in one item's job (a bug) is caught and turned into that item's result by the
//!   caller's `on_panic`: the other items go on, and the process does not abort.
//! - Results are handed to `on_ready` in input order, each as soon as it and all before it are
//!   done, on the calling thread; `on_done` sees each as it finishes (any order), also on the
//!   calling thread. Every result is returned, in input order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

/// The most worker threads a run starts, whatever `--jobs` asks.
pub const MAX_THREADS: usize = 64;

/// The worker threads to start for `items` items when `jobs` are asked (0: one per core): at
/// most [`MAX_THREADS`], never more than the items, at least one.
pub fn threads_for(jobs: usize, items: usize) -> usize {
    let wanted = if jobs == 0 { rayon::current_num_threads().max(1) } else { jobs };
    wanted.clamp(1, MAX_THREADS).min(items.max(1))
}

/// Runs `work` on every item of `items` on `threads` worker threads (0: one per core), isolating
/// panics (`on_panic` gives the result of an item whose job panicked) and keeping input order
/// (see the module's guarantees).
pub fn ordered<T, R>(
    items: &[T],
    threads: usize,
    work: impl Fn(usize, &T) -> R + Sync,
    on_panic: impl Fn(usize, &T) -> R + Sync,
    on_done: &mut dyn FnMut(&R),
    on_ready: &mut dyn FnMut(&R),
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    let mut next = 0;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        let (work, on_panic) = (&work, &on_panic);
        scope.spawn(move || {
            let run = || {
                use rayon::prelude::*;
                items.par_iter().enumerate().with_max_len(1).for_each_with(tx, |tx, (i, item)| {
                    let result = catch_unwind(AssertUnwindSafe(|| work(i, item)))
                        .unwrap_or_else(|_| on_panic(i, item));
                    // The receiver lives until every sender is gone: a send cannot fail.
                    let _ = tx.send((i, result));
                });
            };
            match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool.install(run),
                Err(_) => run(),
            }
        });
        for (i, result) in rx {
            on_done(&result);
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(result);
            }
            while let Some(Some(r)) = slots.get(next) {
                on_ready(r);
                next += 1;
            }
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_and_isolates_panics() {
        let items: Vec<u32> = (0..50).collect();
        let mut ready = Vec::new();
        let mut done = 0;
        let out = ordered(
            &items,
            3,
            |i, &x| {
                assert_ne!(x % 7, 3, "a bug");
                // Later items finish first.
                std::thread::sleep(std::time::Duration::from_micros(u64::from(50 - x) * 20));
                i as u32 * 10
            },
            |_, &x| 1_000_000 + x,
            &mut |_| done += 1,
            &mut |r| ready.push(*r),
        );
        let expected: Vec<u32> =
            items.iter().map(|&x| if x % 7 == 3 { 1_000_000 + x } else { x * 10 }).collect();
        assert_eq!(out, expected);
        assert_eq!(ready, expected);
        assert_eq!(done, 50);
    }

    #[test]
    fn no_items_no_results() {
        let out: Vec<u8> = ordered(&[] as &[u8], 0, |_, &x| x, |_, &x| x, &mut |_| {}, &mut |_| {});
        assert!(out.is_empty());
    }
}

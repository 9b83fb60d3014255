//! Work spread over threads with the standard library alone, for every crate: the
//! results never depend on the number of threads, so a prediction made on one core is
//! byte for byte the prediction made on many.
//!
//! Two shapes: [`run_parallel`] hands out indexes one at a time (parts of uneven cost,
//! such as clusters or files), [`in_chunks`] cuts a slice into one run per thread (many
//! items of even cost, such as thousands of Applications).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `job(0..count)` on up to `workers` threads (one when 0 or 1), the calling thread one
/// of them; results in index order. A thread the system refuses leaves its share to the
/// others.
pub fn run_parallel<T: Send>(
    count: usize,
    workers: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let workers = workers.clamp(1, count.max(1));
    if workers == 1 {
        return (0..count).map(job).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= count {
                return done;
            }
            done.push((index, job(index)));
        }
    };
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut results = work();
        for handle in handles {
            results.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    });
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// `job` on consecutive chunks of `items`, one chunk per thread on up to `workers`
/// threads, the calling thread taking the last; the results in the order of the chunks.
/// With one worker (or one item) `job` runs once, on all of `items`, on this thread. A
/// chunk whose thread the system refuses is done on the calling thread.
pub fn in_chunks<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    job: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    if workers == 1 {
        return vec![job(items)];
    }
    let chunk = items.len().div_ceil(workers);
    let job = &job;
    std::thread::scope(|scope| {
        let mut chunks: Vec<&[T]> = items.chunks(chunk).collect();
        let last = chunks.pop().unwrap_or_default();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|items| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || job(items))
                    .map_err(|_| items)
            })
            .collect();
        let mine = job(last);
        let mut results: Vec<R> = handles
            .into_iter()
            .map(|handle| match handle {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(items) => job(items),
            })
            .collect();
        results.push(mine);
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_come_back_in_order_whatever_the_threads() {
        let one = run_parallel(17, 1, |i| i * i);
        assert_eq!(one, (0..17).map(|i| i * i).collect::<Vec<_>>());
        for workers in [0, 2, 3, 64] {
            assert_eq!(run_parallel(17, workers, |i| i * i), one);
        }
        assert!(run_parallel(0, 4, |i| i).is_empty());
    }

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..103).collect();
        for workers in [0, 1, 2, 3, 8, 200] {
            let parts = in_chunks(&items, workers, <[u32]>::to_vec);
            assert!(parts.len() <= workers.max(1), "{workers} workers");
            assert_eq!(parts.concat(), items, "{workers} workers");
        }
        // Two workers share the work.
        assert_eq!(in_chunks(&items, 2, <[u32]>::len), vec![52, 51]);
        // Nothing to do is one empty run, so a caller can always flatten the parts.
        assert_eq!(in_chunks(&[] as &[u32], 4, <[u32]>::len), vec![0]);
    }
}

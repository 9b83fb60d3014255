//! Work spread over threads with the standard library alone: the simulation is a pure
//! function of its inputs, so independent parts (clusters) settle on their own threads
//! and their results are taken back in order.

/// `job(0..count)` on up to `workers` threads (one when 0 or 1), results in index order:
/// the result does not depend on the number of threads.
pub(crate) fn run_parallel<T: Send>(
    count: usize,
    workers: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let workers = workers.clamp(1, count.max(1));
    if workers == 1 {
        return (0..count).map(job).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if index >= count {
                return done;
            }
            done.push((index, job(index)));
        }
    };
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        // The calling thread is one of the workers; a thread the system refuses leaves
        // its share to the others.
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
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_results_come_in_index_order_whatever_the_threads() {
        let one = run_parallel(17, 1, |i| i * i);
        assert_eq!(one, (0..17).map(|i| i * i).collect::<Vec<_>>());
        for workers in [0, 2, 3, 64] {
            assert_eq!(run_parallel(17, workers, |i| i * i), one);
        }
        assert!(run_parallel(0, 4, |i| i).is_empty());
    }
}

//! The initial sync stays linear in the cluster (issue #14's CI check for the
//! live path): a ratio of two sizes timed in the same run, so the build
//! profile and the machine's speed cancel out.

use super::*;

/// One `list_once` (paged lists, decode, conversion, index input): its time
/// and the pods it gave.
async fn timed_sync(o: &LiveOptions) -> (Duration, usize) {
    let t = Instant::now();
    let state = live::list_once(o).await.expect("list_once");
    (t.elapsed(), state.snapshot.pods.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_stays_linear_in_the_cluster() {
    // 1,000 and 8,000 team pods (2 and 16 pages of 500), plus the CNI agent.
    let (small, big) = (FakeApiServer::start().await, FakeApiServer::start().await);
    populate(&small, 500);
    populate(&big, 4_000);
    let (os, ob) = (
        opts(&small.write_kubeconfig(CONTEXT)),
        opts(&big.write_kubeconfig(CONTEXT)),
    );
    // Interleaved, best of 3: the machine's speed drifts.
    let (mut ts, mut tb) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let (t, n) = timed_sync(&os).await;
        assert_eq!(n, 1_001);
        ts = ts.min(t);
        let (t, n) = timed_sync(&ob).await;
        assert_eq!(n, 8_001);
        tb = tb.min(t);
    }
    let ratio = tb.as_secs_f64() / ts.as_secs_f64();
    eprintln!("initial sync: 1,001 pods {ts:?}, 8,001 pods {tb:?}, ratio {ratio:.2}");
    // Linear is 8x; a step quadratic in the objects (a rescan per page, a
    // lookup per object in a list) is 64x, and a tenth of the small sync's
    // time spent in one already makes 14x.
    assert!(ratio < 14.0, "8x the pods took {ratio:.1}x the time");
}

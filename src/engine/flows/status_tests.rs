use super::*;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::fixture::{index, labels};
use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::model::{Event, PolicyKey};

#[test]
fn precedence_of_statuses() {
    use Observed::*;
    assert_eq!(Status::of(Forwarded, true, None), Status::Ok);
    assert_eq!(
        Status::of(Forwarded, false, None),
        Status::ForwardedButDenied
    );
    assert_eq!(Status::of(Mixed, false, None), Status::ForwardedButDenied);
    assert_eq!(Status::of(Dropped, true, None), Status::DroppedButAllowed);
    assert_eq!(Status::of(Dropped, false, None), Status::DroppedAndDenied);
    assert_eq!(Status::of(Forwarded, true, Some(false)), Status::WouldBeCut);
    assert_eq!(
        Status::of(Dropped, false, Some(true)),
        Status::WouldBeOpened
    );
    assert_eq!(Status::of(Forwarded, true, Some(true)), Status::Ok);
}

fn pod(ns: &str, name: &str, app: &str) -> FlowEnd {
    FlowEnd::Pod {
        namespace: ns.into(),
        name: Some(name.into()),
        labels: Some(labels(&[("app", app)])),
        workload: None,
    }
}

fn recording() -> Recorded {
    let mut rec = Recorded::default();
    let k = |from, port| ConnKey {
        from,
        to: pod("payments", "api-0", "api"),
        protocol: Protocol::Tcp,
        port,
    };
    // Allowed and forwarded, by two pods of the same Deployment.
    rec.add(
        k(pod("shop", "frontend-5c6b7d8f9-abcde", "frontend"), 8443),
        5,
        false,
        Some(2_000_000_000),
    );
    rec.add(
        k(pod("shop", "frontend-old-1", "frontend"), 8443),
        2,
        false,
        Some(1_000_000_000),
    );
    // Denied (wrong port) but forwarded: the plugin did not enforce.
    rec.add(
        k(pod("shop", "frontend-5c6b7d8f9-abcde", "frontend"), 9090),
        1,
        false,
        None,
    );
    // Denied and dropped.
    rec.add(k(pod("shop", "legacy-1", "legacy"), 8443), 3, true, None);
    // Allowed but dropped (a policy kind the tool does not read).
    rec.add(
        k(pod("shop", "frontend-5c6b7d8f9-abcde", "frontend"), 8443),
        1,
        true,
        None,
    );
    rec
}

#[test]
fn rows_per_workload_with_statuses_and_reasons() {
    let att = attribute(&index(), &recording());
    let rows = rows(&att, None, Granularity::Workload);
    let got: Vec<(String, String, u16, u64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.from.clone(),
                r.to.clone(),
                r.port,
                r.stats.count(),
                r.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "shop/frontend[Deployment]".into(),
                "payments/api[Deployment]".into(),
                9090,
                1,
                "forwarded-but-denied"
            ),
            (
                "shop/frontend[Deployment]".into(),
                "payments/api[Deployment]".into(),
                8443,
                8,
                "dropped-but-allowed"
            ),
            (
                "shop/legacy-1[Pod]".into(),
                "payments/api[Deployment]".into(),
                8443,
                3,
                "dropped-and-denied"
            ),
        ]
    );
    assert_eq!(rows[1].observed, Observed::Mixed);
    assert!(rows[0].because.contains("isolated by payments/api-allow, payments/default-deny, no rule allows shop/frontend[Deployment] on TCP 9090"), "{}", rows[0].because);
    assert!(
        rows[1]
            .because
            .contains("allowed by payments/api-allow rule 1"),
        "{}",
        rows[1].because
    );
    assert_eq!(rows[1].stats.first, Some(1_000_000_000));
    let s = summary(&rows);
    assert_eq!(s.len(), 6);
    assert_eq!(s[&Status::Ok], 0);
    assert_eq!(s[&Status::ForwardedButDenied], 1);
}

#[test]
fn a_proposal_that_removes_the_allow_cuts_recorded_traffic() {
    let att = attribute(&index(), &recording());
    let mut after = att.index.clone();
    after.apply(Event::DeletePolicy(PolicyKey::new("payments", "api-allow")));
    let rows = rows(&att, Some(&after), Granularity::Pod);
    let cut: Vec<&FlowRow> = rows
        .iter()
        .filter(|r| r.status == Status::WouldBeCut)
        .collect();
    // The old pod counts for the live one with the same labels.
    assert_eq!(cut.len(), 1, "{rows:#?}");
    assert_eq!(
        (cut[0].from.as_str(), cut[0].port, cut[0].stats.count()),
        ("shop/frontend-5c6b7d8f9-abcde", 8443, 8)
    );
    assert!(
        cut[0].because.starts_with(
            "after the change, ingress of payments/api-0: isolated by payments/default-deny"
        ),
        "{}",
        cut[0].because
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == Status::WouldBeOpened)
            .count(),
        0
    );
}

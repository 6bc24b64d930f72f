//! What recorded flows prove about enforcement: `policy-not-enforced` for
//! each connection that passed although the policies deny it, and the
//! evidence for `no-enforcing-cni`.

use super::status::{FlowRow, Status};
use crate::engine::findings::{Finding, NO_ENFORCING_CNI, Severity};
use crate::engine::text::plural;

pub const POLICY_NOT_ENFORCED: &str = "policy-not-enforced";

/// The namespace whose policy denies the row (from its explanation).
fn denying_namespace(r: &FlowRow) -> Option<String> {
    if r.because.starts_with("egress of ") {
        r.namespaces.0.clone()
    } else {
        r.namespaces.1.clone().or_else(|| r.namespaces.0.clone())
    }
}

/// Adds the findings recorded flows prove to `findings` (from `lint`).
pub fn add_findings(findings: &mut Vec<Finding>, rows: &[FlowRow]) {
    let passed: Vec<&FlowRow> = rows
        .iter()
        .filter(|r| r.status == Status::ForwardedButDenied)
        .collect();
    for r in &passed {
        findings.push(Finding {
            id: POLICY_NOT_ENFORCED,
            severity: Severity::High,
            namespace: denying_namespace(r),
            policy: None,
            pod: None,
            message: format!(
                "recorded traffic passed that the policies deny: {} -> {} {}/{} ({} forwarded); {}",
                r.from,
                r.to,
                r.protocol,
                r.port,
                plural(r.stats.forwarded as usize, "connection", "connections"),
                r.because
            ),
            why: "the network plugin does not enforce these policies (or has not programmed them yet, or other policy kinds allow it): what the policies promise is not what happens".into(),
            fix: Some("check that the CNI enforces NetworkPolicy on this node pool and that the policy is programmed (e.g. `cilium policy get`, the agent's logs)".into()),
            pods: vec![],
        });
    }
    if passed.is_empty() {
        return;
    }
    let denied_dropped = rows
        .iter()
        .any(|r| matches!(r.status, Status::DroppedAndDenied) || r.stats.dropped > 0);
    let n: u64 = passed.iter().map(|r| r.stats.forwarded).sum();
    let evidence = format!(
        "recorded flows: {} the policies deny went through",
        plural(n as usize, "connection", "connections")
    );
    if let Some(f) = findings.iter_mut().find(|f| f.id == NO_ENFORCING_CNI) {
        f.severity = Severity::High;
        f.message = format!("{}; {evidence}", f.message);
    } else if !denied_dropped {
        // Nothing was ever dropped, yet denied traffic passed: the plugin
        // most likely does not enforce at all.
        findings.push(Finding {
            id: NO_ENFORCING_CNI,
            severity: Severity::Medium,
            namespace: None,
            policy: None,
            pod: None,
            message: format!("{evidence}, and no recorded connection was dropped by policy: the network plugin does not seem to enforce NetworkPolicy"),
            why: "the policies are accepted by the API server but nothing enforces them: all traffic flows".into(),
            fix: Some("install a CNI that enforces NetworkPolicy, or add one in policy-only mode (e.g. Calico or Cilium chained with flannel)".into()),
            pods: vec![],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::flows::ConnStats;
    use crate::engine::flows::status::Observed;
    use crate::engine::model::Protocol;

    fn row(status: Status, forwarded: u64, dropped: u64) -> FlowRow {
        FlowRow {
            from: "shop/a[Deployment]".into(),
            to: "payments/b[Deployment]".into(),
            protocol: Protocol::Tcp,
            port: 80,
            stats: ConnStats { forwarded, dropped, ..ConnStats::default() },
            observed: Observed::Forwarded,
            allowed: false,
            because: "ingress of payments/b[Deployment]: isolated by payments/deny, no rule allows shop/a[Deployment] on TCP 80".into(),
            after: None,
            status,
            namespaces: (Some("shop".into()), Some("payments".into())),
        }
    }

    #[test]
    fn forwarded_but_denied_is_policy_not_enforced_and_evidence_for_the_cni() {
        let mut f = vec![];
        add_findings(&mut f, &[row(Status::Ok, 3, 0)]);
        assert!(f.is_empty());
        add_findings(&mut f, &[row(Status::ForwardedButDenied, 2, 0)]);
        let ids: Vec<&str> = f.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![POLICY_NOT_ENFORCED, NO_ENFORCING_CNI]);
        assert_eq!(f[0].namespace.as_deref(), Some("payments"));
        // Some denied traffic was dropped: enforcement works somewhere, so
        // no plugin-wide claim.
        let mut f = vec![];
        add_findings(
            &mut f,
            &[
                row(Status::ForwardedButDenied, 2, 0),
                row(Status::DroppedAndDenied, 0, 1),
            ],
        );
        assert_eq!(f.len(), 1);
    }
}

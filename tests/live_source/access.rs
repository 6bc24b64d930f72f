//! RBAC fallbacks, unreachable servers, credentials, read-only access, kubectl.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_cluster_wide_falls_back_to_the_namespace_in_focus() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 4);
    fake.forbid(Kind::Pod, Scope::Cluster);
    fake.forbid(Kind::NetworkPolicy, Scope::Cluster);
    let kc = fake.write_kubeconfig(CONTEXT);

    // Without -n: a clear error with the RBAC fix.
    let err = live::list_once(&opts(&kc)).await.expect_err("forbidden");
    assert!(
        matches!(
            err,
            LiveError::Forbidden {
                resource: ResourceKind::Pods | ResourceKind::NetworkPolicies,
                verb: "list",
                namespace: None,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    for needle in [
        "forbidden",
        "list",
        CONTEXT,
        "assets/rbac.yaml",
        "-n NAMESPACE",
        "cluster scope",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }

    // With -n: that namespace only, and a note saying so.
    let mut o = opts(&kc);
    o.namespace = Some("team-a".into());
    let state = live::list_once(&o).await.expect("fallback");
    assert!(state.snapshot.pods.iter().all(|p| p.namespace == "team-a"));
    assert_eq!(state.snapshot.pods.len(), 4);
    assert_eq!(state.snapshot.policies.len(), 1);
    assert_eq!(
        state.snapshot.namespaces.len(),
        3,
        "namespaces are still listed cluster-wide"
    );
    assert_eq!(state.health.pods.scope.as_deref(), Some("team-a"));
    for kind in ["pods", "networkpolicies"] {
        assert!(
            state
                .notes
                .iter()
                .any(|n| n.contains(kind) && n.contains("namespace \"team-a\" only")),
            "{kind}: {:?}",
            state.notes
        );
    }
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/team-a/pods")
    );

    // Watching falls back the same way, and follows changes there.
    let mut f = Follower::new(o.clone());
    f.until_live().await;
    let h = f.health.clone().unwrap();
    assert_eq!(h.pods.scope.as_deref(), Some("team-a"));
    assert!(
        h.notes()
            .iter()
            .any(|n| n.contains("namespace \"team-a\" only"))
    );
    assert!(
        f.index
            .snapshot()
            .pods
            .iter()
            .all(|p| p.namespace == "team-a")
    );
    fake.create_value(pod("team-a", "later", "web", "10.1.90.1"));
    f.until("namespaced watch event", |i, _| {
        has_pod(i, "team-a", "later")
    })
    .await;
    assert_same(
        &f.index.snapshot(),
        &live::list_once(&o).await.unwrap().snapshot,
    );

    // Forbidden there too: the message names the namespace.
    fake.forbid(Kind::Pod, Scope::Namespace("team-b".into()));
    o.namespace = Some("team-b".into());
    let err = live::list_once(&o).await.expect_err("forbidden in team-b");
    assert!(err.to_string().contains("in namespace \"team-b\""), "{err}");
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_namespaces_leave_namespace_selectors_uncertain() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 2);
    fake.forbid(Kind::Namespace, Scope::Cluster);
    let mut o = opts(&fake.write_kubeconfig(CONTEXT));
    o.namespace = Some("team-a".into());

    let state = live::list_once(&o)
        .await
        .expect("goes on without namespaces");
    assert!(state.namespaces_uncertain());
    assert_eq!(state.snapshot.namespaces.len(), 1);
    assert_eq!(state.snapshot.namespaces[0].name, "team-a");
    assert_eq!(
        state.snapshot.namespaces[0]
            .labels
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("team-a")
    );
    assert!(
        state.notes.iter().any(|n| n.contains("uncertain")),
        "{:?}",
        state.notes
    );
    assert!(matches!(
        state.health.namespaces.state,
        SyncState::Forbidden { .. }
    ));
    assert_eq!(
        state.snapshot.pods.len(),
        5,
        "pods are still listed cluster-wide"
    );

    let mut f = Follower::new(o.clone());
    f.until("pods and policies live, namespaces uncertain", |_, h| {
        h.is_some_and(|h| {
            h.namespaces_uncertain
                && h.pods.state == SyncState::Live
                && h.policies.state == SyncState::Live
                && matches!(&h.namespaces.state, SyncState::Forbidden { message } if message.contains("namespaces"))
        })
    })
    .await;
    let names: Vec<String> = f.index.namespaces().map(|n| n.name.clone()).collect();
    assert_eq!(names, ["team-a"]);

    // Once allowed, the next retry lists them and the doubt goes away.
    fake.allow(Kind::Namespace, Scope::Cluster);
    f.until("namespaces listed after all", |i, h| {
        i.namespaces().count() == 3 && h.is_some_and(|h| !h.namespaces_uncertain && h.is_live())
    })
    .await;
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_fails_fast_naming_server_and_context() {
    // Nothing listens on this port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = scratch("unreachable");
    let url = format!("http://127.0.0.1:{port}");
    let kc = kubeconfig_for(&dir, &url, "prod-eu");
    let o = opts(&kc);
    let t0 = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), live::list_once(&o))
        .await
        .expect("bounded")
        .expect_err("unreachable");
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t0.elapsed()
    );
    assert!(matches!(err, LiveError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&url) && msg.contains("\"prod-eu\"") && msg.contains("connection refused"),
        "{msg}"
    );
    assert!(
        !msg.contains("HyperError") && !msg.contains("ServiceError") && !msg.contains('\n'),
        "{msg}"
    );

    // A server that accepts but never answers: the request timeout applies.
    let hole = BlackHole::start().await;
    let kc = kubeconfig_for(&dir, &hole.url(), "hung");
    let mut o = opts(&kc);
    o.request_timeout = Some(Duration::from_secs(1));
    let t0 = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), live::list_once(&o))
        .await
        .expect("bounded")
        .expect_err("timeout");
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&hole.url()) && msg.contains("no answer within 1s"),
        "{msg}"
    );

    // Watching it: stale once the request timeout passes without an answer.
    let mut f = Follower::new(o.clone());
    f.until("stale without an answer", |_, h| {
        h.is_some_and(|h| matches!(&h.pods.state, SyncState::Stale { error, .. } if error.contains("no answer") && error.contains("within 1s")))
    })
    .await;
    drop(f);

    // Watching an unreachable server: stale health with the same facts, no panic.
    let mut f = Follower::new(opts(&kubeconfig_for(&dir, &url, "prod-eu")));
    f.until("stale", |_, h| {
        h.is_some_and(|h| matches!(&h.pods.state, SyncState::Stale { error, .. } if error.contains(&url) && error.contains("prod-eu")))
    })
    .await;

    // A context that does not exist: a config error listing the real ones.
    let mut o = opts(&kc);
    o.context = Some("nope".into());
    let err = live::list_once(&o).await.expect_err("no such context");
    assert!(matches!(err, LiveError::Config { .. }));
    assert!(
        err.to_string().contains("\"nope\"") && err.to_string().contains("hung"),
        "{err}"
    );
    let mut updates = live::watch(o).boxed();
    assert!(matches!(
        updates.next().await,
        Some(LiveUpdate::Failed(LiveError::Config { .. }))
    ));
    assert!(updates.next().await.is_none());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_say_so() {
    let fake = FakeApiServer::start().await;
    fake.set_unauthorized(true);
    let err = live::list_once(&opts(&fake.write_kubeconfig(CONTEXT)))
        .await
        .expect_err("401");
    assert!(matches!(err, LiveError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("401") && msg.contains(CONTEXT) && msg.contains(&fake.url()),
        "{msg}"
    );
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_get_requests_are_ever_sent() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 3);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    live::list_once(&o).await.unwrap();
    let mut f = Follower::new(o);
    f.until_live().await;
    fake.create_value(pod("team-a", "x", "web", "10.1.1.99"));
    f.until("event", |i, _| has_pod(i, "team-a", "x")).await;
    let reqs = fake.requests();
    assert!(reqs.iter().any(|r| r.is_watch()));
    assert!(reqs.iter().all(|r| r.method == "GET"), "{reqs:?}");
    // Every request is a list or watch of the kinds read (or /version).
    let allowed = [
        "/api/v1/namespaces",
        "/api/v1/pods",
        "/apis/networking.k8s.io/v1/networkpolicies",
        "/api/v1/services",
        "/version",
        // Cluster-scoped policy tiers (CRDs; the v1alpha1 ones answer 404).
        "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies",
        "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies",
        "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies",
    ];
    assert!(
        reqs.iter().all(|r| allowed.contains(&r.path.as_str())),
        "{reqs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_works_against_the_fake() {
    let kubectl = PathBuf::from("/usr/bin/kubectl");
    if !kubectl.exists() {
        common::ci::skip("note: /usr/bin/kubectl not found; skipping the fake's fidelity check");
        return;
    }
    let fake = FakeApiServer::start().await;
    populate(&fake, 2);
    let kc = fake.write_kubeconfig(CONTEXT);
    let cache = fake.dir().join("kubectl-cache");
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&kubectl);
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--cache-dir")
            .arg(&cache)
            .arg("--request-timeout=10s")
            .env_remove("KUBECONFIG");
        cmd
    };
    let get = |args: &'static [&'static str]| {
        let mut cmd = run(args);
        async move {
            let out = tokio::time::timeout(
                Duration::from_secs(30),
                tokio::task::spawn_blocking(move || cmd.output()),
            )
            .await
            .expect("kubectl finished in time")
            .unwrap()
            .expect("kubectl ran");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(
                out.status.success(),
                "kubectl {args:?} failed:\n{stdout}\n{stderr}"
            );
            stdout
        }
    };
    let pods = get(&["get", "pods", "-A"]).await;
    assert!(
        pods.lines().next().unwrap().starts_with("NAMESPACE"),
        "{pods}"
    );
    assert!(
        pods.contains("team-a") && pods.contains("web-00001") && pods.contains("Running"),
        "{pods}"
    );
    assert!(pods.contains("cilium-x7k2p"), "{pods}");
    let netpols = get(&["get", "netpol", "-A"]).await;
    assert!(
        netpols.contains("allow-b") && netpols.contains("app=web"),
        "{netpols}"
    );
    let nss = get(&["get", "ns", "-o", "name"]).await;
    assert_eq!(nss.lines().count(), 3, "{nss}");
    let one = get(&[
        "get",
        "pod",
        "web-00000",
        "-n",
        "team-b",
        "-o",
        "jsonpath={.status.podIP}",
    ])
    .await;
    assert_eq!(one, "10.2.0.1");
    fake.assert_only_gets();
}

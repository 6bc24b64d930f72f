//! ipBlock peers: pod IPs, IPv6, overlaps and named ports.

use super::*;

fn ip_cluster(extra: &[String]) -> String {
    let mut v = vec![
        p_ip("a", "cli", "{app: cli}", "10.1.0.9"),
        p_ip("b", "s1", "{app: srv}", "10.0.0.5"),
        p_ip("b", "s4", "{app: srv}", "10.0.0.6"),
        p_ip("b", "s2", "{app: srv}", "10.0.1.5"),
        p("b", "s3", "{app: srv}"),
    ];
    v.extend(extra.iter().cloned());
    docs(&v)
}

#[test]
fn egress_ip_block_reaches_pods_whose_ip_it_contains() {
    let idx = common::index(&ip_cluster(&[np(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: cli}}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24}}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s4"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), NONE);
    // No known IP: an ipBlock cannot match it.
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s3"), NONE);

    // `except` carves one pod out.
    let idx = common::index(&ip_cluster(&[np(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: cli}}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.5/32]}}], ports: [{port: 443}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s4"), "TCP 443");
    let all = all_conns(&idx);
    assert_eq!(
        all.get("a/cli -> 10.0.0.6-10.0.0.255[External]")
            .map(String::as_str),
        Some("TCP 443")
    );
    assert!(!all.contains_key("a/cli -> 10.0.0.5-10.0.0.5[External]"));
}

#[test]
fn ingress_ip_block_admits_pods_by_ip_including_within_one_label_class() {
    // s1 and s4 share labels; only s1's IP is admitted.
    let idx = common::index(&ip_cluster(&[np(
        "b",
        "i",
        "{podSelector: {matchLabels: {app: srv}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.5/32}}, {ipBlock: {cidr: 10.1.0.0/16}}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "b/s1", "b/s4"), ALL);
    assert_eq!(allowed_in(&idx, &c, "b/s4", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), ALL);
    assert_eq!(allowed_in(&idx, &c, "b/s3", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "b/s2", "b/s1"), NONE);
}

#[test]
fn ipv6_pod_ips_and_slash_128_blocks() {
    let y = docs(&[
        p_ip("a", "v6a", "{app: c}", "fd00::7"),
        p_ip("a", "v6b", "{app: c}", "fd00::8"),
        p_ip("a", "v4", "{app: c}", "10.0.0.7"),
        p("b", "srv", "{app: srv}"),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: fd00::7/128}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/v6a", "b/srv"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/v6b", "b/srv"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/v4", "b/srv"), NONE);
    // A policy mentions IPv6: v6 external ranges are listed, cut at the /128.
    let all = all_conns(&idx);
    assert_eq!(
        all.get("fd00::7-fd00::7[External] -> b/srv")
            .map(String::as_str),
        Some(ALL),
        "{all:?}"
    );
    assert!(
        !all.contains_key("fd00::8-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] -> b/srv")
    );
    // The v4 space is not admitted at all.
    assert!(
        !all.keys()
            .any(|k| k.starts_with("0.0.0.0-") && k.ends_with("-> b/srv"))
    );
    // Without any IPv6 in policies, no v6 ranges are listed.
    let y4 = y.replace("fd00::7/128", "10.0.0.7/32");
    let all = all_conns(&common::index(&y4));
    assert!(!all.keys().any(|k| k.contains("::")), "{all:?}");
}

#[test]
fn overlapping_ip_blocks_across_policies_add_up() {
    let y = docs(&[
        p_ip("a", "c0", "{app: c}", "10.0.0.9"),
        p_ip("a", "c1", "{app: c}", "10.0.1.9"),
        p_ip("a", "c2", "{app: c}", "10.0.2.9"),
        p("b", "srv", "{app: srv}"),
        np(
            "b",
            "p1",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}], ports: [{port: 80}]}]}",
        ),
        np(
            "b",
            "p2",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.1.0/24}}, {ipBlock: {cidr: 10.0.0.0/24}}], ports: [{port: 443}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/c0", "b/srv"), "TCP 80,443");
    assert_eq!(allowed_in(&idx, &c, "a/c1", "b/srv"), "TCP 443");
    assert_eq!(allowed_in(&idx, &c, "a/c2", "b/srv"), "TCP 80");
    let all = all_conns(&idx);
    let ext = |r: &str| {
        all.get(&format!("{r}[External] -> b/srv"))
            .cloned()
            .unwrap_or_else(|| "-".into())
    };
    assert_eq!(ext("10.0.0.0-10.0.0.255"), "TCP 80,443");
    assert_eq!(ext("10.0.1.0-10.0.1.255"), "TCP 443");
    assert_eq!(ext("10.0.2.0-10.0.255.255"), "TCP 80");
    assert_eq!(ext("0.0.0.0-9.255.255.255"), "-");
    assert_eq!(ext("10.1.0.0-255.255.255.255"), "-");
}

#[test]
fn ip_block_peers_with_named_ports_resolve_against_the_pod_they_match() {
    let y = docs(&[
        p_ip("a", "cli", "{app: cli}", "10.1.0.9"),
        pod_x(
            "b",
            "s1",
            "{app: srv}",
            "{containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
            "{phase: Running, podIP: 10.0.0.5}",
        ),
        pod_x(
            "b",
            "s2",
            "{app: srv}",
            "{containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
            "{phase: Running, podIP: 10.9.0.5}",
        ),
        np(
            "a",
            "e",
            "{podSelector: {matchLabels: {app: cli}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16}}], ports: [{port: http}, {port: 443}]}]}",
        ),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{ports: [{port: http}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    // Egress: {http -> 8080 on s1, 443}; ingress of s1: {8080}.
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), "TCP 8080");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), NONE);
    let all = all_conns(&idx);
    // A named port never resolves for an address outside the cluster.
    assert_eq!(
        all.get("a/cli -> 10.0.0.0-10.0.255.255[External]")
            .map(String::as_str),
        Some("TCP 443")
    );
    // From outside, the ingress named port resolves against the server.
    assert_eq!(
        all.get("0.0.0.0-255.255.255.255[External] -> b/s1")
            .map(String::as_str),
        Some("TCP 8080")
    );
}

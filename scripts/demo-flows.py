#!/usr/bin/env python3
"""Writes assets/demo-flows.jsonl: a recording of the demo cluster as
`hubble observe -o jsonpb` prints it (Cilium 1.19 field names and order).

Each connection is written the way Hubble reports it: the SYN at the
client's node (TO_OVERLAY, EGRESS) and again at the server's node
(TO_ENDPOINT, INGRESS), the SYN-ACK reply (is_reply: true), policy drops as a
policy verdict plus a drop event and a retransmission. Plus the noise real
captures hold: a lost-events notice, kubelet probes from reserved:host, an
L7 DNS record, Cilium health ICMP. Run it again after changing the demo.
"""
import json

PODS = {
    # name: (namespace, pod name as Hubble saw it, labels, ip, node, workload)
    "frontend": ("shop", "frontend-7d4f9c8b6-x2k9p", {"app": "frontend", "tier": "web"}, "10.0.1.11", "worker-1", ("frontend", "Deployment")),
    "cart": ("shop", "cart-66b9d7c5f4-q8wlz", {"app": "cart", "tier": "backend"}, "10.0.2.12", "worker-2", ("cart", "Deployment")),
    "catalog": ("shop", "catalog-5f8d9c7b6-mn2rt", {"app": "catalog", "tier": "backend"}, "10.0.1.13", "worker-1", ("catalog", "Deployment")),
    "checkout": ("shop", "checkout-6c7d8e9f5-vb7kx", {"app": "checkout", "tier": "backend"}, "10.0.2.14", "worker-2", ("checkout", "Deployment")),
    "redis": ("shop", "redis-0", {"app": "redis", "tier": "data"}, "10.0.1.15", "worker-1", ("redis", "StatefulSet")),
    "api": ("payments", "api-5b6c7d8e9f-h4j6k", {"app": "payments-api", "track": "stable"}, "10.0.3.21", "worker-3", ("api", "Deployment")),
    "db": ("payments", "db-0", {"app": "payments-db"}, "10.0.3.22", "worker-3", ("db", "StatefulSet")),
    "worker": ("payments", "worker-7c8d9e6f5-p2q3r", {"app": "payments-worker"}, "10.0.2.23", "worker-2", ("worker", "Deployment")),
    "prometheus": ("monitoring", "prometheus-0", {"app": "prometheus"}, "10.0.1.31", "worker-1", ("prometheus", "StatefulSet")),
    "coredns": ("kube-system", "coredns-5d78c9869d-8kq2w", {"k8s-app": "kube-dns"}, "10.0.0.41", "worker-1", ("coredns", "Deployment")),
    "stock-sync": ("inventory", "stock-sync-29412345-7xk2p", {"app": "stock-sync"}, "10.0.2.51", "worker-2", ("stock-sync", "CronJob")),
}
NS_LABELS = {"shop": {"team": "shop", "env": "prod"}, "payments": {"team": "payments", "env": "prod", "compliance": "pci"}, "monitoring": {"team": "monitoring", "env": "prod"}, "inventory": {"team": "inventory", "env": "prod"}}

T0 = 1_796_032_800  # 2026-11-30T10:00:00Z
lines = []


def ts(sec, frac):
    import datetime
    d = datetime.datetime.fromtimestamp(T0 + sec, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def ep(name, local):
    if name.startswith("world:"):
        return {"identity": 2, "labels": ["reserved:world"]}
    if name == "host":
        return {"identity": 1, "labels": ["reserved:host"]}
    ns, pod, labels, _, _, wl = PODS[name]
    ls = ["k8s:%s=%s" % kv for kv in labels.items()]
    ls.append("k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=" + ns)
    for k, v in NS_LABELS.get(ns, {}).items():
        ls.append("k8s:io.cilium.k8s.namespace.labels.%s=%s" % (k, v))
    ls += ["k8s:io.cilium.k8s.policy.cluster=default", "k8s:io.cilium.k8s.policy.serviceaccount=" + wl[0], "k8s:io.kubernetes.pod.namespace=" + ns]
    e = {"identity": 10000 + sum(map(ord, name)), "cluster_name": "default", "namespace": ns, "labels": sorted(ls), "pod_name": pod}
    if local:
        e = {"ID": 100 + len(name), **e, "workloads": [{"name": wl[0], "kind": wl[1]}]}
    return e


def ip(name):
    if name.startswith("world:"):
        return name[6:]
    if name == "host":
        return "10.0.1.1"
    return PODS[name][3]


def node(name):
    return "worker-1" if name in ("host",) or name.startswith("world:") else PODS[name][4]


def flow(sec, frac, verdict, src, dst, sport, dport, proto, flags, reply, at, direction, point, extra=None):
    l4 = {"source_port": sport, "destination_port": dport}
    if proto == "TCP":
        l4["flags"] = flags
    f = {"time": ts(sec, frac), "verdict": verdict}
    if extra:
        f.update(extra.get("pre", {}))
    f["IP"] = {"source": ip(src), "destination": ip(dst), "ipVersion": "IPv4"}
    f["l4"] = {proto: l4}
    f["source"] = ep(src, node(src) == at and not src.startswith("world:"))
    f["destination"] = ep(dst, node(dst) == at and not dst.startswith("world:"))
    f["Type"] = "L3_L4"
    f["node_name"] = at
    f["event_type"] = {"type": 1, "sub_type": 133} if verdict == "DROPPED" else {"type": 4, "sub_type": 0 if point == "TO_ENDPOINT" else 4}
    if direction:
        f["traffic_direction"] = direction
    if point and verdict != "DROPPED":
        f["trace_observation_point"] = point
    if reply is not None:
        f["is_reply"] = reply
    f["Summary"] = "TCP Flags: " + ", ".join(flags) if proto == "TCP" else proto
    lines.append({"flow": f, "node_name": at, "time": f["time"]})


def conn(sec, src, dst, dport, proto="TCP", sport=40000, dropped=False):
    sport += sec % 20000
    cn, sn = node(src), node(dst)
    syn = {"SYN": True} if proto == "TCP" else None
    if cn != sn and not src.startswith("world:") and src != "host":
        flow(sec, 1000, "FORWARDED", src, dst, sport, dport, proto, syn, False, cn, "EGRESS", "TO_OVERLAY")
    if dropped:
        pol = {"pre": {"drop_reason": 133}}
        for retry in (0, 1, 3):
            d = {"time": None}
            flow(sec + retry, 2000, "DROPPED", src, dst, sport, dport, proto, syn, None, sn, "INGRESS", None,
                 {"pre": {"drop_reason_desc": "POLICY_DENIED"}})
        return
    flow(sec, 2000, "FORWARDED", src, dst, sport, dport, proto, syn, False, sn, "INGRESS", "TO_ENDPOINT")
    # The reply: SYN-ACK back to the client (never a connection of its own).
    flow(sec, 3000, "FORWARDED", dst, src, dport, sport, proto, {"SYN": True, "ACK": True} if proto == "TCP" else None, True,
         cn if cn != "worker-1" or not src.startswith("world:") else sn, "INGRESS", "TO_ENDPOINT")
    if proto == "TCP":
        flow(sec, 4000, "FORWARDED", src, dst, sport, dport, proto, {"ACK": True}, False, sn, "INGRESS", "TO_ENDPOINT")


lines.append({"lost_events": {"source": "HUBBLE_RING_BUFFER", "num_events_lost": "3"}, "node_name": "worker-2", "time": ts(0, 0)})
s = 1
for minute in range(3):
    b = minute * 60
    for c in ("frontend", "checkout", "cart", "api", "worker", "prometheus"):
        conn(b + s, c, "coredns", 53, "UDP", sport=50000 + s); s += 1
    conn(b + 5, "frontend", "cart", 7070)
    conn(b + 6, "frontend", "catalog", 3550)
    conn(b + 7, "frontend", "checkout", 5050)
    conn(b + 8, "checkout", "cart", 7070)
    conn(b + 9, "cart", "redis", 6379)
    conn(b + 10, "checkout", "api", 8443)
    conn(b + 11, "api", "db", 5432)

    conn(b + 13, "world:198.51.100.7", "frontend", 8080)
    conn(b + 14, "prometheus", "frontend", 9090)
    conn(b + 15, "prometheus", "cart", 9090)
    conn(b + 16, "worker", "world:203.0.113.10", 443)
    conn(b + 17, "host", "frontend", 8080)
    # The typo in payments/api-allow-prometheus bites: scrapes are dropped.
    conn(b + 18, "prometheus", "api", 9090, dropped=True)
# DNS over TCP (a truncated answer): checkout-egress allows UDP 53 only.
conn(70, "checkout", "coredns", 53, dropped=True)
# A connection the policies deny went through: the agent on worker-3 had not
# programmed payments/default-deny yet when the reporting job ran.
conn(95, "stock-sync", "db", 5432)
conn(96, "stock-sync", "world:203.0.113.20", 443)
# Noise: an L7 DNS record (duplicates the UDP connection) and health ICMP.
lines.append({"flow": {"time": ts(2, 5000), "verdict": "FORWARDED", "IP": {"source": ip("frontend"), "destination": ip("coredns"), "ipVersion": "IPv4"},
              "l4": {"UDP": {"source_port": 50001, "destination_port": 53}}, "source": ep("frontend", True), "destination": ep("coredns", False),
              "Type": "L7", "node_name": "worker-1", "l7": {"type": "REQUEST", "dns": {"query": "cart.shop.svc.cluster.local.", "qtypes": ["A"]}},
              "event_type": {"type": 129}, "traffic_direction": "EGRESS", "is_reply": False, "Summary": "DNS Query cart.shop.svc.cluster.local. A"},
              "node_name": "worker-1", "time": ts(2, 5000)})
lines.append({"flow": {"time": ts(30, 0), "verdict": "FORWARDED", "IP": {"source": "10.0.1.1", "destination": "10.0.1.99", "ipVersion": "IPv4"},
              "l4": {"ICMPv4": {"type": 8}}, "source": {"identity": 1, "labels": ["reserved:host"]}, "destination": {"ID": 132, "identity": 4, "labels": ["reserved:health"]},
              "Type": "L3_L4", "node_name": "worker-1", "event_type": {"type": 4}, "traffic_direction": "INGRESS", "trace_observation_point": "TO_ENDPOINT",
              "is_reply": False, "Summary": "ICMPv4 EchoRequest"}, "node_name": "worker-1", "time": ts(30, 0)})
lines.sort(key=lambda l: l["time"])
with open("assets/demo-flows.jsonl", "w") as f:
    for l in lines:
        f.write(json.dumps(l, separators=(",", ":")).replace("<", "\\u003c") + "\n")
print(len(lines), "lines")

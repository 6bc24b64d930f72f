//! Conformance against netpol-analyzer's golden outputs
//! (../shared/conformance/netpol-analyzer, see its README): every core
//! NetworkPolicy connlist case (no ANP/BANP/UDN/NAD/VM/Route/Ingress, no
//! exposure/explain/focus), at workload level, compared modulo line breaks
//! exactly as the upstream harness compares (all `\n` and `\r` removed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use netpol_tui::cli::connectivity::{csv, md, text};
use netpol_tui::engine::connectivity::{report, Granularity, Report};
use netpol_tui::engine::index::Index;
use netpol_tui::source::files::load_paths;
use serde_json::Value;

/// Features that put a scenario outside core NetworkPolicy.
const NON_CORE: &[&str] = &[
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "UserDefinedNetwork",
    "ClusterUserDefinedNetwork",
    "NetworkAttachmentDefinition",
    "VirtualMachine",
    "MultiNetworkPolicy",
    "Route",
    "Ingress",
    "ANP_networks_peer",
    "ANP_nodes_peer",
];

pub fn corpus_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/netpol-analyzer");
    d.join("cases.json").exists().then_some(d)
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn strip_newlines(s: &str) -> String {
    s.chars().filter(|c| *c != '\n' && *c != '\r').collect()
}

/// netpol-analyzer's json: an array of {src, dst, conn}, 2-space indented.
fn analyzer_json(r: &Report) -> String {
    let rows: Vec<Value> = r
        .all_rows()
        .iter()
        .map(|row| serde_json::json!({"src": row.src, "dst": row.dst, "conn": row.ports.to_string()}))
        .collect();
    serde_json::to_string_pretty(&rows).expect("json")
}

fn render(r: &Report, format: &str) -> String {
    match format {
        "txt" => text(r),
        "md" => md(r),
        "csv" => csv(r),
        "json" => analyzer_json(r),
        other => panic!("unknown format {other}"),
    }
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn is_core_connlist(case: &Value, scenarios: &Value) -> bool {
    let flag = |k: &str| case[k].as_bool().unwrap_or(false);
    let empty = |k: &str| match &case[k] {
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Null => true,
        _ => false,
    };
    case["analysis"] == "connlist"
        && !flag("multiple_networks")
        && !flag("exposure")
        && !flag("explain")
        && empty("explain_only")
        && empty("focus_workloads")
        && empty("focus_workload_peers")
        && empty("focus_direction")
        && empty("focus_conn")
        && str_list(&case["inputs"]).iter().all(|inp| {
            let name = inp.strip_prefix("tests/").unwrap_or(inp);
            let feats = str_list(&scenarios[name]["features"]);
            !feats.iter().any(|f| NON_CORE.contains(&f.as_str()))
        })
}

/// Cases where we knowingly differ from netpol-analyzer, each with the spec
/// text that justifies it. Empty: we agree with every core case.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

#[test]
fn netpol_analyzer_core_connlist_cases() {
    let Some(dir) = corpus_dir() else {
        eprintln!("netpol-analyzer corpus not found next to the repo: skipped");
        return;
    };
    let cases = read_json(&dir.join("cases.json"));
    let scenarios = read_json(&dir.join("scenarios.json"));
    let mut cache: BTreeMap<Vec<String>, Report> = BTreeMap::new();
    let (mut total, mut pass) = (0, 0);
    let mut failures = Vec::new();
    for case in cases.as_array().expect("cases.json is an array") {
        if !is_core_connlist(case, &scenarios) {
            continue;
        }
        total += 1;
        let expected_path = case["expected"].as_str().expect("expected");
        let inputs = str_list(&case["inputs"]);
        let rep = cache.entry(inputs.clone()).or_insert_with(|| {
            let paths: Vec<PathBuf> = inputs.iter().map(|i| dir.join(i)).collect();
            let loaded = load_paths(&paths);
            report(&Index::from_snapshot(loaded.snapshot), Granularity::Workload)
        });
        let got = render(rep, case["format"].as_str().expect("format"));
        let want = std::fs::read_to_string(dir.join(expected_path)).expect("golden file");
        if strip_newlines(&got) == strip_newlines(&want) {
            pass += 1;
        } else if let Some((_, why)) = KNOWN_DEVIATIONS.iter().find(|(c, _)| *c == expected_path) {
            eprintln!("known deviation {expected_path}: {why}");
            pass += 1;
        } else {
            failures.push(format!("{expected_path}\n--- want\n{}\n--- got\n{}", clip(&want), clip(&got)));
        }
    }
    println!("netpol-analyzer corpus: {total} cases, {pass} pass");
    assert!(total >= 50, "expected at least 50 core connlist cases, found {total}");
    assert!(failures.is_empty(), "{} failing cases:\n{}", failures.len(), failures.join("\n\n"));
}

fn clip(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    if lines.len() <= 40 {
        s.to_string()
    } else {
        format!("{}\n... ({} lines)", lines[..40].join("\n"), lines.len())
    }
}

//! Formats: multi-document YAML, lists, JSON, encodings.

use super::*;

#[test]
fn multi_document_yaml_with_empty_documents() {
    let l = load(&["multi.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(s.namespaces.len(), 1);
    assert_eq!(
        namespace(s, "alpha").labels,
        labels(&[("team", "a"), (NS_NAME_LABEL, "alpha")])
    );
    let web = pod(s, "alpha", "web");
    assert_eq!(web.labels, labels(&[("app", "web")]));
    assert_eq!(web.ports.len(), 1);
    assert_eq!(web.ports[0].port, 8080);
    assert_eq!(
        web.ips,
        vec!["10.1.0.5".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(web.owner, None);
    let p = policy(s, "alpha", "web-ingress");
    assert_eq!(
        p.ingress[0].ports[0].port,
        Some(PortRef::Name("http".into()))
    );
}

#[test]
fn lists_are_flattened_recursively_including_typed_lists() {
    let l = load(&["list.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(
        pod_names(s),
        vec!["beta/nested", "beta/typed-1", "beta/typed-2"]
    );
    assert_eq!(
        pod(s, "beta", "typed-2").labels,
        labels(&[("app", "typed")])
    );
    assert_eq!(s.policies.len(), 1);
    assert!(policy(s, "beta", "deny-all").ingress_type);
    assert_eq!(s.namespaces.len(), 1);
}

#[test]
fn json_files_with_concatenated_values() {
    let l = load(&["objects.json"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(
        namespace(s, "gamma").labels.get("env").map(String::as_str),
        Some("test")
    );
    let db = pod(s, "gamma", "db");
    assert_eq!(db.ports[0].name.as_deref(), Some("postgres"));
    assert_eq!(db.ips.len(), 1);
    let p = policy(s, "gamma", "db");
    assert!(p.ingress_type && p.egress_type);
}

#[test]
fn crlf_and_bom_are_accepted() {
    let text = "\u{feff}apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n  labels:\r\n    app: x\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: b\r\n";
    let l = src(text);
    assert_clean(&l);
    assert_eq!(pod_names(&l.snapshot), vec!["default/a", "default/b"]);
    assert_eq!(
        pod(&l.snapshot, "default", "a").labels,
        labels(&[("app", "x")])
    );
}

#[test]
fn bom_utf16_and_binary_files_on_disk() {
    let dir = std::env::temp_dir().join(format!("netpol-files-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  namespace: enc\r\n";
    let utf8 = dir.join("utf8-bom.yaml");
    std::fs::write(&utf8, [&[0xEF, 0xBB, 0xBF][..], yaml.as_bytes()].concat()).unwrap();
    // What PowerShell 5's `>` writes: UTF-16LE with a BOM.
    let utf16 = dir.join("utf16.yaml");
    let mut bytes = vec![0xFF, 0xFE];
    for u in yaml.replace("name: p", "name: q").encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(&utf16, bytes).unwrap();
    let junk = dir.join("junk.yaml");
    std::fs::write(&junk, [0x00, 0xFF, 0xC3, 0x28, 0x89, 0x50, 0x4E, 0x47]).unwrap();
    let l = load_paths(&[utf8, utf16, junk.clone()]);
    assert_eq!(pod_names(&l.snapshot), vec!["enc/p", "enc/q"]);
    assert_eq!(l.errors.len(), 1, "{:#?}", l.errors);
    assert_eq!(l.errors[0].file, junk.display().to_string());
    assert!(l.errors[0].message.contains("UTF-8"), "{}", l.errors[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

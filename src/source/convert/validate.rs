//! The string validations kube-apiserver applies: CIDRs, port names, label
//! keys and values, DNS subdomains.

use std::net::IpAddr;

use ipnet::IpNet;

/// Parses a CIDR as Go's net.ParseCIDR does (host bits allowed and masked).
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let (addr, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return None;
    }
    // kube-apiserver (without the StrictIPCIDRValidation gate, which is off
    // up to 1.34) accepts IPv4 octets with leading zeros and reads them as
    // decimal ("010.0.0.0/8" is 10.0.0.0/8); objects stored that way are
    // enforced, so they are read the same way here.
    let decimal: String;
    let addr = if addr.contains('.') && !addr.contains(':') {
        decimal = addr
            .split('.')
            .map(|o| {
                let t = o.trim_start_matches('0');
                if t.is_empty() && !o.is_empty() {
                    "0"
                } else {
                    t
                }
            })
            .collect::<Vec<_>>()
            .join(".");
        decimal.as_str()
    } else {
        addr
    };
    let ip: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    IpNet::new(ip, len).ok().map(|n| n.trunc())
}

/// IANA_SVC_NAME as validated for named ports: 1-15 characters, lower-case
/// alphanumerics and '-', at least one letter, no leading, trailing or double '-'.
pub fn port_name_error(s: &str) -> Option<&'static str> {
    if s.is_empty() || s.len() > 15 {
        return Some("must be no more than 15 characters");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if s.contains("--") {
        return Some("must not contain consecutive hyphens");
    }
    if !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must contain at least one letter (a-z)");
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not begin or end with a hyphen");
    }
    None
}

fn is_name_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

pub(super) fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// RFC 1123 label: 1-63 lower-case alphanumerics or '-', alphanumeric at both ends.
pub(super) fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A label key: an optional DNS-subdomain prefix and '/', then a name segment.
pub fn label_key_error(k: &str) -> Option<&'static str> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix
        && !is_dns_subdomain(p)
    {
        return Some("prefix part must be a lowercase RFC 1123 subdomain");
    }
    if !is_name_segment(name) {
        return Some(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)",
        );
    }
    None
}

/// A label value: empty, or a name segment.
pub fn label_value_error(v: &str) -> Option<&'static str> {
    if v.is_empty() || is_name_segment(v) {
        None
    } else {
        Some(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)",
        )
    }
}

//! Small wording helpers shared by every front end (one copy each).

/// `n thing` / `n things`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The namespace of a row name (`ns/workload`, or an external range).
pub fn ns_of(name: &str) -> &str {
    if name.ends_with("[External]") {
        "(external)"
    } else {
        name.split('/').next().unwrap_or(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_ns_of() {
        assert_eq!(plural(1, "pod", "pods"), "1 pod");
        assert_eq!(plural(0, "pod", "pods"), "0 pods");
        assert_eq!(ns_of("shop/web[Deployment]"), "shop");
        assert_eq!(ns_of("10.0.0.0/8[External]"), "(external)");
    }
}

//! Label selector semantics (metav1.LabelSelector): matchLabels AND
//! matchExpressions; the empty selector matches everything. NotIn and
//! DoesNotExist also match objects that lack the key.

use std::fmt;

use super::model::{LabelSelector, Labels, Operator, Requirement};

impl Requirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.key);
        match &self.op {
            Operator::In(vals) => v.is_some_and(|v| vals.iter().any(|x| x == v)),
            Operator::NotIn(vals) => v.is_none_or(|v| !vals.iter().any(|x| x == v)),
            Operator::Exists => v.is_some(),
            Operator::DoesNotExist => v.is_none(),
        }
    }
}

impl LabelSelector {
    /// Selects everything (`{}`).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// Why `labels` do not match, in words (None when they match): the first
    /// failing term and what the object has for that key.
    pub fn mismatch(&self, labels: &Labels) -> Option<String> {
        for (k, v) in &self.match_labels {
            match labels.get(k) {
                Some(have) if have == v => {}
                Some(have) => return Some(format!("needs {k}={v}, has {k}={have}")),
                None => return Some(format!("needs {k}={v}, has no label {k}")),
            }
        }
        for r in &self.match_expressions {
            if !r.matches(labels) {
                let have = match labels.get(&r.key) {
                    Some(v) => format!("has {}={v}", r.key),
                    None => format!("has no label {}", r.key),
                };
                return Some(format!("needs {r}, {have}"));
            }
        }
        None
    }

    /// The label keys this selector looks at.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.match_labels
            .keys()
            .map(String::as_str)
            .chain(self.match_expressions.iter().map(|r| r.key.as_str()))
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Operator::In(v) if v.len() == 1 => write!(f, "{}={}", self.key, v[0]),
            Operator::In(v) => write!(f, "{} in ({})", self.key, v.join(",")),
            Operator::NotIn(v) if v.len() == 1 => write!(f, "{}!={}", self.key, v[0]),
            Operator::NotIn(v) => write!(f, "{} notin ({})", self.key, v.join(",")),
            Operator::Exists => write!(f, "{}", self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
        }
    }
}

/// kubectl's selector syntax (`app=api,tier in (a,b),!legacy`); `{}` selects all.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        let mut first = true;
        for (k, v) in &self.match_labels {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{k}={v}")?;
        }
        for r in &self.match_expressions {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn req(key: &str, op: Operator) -> Requirement {
        Requirement {
            key: key.into(),
            op,
        }
    }
    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = LabelSelector::default();
        assert!(s.matches(&labels(&[])));
        assert!(s.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn match_labels_are_anded() {
        let s = LabelSelector {
            match_labels: labels(&[("app", "api"), ("tier", "be")]),
            ..Default::default()
        };
        assert!(s.matches(&labels(&[("app", "api"), ("tier", "be"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "api")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("tier", "fe")])));
    }

    #[test]
    fn operators_follow_the_api_reference() {
        let l_with = labels(&[("env", "prod")]);
        let l_other = labels(&[("env", "dev")]);
        let l_without = labels(&[]);
        let in_ = req("env", Operator::In(vals(&["prod", "stage"])));
        assert!(in_.matches(&l_with) && !in_.matches(&l_other) && !in_.matches(&l_without));
        let notin = req("env", Operator::NotIn(vals(&["prod"])));
        // NotIn matches objects without the key.
        assert!(!notin.matches(&l_with) && notin.matches(&l_other) && notin.matches(&l_without));
        let exists = req("env", Operator::Exists);
        assert!(exists.matches(&l_with) && exists.matches(&l_other) && !exists.matches(&l_without));
        let dne = req("env", Operator::DoesNotExist);
        assert!(!dne.matches(&l_with) && dne.matches(&l_without));
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let s = LabelSelector {
            match_labels: labels(&[("app", "api")]),
            match_expressions: vec![req("env", Operator::NotIn(vals(&["prod"])))],
        };
        assert!(s.matches(&labels(&[("app", "api")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("env", "dev")])));
    }

    #[test]
    fn mismatch_names_the_failing_term() {
        let s = LabelSelector {
            match_labels: labels(&[("app", "api")]),
            ..Default::default()
        };
        assert_eq!(
            s.mismatch(&labels(&[("app", "web")])).as_deref(),
            Some("needs app=api, has app=web")
        );
        assert_eq!(
            s.mismatch(&labels(&[])).as_deref(),
            Some("needs app=api, has no label app")
        );
        assert_eq!(s.mismatch(&labels(&[("app", "api")])), None);
    }

    #[test]
    fn display_uses_kubectl_syntax() {
        let s = LabelSelector {
            match_labels: labels(&[("app", "api")]),
            match_expressions: vec![
                req("tier", Operator::In(vals(&["a", "b"]))),
                req("legacy", Operator::DoesNotExist),
            ],
        };
        assert_eq!(s.to_string(), "app=api,tier in (a,b),!legacy");
        assert_eq!(LabelSelector::default().to_string(), "{}");
    }
}

//! Fuzzy matching: the only module that knows which matcher is used, so
//! swapping it (nucleo, a plain substring search) is a change to this file.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A reusable matcher (cheap to build; keep one per search).
pub struct Matcher {
    inner: SkimMatcherV2,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            inner: SkimMatcherV2::default().smart_case(),
        }
    }
}

impl Matcher {
    /// The score of `text` for `query` (higher is better), None if it does
    /// not match. Matching is a subsequence match: if `q` does not match,
    /// no extension of `q` does, which lets callers narrow incrementally.
    ///
    /// Contiguous matches rank first (`api` finds `payments/api` before
    /// `app=cart in shop`), and more so at the start of a name segment.
    pub fn score(&self, text: &str, query: &str) -> Option<i64> {
        let base = self.inner.fuzzy_match(text, query)?;
        let (t, q) = if query.chars().any(char::is_uppercase) {
            (text.to_string(), query.to_string())
        } else {
            (text.to_lowercase(), query.to_lowercase())
        };
        let bonus = match t.find(&q) {
            None => 0,
            Some(0) => 2000,
            Some(i) if t[..i].ends_with(['/', '-', '=', '.', ' ']) => 1500,
            Some(_) => 1000,
        };
        Some(base + bonus)
    }

    /// The char positions of `text` that match `query`, for highlighting.
    pub fn positions(&self, text: &str, query: &str) -> Vec<usize> {
        self.inner
            .fuzzy_indices(text, query)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequence_and_positions() {
        let m = Matcher::default();
        assert!(m.score("shop/frontend-7d9f", "shpfront").is_some());
        assert!(m.score("shop/frontend", "zz").is_none());
        assert_eq!(m.positions("abc", "ac"), vec![0, 2]);
        let api = m.score("payments/api", "api").unwrap_or(0);
        assert!(api > m.score("app=cart in shop", "api").unwrap_or(0));
    }
}

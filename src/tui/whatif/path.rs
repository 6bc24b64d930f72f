//! Paths typed in the prompt: `~` and Tab completion.

use std::path::PathBuf;

/// `~` and `~/…` to the home directory.
pub fn expand_home(input: &str) -> PathBuf {
    let home = std::env::var_os("HOME");
    match (input.strip_prefix('~'), home) {
        (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with('/') => {
            let mut p = PathBuf::from(h);
            let rest = rest.trim_start_matches('/');
            if !rest.is_empty() {
                p.push(rest);
            }
            p
        }
        _ => PathBuf::from(input),
    }
}

/// Tab completion of a path against the filesystem: the completed input
/// (unchanged when nothing matches) and, when several entries match, their
/// names (directories end in `/`).
pub fn complete(input: &str) -> (String, Vec<String>) {
    if input == "~" {
        return ("~/".to_string(), vec![]);
    }
    let (head, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if head.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(head)
    };
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return (input.to_string(), vec![]);
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    match names.len() {
        0 => (input.to_string(), vec![]),
        1 => (format!("{head}{}", names[0]), vec![]),
        _ => {
            let mut common: Vec<char> = names[0].chars().collect();
            for n in &names[1..] {
                let same = common
                    .iter()
                    .zip(n.chars())
                    .take_while(|(a, b)| **a == *b)
                    .count();
                common.truncate(same);
            }
            let common: String = common.into_iter().collect();
            let done = if common.len() > prefix.len() {
                format!("{head}{common}")
            } else {
                input.to_string()
            };
            (done, names)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix_and_marks_dirs() {
        let dir = std::env::temp_dir().join(format!("netpol-complete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
        std::fs::write(dir.join("proposal-a.yaml"), "").expect("write");
        std::fs::write(dir.join("proposal-b.yaml"), "").expect("write");
        std::fs::write(dir.join(".hidden"), "").expect("write");
        let base = format!("{}/", dir.display());
        let (done, cands) = complete(&format!("{base}pro"));
        assert_eq!(done, format!("{base}proposal-"));
        assert_eq!(cands, vec!["proposal-a.yaml", "proposal-b.yaml"]);
        let (done, cands) = complete(&format!("{base}pol"));
        assert_eq!(done, format!("{base}policies/"));
        assert!(cands.is_empty());
        let (done, _) = complete(&format!("{base}nothing"));
        assert_eq!(done, format!("{base}nothing"));
        let (_, cands) = complete(&base);
        assert!(!cands.iter().any(|c| c.starts_with('.')), "{cands:?}");
        let (done, _) = complete("/definitely/not/here/x");
        assert_eq!(done, "/definitely/not/here/x");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

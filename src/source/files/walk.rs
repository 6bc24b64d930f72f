//! Files and directories to texts: recursive walks (each real directory
//! once, symlink loops included), each real file once, bytes to text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::decode::decode_text;
use super::{LoadError, Loader};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

impl Loader {
    pub(super) fn add_path(&mut self, path: &Path) {
        let shown = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.errors
                    .push(LoadError::file(shown, "no such file or directory"));
                return;
            }
            Err(e) => {
                self.errors
                    .push(LoadError::file(shown, format!("cannot read: {e}")));
                return;
            }
        };
        if meta.is_dir() {
            let mut files = Vec::new();
            let mut visited = BTreeSet::new();
            self.walk(path, &mut files, &mut visited);
            files.sort();
            if files.is_empty() {
                self.warnings.push(LoadError::file(
                    shown,
                    "no .yaml, .yml or .json files in this directory",
                ));
            }
            for f in files {
                self.add_file(&f, true);
            }
        } else {
            self.add_file(path, false);
        }
    }

    fn walk(&mut self, dir: &Path, files: &mut Vec<PathBuf>, visited: &mut BTreeSet<PathBuf>) {
        // Symlinked directories may form loops: visit each real directory once.
        let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !visited.insert(real) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(LoadError::file(
                    dir.display().to_string(),
                    format!("cannot read directory: {e}"),
                ));
                return;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(e) => e.path(),
                Err(e) => {
                    self.errors.push(LoadError::file(
                        dir.display().to_string(),
                        format!("cannot read directory: {e}"),
                    ));
                    continue;
                }
            };
            if path.is_dir() {
                self.walk(&path, files, visited);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
            {
                files.push(path);
            }
        }
    }

    fn add_file(&mut self, path: &Path, from_walk: bool) {
        // The same file named twice (`-f dir -f dir/a.yaml`) is read once.
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.seen_files.insert(real) {
            return;
        }
        let shown = path.display().to_string();
        match read_big(path).map_or_else(|| std::fs::read(path), Ok) {
            Ok(bytes) => self.add_bytes(&shown, bytes, from_walk),
            Err(e) => self
                .errors
                .push(LoadError::file(shown, format!("cannot read: {e}"))),
        }
    }

    pub(super) fn add_bytes(&mut self, name: &str, bytes: Vec<u8>, from_walk: bool) {
        // Plain UTF-8 (most files) becomes the text in place: no copy of a
        // file of tens of MB; anything else (a BOM, UTF-16, bad bytes) goes
        // through `decode_text`, which gives the messages.
        let plain = !matches!(
            bytes.as_slice(),
            [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] | [0xEF, 0xBB, 0xBF, ..]
        );
        let text = match plain {
            true => String::from_utf8(bytes).or_else(|e| decode_text(e.as_bytes())),
            false => decode_text(&bytes),
        };
        match text {
            Ok(text) => self.add_owned_text(name, text, from_walk),
            Err(msg) => self.errors.push(LoadError::file(name, msg)),
        }
    }
}

/// Below this a file is read on one thread.
const SPLIT_READ_BYTES: u64 = 8 << 20;

/// A big file read by two threads, a half each at its offset: reading tens
/// of MB is a copy and a page fault per page, which the second core halves.
/// `None` (read it plainly, which gives the error messages) on any error,
/// for a small file, or when the file is not `len` bytes when read.
#[cfg(unix)]
fn read_big(path: &Path) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if cores < 2 || !meta.is_file() || meta.len() < SPLIT_READ_BYTES {
        return None;
    }
    let len = usize::try_from(meta.len()).ok()?;
    let mut buf = vec![0u8; len];
    let half = len / 2;
    let (a, b) = buf.split_at_mut(half);
    let read = std::thread::scope(|s| {
        let second = s.spawn(|| file.read_exact_at(b, half as u64));
        let first = file.read_exact_at(a, 0);
        first.is_ok() && matches!(second.join(), Ok(Ok(())))
    });
    // Nothing past `len` (a file that grew meanwhile is read plainly).
    let ended = matches!(file.read_at(&mut [0u8], meta.len()), Ok(0));
    (read && ended).then_some(buf)
}

#[cfg(not(unix))]
fn read_big(_: &Path) -> Option<Vec<u8>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_files_read_in_halves_as_read_plainly() {
        let dir = std::env::temp_dir().join(format!("netpol-tui-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.json");
        let n = SPLIT_READ_BYTES as usize + 12_345;
        let bytes: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &bytes).unwrap();
        let small = dir.join("small.json");
        std::fs::write(&small, b"{}").unwrap();
        let got = read_big(&big);
        let (got_small, missing) = (read_big(&small), read_big(&dir.join("none.json")));
        std::fs::remove_dir_all(&dir).unwrap();
        if cfg!(unix) && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
            assert!(got.as_deref() == Some(&bytes[..]));
        }
        assert!(got_small.is_none() && missing.is_none());
    }
}

#!/usr/bin/env bash
# Builds the release archive for this platform and fills the krew manifest.
#
#   scripts/release.sh VERSION [--out DIR] [--manifest-only]
#
# VERSION is semver, with or without a leading v (0.1.0 or v0.1.0).
# - Builds the binary with the `dist` profile (stripped, LTO), unless
#   NETPOL_TUI_BIN names an already built one (tests use the debug binary).
# - Writes DIR/kubectl-netpol_tui-VERSION-OS-ARCH.tar.gz (the binary, LICENSE,
#   README.md) and prints its sha256. DIR defaults to target/release-archives.
# - Writes DIR/netpol-tui.yaml from krew/netpol-tui.yaml with the version and
#   the sha256 of every platform archive present in DIR; platforms without an
#   archive are left out (and named). --manifest-only skips building, for the
#   CI job that collects the archives of all platforms
#   (.github/workflows/release.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 VERSION [--out DIR] [--manifest-only]" >&2; exit 2; }
[ $# -ge 1 ] || usage
plain=${1#v}
shift
out=target/release-archives
manifest_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --manifest-only) manifest_only=1; shift ;;
    *) usage ;;
  esac
done
if ! [[ $plain =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]]; then
  echo "error: version $plain is not semver (e.g. 0.1.0)" >&2
  exit 2
fi
version=v$plain
mkdir -p "$out"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

platform() {
  local os arch
  case $(uname -s) in
    Linux) os=linux ;; Darwin) os=darwin ;; MINGW*|MSYS*|CYGWIN*) os=windows ;;
    *) echo "error: unsupported OS $(uname -s)" >&2; exit 1 ;;
  esac
  case $(uname -m) in
    x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;;
    *) echo "error: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  echo "${NETPOL_TUI_PLATFORM:-$os-$arch}"
}

archive_name() { echo "kubectl-netpol_tui-$plain-$1.tar.gz"; }

if [ $manifest_only = 0 ]; then
  plat=$(platform)
  exe=kubectl-netpol_tui
  [ "${plat%%-*}" = windows ] && exe=kubectl-netpol_tui.exe
  bin=${NETPOL_TUI_BIN:-}
  if [ -z "$bin" ]; then
    cargo build --profile dist --locked --bin kubectl-netpol_tui
    bin=${CARGO_TARGET_DIR:-target}/dist/$exe
  fi
  [ -x "$bin" ] || { echo "error: no executable at $bin" >&2; exit 1; }
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  cp "$bin" "$stage/$exe"
  cp LICENSE README.md "$stage/"
  archive=$out/$(archive_name "$plat")
  # Files at the archive's root, owned by root, in a fixed order.
  tar -C "$stage" -czf "$archive" --owner=0 --group=0 "$exe" LICENSE README.md 2>/dev/null \
    || tar -C "$stage" -czf "$archive" "$exe" LICENSE README.md
  echo "$(sha256 "$archive")  $archive"
fi

# Fill the manifest: one sed expression per platform whose archive exists;
# blocks still holding a placeholder are dropped by awk.
subst=(-e "s/@VERSION@/$version/g" -e "s/@PLAIN_VERSION@/$plain/g")
missing=()
for p in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64; do
  a=$out/$(archive_name "$p")
  if [ -f "$a" ]; then
    subst+=(-e "s/@SHA256_${p/-/_}@/$(sha256 "$a")/")
  else
    missing+=("$p")
  fi
done
sed "${subst[@]}" krew/netpol-tui.yaml | awk '
  # Drop the template comment and every platform block left with a placeholder.
  NR <= 3 && /^#/ { next }
  /^  - selector:/ { flush(); inblock = 1 }
  inblock && !/^  (- |  )/ { flush(); inblock = 0 }
  inblock { buf = buf $0 "\n"; next }
  { print }
  END { flush() }
  function flush() { if (buf != "" && buf !~ /@SHA256_/) printf "%s", buf; buf = "" }
' > "$out/netpol-tui.yaml"
echo "krew manifest: $out/netpol-tui.yaml"
if [ ${#missing[@]} -gt 0 ]; then
  echo "not in the manifest (no archive in $out; built by .github/workflows/release.yml): ${missing[*]}"
fi

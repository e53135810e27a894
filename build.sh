#!/usr/bin/env bash
# build.sh — one entry point for building, testing and demoing flowthings-wasm.
#   ./build.sh demo    run the demo against the embedded emulator
#   ./build.sh test    run every test (what CI runs)
#   ./build.sh build   build the emulator binary into dist/
#   ./build.sh fuzz [seconds]   run every fuzz target (default 60 s each)
set -euo pipefail
cd "$(dirname "$0")"

need_go() {
  command -v go >/dev/null || { echo "build.sh: Go 1.26 is required (https://go.dev/dl)" >&2; exit 1; }
}

# coverage_gate PROFILE MIN DIR...: fails when the statement coverage of the
# packages under the module folders DIR... is below MIN percent. The wasm
# size probes (core/internal/wasmprobe) are measuring programs that
# core/wasmsize_test.go builds but never runs, so they do not count.
coverage_gate() {
  local profile=$1 min=$2; shift 2
  local mod dirs
  mod=$(go list -m)
  dirs=$(printf '%s/|' "$@" | sed 's/|$//')
  awk -v mod="$mod" -v dirs="$dirs" -v min="$min" -v names="$*" '
    NR > 1 {
      file = substr($1, 1, index($1, ":") - 1); sub("^" mod "/", "", file)
      n = split(dirs, d, "|"); hit = 0
      for (i = 1; i <= n; i++) if (index(file, d[i]) == 1) hit = 1
      if (!hit || index(file, "core/internal/wasmprobe/") == 1) next
      key = $1; stmts[key] = $2; if ($3 > 0) covered[key] = 1
    }
    END {
      for (k in stmts) { total += stmts[k]; if (k in covered) cov += stmts[k] }
      pct = total ? 100 * cov / total : 0
      printf "coverage of %s: %.1f%% of %d statements (minimum %d%%)\n", names, pct, total, min
      exit !(pct >= min)
    }' "$profile" || { echo "coverage below ${min}%" >&2; exit 1; }
}

cmd_test() {
  need_go
  echo "== go vet"
  go vet ./...
  echo "== go test -race"
  local profile
  profile=$(mktemp)
  trap 'rm -f "$profile"' RETURN
  go test -race -count=1 -coverprofile="$profile" ./...
  echo "== coverage"
  coverage_gate "$profile" 85 core filter
}

cmd_fuzz() {
  need_go
  local secs=${1:-60}
  local target pkg
  while read -r pkg target; do
    echo "== fuzz $pkg $target (${secs}s)"
    go test "$pkg" -run='^$' -fuzz="^${target}\$" -fuzztime="${secs}s"
  done < <(grep -rl --include='*_test.go' '^func Fuzz' core filter | while read -r f; do
      for t in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do echo "./$(dirname "$f") $t"; done
    done)
}

case "${1:-}" in
  demo)  need_go; go run ./cmd/flowthings-demo ;;
  test)  cmd_test ;;
  build) need_go; mkdir -p dist; go build -trimpath -o dist/flowthings-emulator ./cmd/flowthings-emulator; echo "built dist/flowthings-emulator" ;;
  fuzz)  shift; cmd_fuzz "$@" ;;
  *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac

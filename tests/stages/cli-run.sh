#!/usr/bin/env bash
# The first command of the README and `void-ls run` as CI uses it, with the real binary:
# - `void-ls demo` (the README's "Try it") runs offline and passes;
# - every example passes against the embedded echo server, and each reporter's output is
#   checked: JUnit XML parsed with Python's XML parser (testsuite per file, testcase per
#   section, no failures), JSON read for the summary;
# - `check` and `fmt --check` accept every example, and a failing run exits 1.
# Reports are kept under artifacts/cli-run/ as evidence.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"

cargo build --locked -p void-ls
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/void-ls
OUT=$ROOT/artifacts/cli-run
rm -rf "$OUT" && mkdir -p "$OUT"

echo "void-ls demo"
"$BIN" demo all --color never | tee "$OUT/demo.txt"
grep -q "PASSED" "$OUT/demo.txt"

echo "void-ls check / fmt --check on examples/"
"$BIN" check examples/*.void
"$BIN" fmt --check examples/*.void

echo "void-ls run examples/ (junit, json, transcripts)"
"$BIN" run examples/ --echo-server --jobs 3 --reporter junit -o "$OUT/junit.xml" --transcript "$OUT/transcripts"
"$BIN" run examples/ --echo-server --reporter json -o "$OUT/report.json"
python3 - "$OUT" <<'PY'
import json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
root = ET.parse(f"{out}/junit.xml").getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
files = {s.get("name") for s in suites}
assert len(files) >= 6, files
cases = [c for s in suites for c in s.findall("testcase")]
assert len(cases) == int(root.get("tests")), (len(cases), root.get("tests"))
assert not list(root.iter("failure")), "failures in junit"
assert not list(root.iter("error")), "errors in junit"
report = json.load(open(f"{out}/report.json"))
assert report["passed"] is True, report["summary"]
assert report["summary"]["sections"] == len(cases), report["summary"]
print(f"junit: {len(suites)} suites, {len(cases)} cases; json: {report['summary']}")
PY

echo "a failing run exits 1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/          - hello, void$/          - goodbye, void/' examples/echo.void > "$tmp/failing.void"
set +e
"$BIN" run "$tmp/failing.void" --echo-server --color never > "$OUT/failing.txt"
code=$?
set -e
cat "$OUT/failing.txt"
[[ $code == 1 ]] || { echo "expected exit 1, got $code"; exit 1; }
grep -q "actual   hello, void" "$OUT/failing.txt"
echo "cli-run stage passed"

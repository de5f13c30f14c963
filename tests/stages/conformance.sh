#!/usr/bin/env bash
# Autobahn client conformance of the session engine itself: cases 1.* to 10.* (the suite has
# no section 8) run by kosoku's fuzzing server against server/session/examples/autobahn_client.rs,
# which runs every case as a void-session Session and echoes through the engine's send path.
# Fails when any case fails. Reports (HTML + JSON) go to artifacts/autobahn/.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh
ensure_python
if ! "$VOID_TEST_PYTHON" -c 'import kosoku' 2>/dev/null; then
  "$TOOLS/venv/bin/pip" install -q 'kosoku>=0.1,<0.2'
fi
KOSOKU=$TOOLS/venv/bin/kosoku

cargo build --release --locked -p void-session --example autobahn_client
CLIENT=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/autobahn_client

PORT=$("$VOID_TEST_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REPORTS=$ROOT/artifacts/autobahn
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

CASES=()
for section in 1 2 3 4 5 6 7 9 10; do CASES+=(-i "$section.*"); done
"$KOSOKU" -m fuzzingserver "${CASES[@]}" -o "$REPORTS" "127.0.0.1:$PORT" >"$REPORTS/kosoku.log" 2>&1 &
KOSOKU_PID=$!
cleanup() { kill "$KOSOKU_PID" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done

start=$SECONDS
timeout 900 "$CLIENT" "ws://127.0.0.1:$PORT" void-session
set +e
wait "$KOSOKU_PID"
status=$?
set -e
trap - EXIT
cat "$REPORTS/kosoku.log"
echo "autobahn client run took $((SECONDS - start)) s"

"$VOID_TEST_PYTHON" - "$REPORTS/index.json" <<'PY'
import collections, json, sys
cases = json.load(open(sys.argv[1]))["void-session"]
counts = collections.Counter(case["behavior"] for case in cases.values())
print("cases run:", len(cases), " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
failed = sorted(k for k, case in cases.items() if case["behavior"] == "FAILED" or case.get("behaviorClose") == "FAILED")
if failed:
    print("FAILED cases:", " ".join(failed))
    sys.exit(1)
PY
exit "$status"

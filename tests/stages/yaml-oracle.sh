#!/usr/bin/env bash
# The YAML differential test: our block writer against the real npm `yaml` 2.7.0, the package
# the Voiden app saves blocks with (docs/format.md §1.1). Every block of the fixtures, the
# examples and the Voiden sample files, and 20,000 generated values (seeded: multi-line strings
# with and without long lines, leading spaces, trailing newlines, every quoting trigger,
# unicode, control characters, compact tables, deep nesting, long keys), must come out of our
# `stringify` exactly as out of `YAML.stringify`, and every block must read as `YAML.parse`
# reads it. The report is artifacts/yaml-oracle/report.txt.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh
ensure_yaml_oracle
files=(tests/fixtures/*.void examples/*.void)
if ensure_samples; then files+=("$VOID_SAMPLES"/*.void); fi

ART=$ROOT/artifacts/yaml-oracle
mkdir -p "$ART"
cargo build --locked -q -p void-syntax --example yaml_oracle_cases
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/yaml_oracle_cases
"$BIN" --generated 20000 --seed 1 "${files[@]}" >"$ART/cases.jsonl"
VOID_ORACLE_MIN_CASES=20000 node tests/yaml-oracle/compare.mjs "$ART/cases.jsonl" | tee "$ART/report.txt"
rm -f "$ART/cases.jsonl"

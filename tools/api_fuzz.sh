#!/usr/bin/env bash
# Property-based testing of the REST API against its own OpenAPI document with
# Schemathesis (an independent implementation): every check (status codes,
# schema conformance of requests and responses, accepted and rejected
# bodies, stateful links). Exits non-zero on any failure.
#
#   tools/api_fuzz.sh [path/to/cluneal] [max examples per operation] [python]
set -euo pipefail
bin=${1:-target/debug/cluneal}
examples=${2:-50}
py=${3:-python3}
data=$(mktemp -d)
port_file=$(mktemp)
"$bin" serve --port 0 --data-dir "$data" > "$port_file" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data" "$port_file"' EXIT
for _ in $(seq 1 50); do grep -q "listening on" "$port_file" && break; sleep 0.1; done
base=$(awk '/listening on/ {print $3; exit}' "$port_file")
"$py" -m schemathesis.cli run "$base/api/openapi.json" --checks all --max-examples "$examples" --workers 1 --seed 1

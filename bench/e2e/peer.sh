# Sourced by the bench's shell scripts (pair.sh, alternate.sh, ../idle-check.sh).
#
#   build_bench [CHECKOUT]        compile CHECKOUT (default .) into its .bench-build/, as `npm run bench` does
#   start_peer COMMAND [ARGS...]  start a peer that prints its port on its first line; sets $work (a temp
#                                 folder), $server (its pid) and $port; the peer and $work go at exit

build_bench() {
  (cd "${1:-.}" && node node_modules/typescript/bin/tsc -p bench/e2e/tsconfig.json --outDir .bench-build >/dev/null) || true
}

start_peer() {
  work=$(mktemp -d)
  "$@" >"$work/port" &
  server=$!
  trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(head -1 "$work/port" | tr -dc 0-9)
}

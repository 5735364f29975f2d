#!/usr/bin/env bash
# Fan `show version` out to N simulated eAPI devices: netdash vs pyeapi on a 32-thread pool.
# Run by hand (not in CI):  bash benches/fanout.sh [N=1000] [ROUNDS=3] [LATENCY_MS=100]
#
# Part 1, a lab that answers at once: CPU decides. For each tool: wall time, requests/s,
#   peak memory and client CPU (user+sys) per device; the best round counts.
# Part 2, a lab that answers LATENCY_MS late (`netdash lab --latency-ms`), as devices tens to
#   hundreds of milliseconds away do: concurrency decides. pyeapi on 32 threads beside
#   netdash at --concurrency 32, 64, 128 and 256 (CONCURRENCIES to change them).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
ROUNDS=${2:-3}
LATENCY_MS=${3:-100}
CONCURRENCIES=${CONCURRENCIES:-32 64 128 256}
work=$(mktemp -d)
lab=""
cleanup() {
  # Only the lab this script started, by its id.
  [ -n "$lab" ] && kill "$lab" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet
bin=target/release/netdash
py=target/pyclients/bin/python
if [ ! -x "$py" ]; then
  python3 -m venv target/pyclients
  target/pyclients/bin/pip install --quiet pyeapi==1.0.4
fi
export NETDASH_DATA_DIR=$work/data NETDASH_STATE_DIR=$work/state

start_lab() { # latency_ms
  [ -n "$lab" ] && { kill "$lab" 2>/dev/null || true; wait "$lab" 2>/dev/null || true; }
  rm -f "$work/config.toml"
  $bin lab --eos "$N" --asa 0 --aoscx 0 --arubaos 0 --central 0 --latency-ms "$1" \
    --write-config "$work/config.toml" >"$work/lab.log" 2>&1 &
  lab=$!
  for _ in $(seq 300); do grep -q "serving until" "$work/lab.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "serving until" "$work/lab.log" || { echo "the lab did not start:"; cat "$work/lab.log"; exit 1; }
}

measure() { # label, rounds, command...
  local label=$1 rounds=$2; shift 2
  local best=""
  for r in $(seq "$rounds"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r wall rss user sys <"$work/time"
    ok=$(grep -c '"ok": *true' "$work/out" || true)
    cpu=$(echo "($user + $sys) * 1000 / $N" | bc -l)
    printf '%-12s round %d: %6.2f s  %7.0f req/s  peak %6.1f MiB  CPU %.3f ms/device (user %.2f s, sys %.2f s)  ok %d/%d\n' \
      "$label" "$r" "$wall" "$(echo "$N / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$cpu" "$user" "$sys" "$ok" "$N"
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then best=$wall; fi
    if [ ! -s "$work/cpu-$label" ] || [ "$(echo "$cpu < $(cat "$work/cpu-$label")" | bc -l)" = 1 ]; then
      echo "$cpu" >"$work/cpu-$label"
    fi
  done
  echo "$best" >"$work/best-$label"
}

echo "== $N devices answering at once"
start_lab 0
measure netdash "$ROUNDS" $bin --config "$work/config.toml" run --json @all -- show version
measure pyeapi "$ROUNDS" "$py" benches/pyeapi_fanout.py "$work/config.toml" 32
nd=$(cat "$work/best-netdash"); pe=$(cat "$work/best-pyeapi")
printf 'best wall: netdash %.2f s, pyeapi %.2f s: netdash is %.1fx faster\n' "$nd" "$pe" "$(echo "$pe / $nd" | bc -l)"
printf 'best CPU per device: netdash %.3f ms, pyeapi %.3f ms\n' "$(cat "$work/cpu-netdash")" "$(cat "$work/cpu-pyeapi")"

echo "== $N devices answering ${LATENCY_MS} ms late"
start_lab "$LATENCY_MS"
measure pyeapi-32 1 "$py" benches/pyeapi_fanout.py "$work/config.toml" 32
for c in $CONCURRENCIES; do
  measure "netdash-$c" 1 $bin --config "$work/config.toml" run --json --concurrency "$c" @all -- show version
done

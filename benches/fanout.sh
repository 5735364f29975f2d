#!/usr/bin/env bash
# Fan `show version` out to N simulated eAPI devices: netdash vs pyeapi on a 32-thread pool.
# Run by hand (not in CI):  bash benches/fanout.sh [N=1000] [ROUNDS=3]
# Prints wall time, requests/s and peak memory for each, and the speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
ROUNDS=${2:-3}
work=$(mktemp -d)
trap 'kill $lab 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/netdash
py=target/pyclients/bin/python
if [ ! -x "$py" ]; then
  python3 -m venv target/pyclients
  target/pyclients/bin/pip install --quiet pyeapi==1.0.4
fi

$bin lab --eos "$N" --asa 0 --aoscx 0 --arubaos 0 --central 0 --write-config "$work/config.toml" >"$work/lab.log" 2>&1 &
lab=$!
for _ in $(seq 100); do [ -s "$work/config.toml" ] && break; sleep 0.1; done
export NETDASH_DATA_DIR=$work/data NETDASH_STATE_DIR=$work/state

measure() { # label, command...
  local label=$1; shift
  local best=""
  for r in $(seq "$ROUNDS"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r wall rss <"$work/time"
    ok=$(grep -c '"ok": *true' "$work/out" || true)
    printf '%-8s round %d: %6.2f s  %7.0f req/s  peak %6.1f MiB  ok %d/%d\n' \
      "$label" "$r" "$wall" "$(echo "$N / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$ok" "$N"
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then best=$wall; fi
  done
  echo "$best" >"$work/best-$label"
}

measure netdash $bin --config "$work/config.toml" run --json @all -- show version
measure pyeapi "$py" benches/pyeapi_fanout.py "$work/config.toml" 32
nd=$(cat "$work/best-netdash"); pe=$(cat "$work/best-pyeapi")
printf 'best: netdash %.2f s, pyeapi %.2f s: netdash is %.1fx faster\n' "$nd" "$pe" "$(echo "$pe / $nd" | bc -l)"

#!/usr/bin/env bash
# One machine, 10,000 devices: `netdash watch` polling N simulated eAPI switches every
# POLL seconds. Reports the lab's start time and memory, the time from start until every
# device has answered a poll, and then the watcher's steady CPU (% of one core) and memory
# over STEADY seconds. Run by hand, not in CI:
#
#   cargo build --release
#   bash benches/scale.sh [N=10000] [POLL=60] [STEADY=180]
#
# Goals (issue 10): steady CPU under 10 % of one core, RSS under 300 MB.
# Env: NETDASH (binary, default target/release/netdash), LATENCY_MS (lab delay, default 0),
# MODE=watch (default) or MODE=exporter (`netdash exporter`, scraped every 15 s in the
# steady phase as a Prometheus would: the scrapes' cost is in its CPU figure).
# Both processes need about N+100 file descriptors each (the script raises its soft limit;
# netdash raises its own to the hard limit).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
POLL=${2:-60}
STEADY=${3:-180}
NETDASH=${NETDASH:-target/release/netdash}
LATENCY_MS=${LATENCY_MS:-0}
MODE=${MODE:-watch}
DIR=$(mktemp -d -t netdash-scale.XXXXXX)

[ -x "$NETDASH" ] || { echo "scale: $NETDASH not found; run cargo build --release (or set NETDASH)" >&2; exit 2; }
[ -r /proc/self/stat ] || { echo "scale: needs Linux /proc" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((N + 200)) ]; then
    echo "scale: the open-file limit ($(ulimit -n)) is below N+200; raise it (ulimit -Hn) or lower N" >&2
    exit 2
fi

LAB_PID=""
WATCH_PID=""
cleanup() {
    # Only the two processes this script started, by their ids.
    [ -n "$WATCH_PID" ] && kill -TERM "$WATCH_PID" 2>/dev/null || true
    [ -n "$LAB_PID" ] && kill -TERM "$LAB_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

export NETDASH_DATA_DIR=$DIR/data NETDASH_STATE_DIR=$DIR/state NETDASH_CONFIG_DIR=$DIR/config
T0=$(now)
"$NETDASH" lab --eos "$N" --asa 0 --aoscx 0 --arubaos 0 --central 0 --latency-ms "$LATENCY_MS" \
    --write-config "$DIR/config.toml" >"$DIR/lab.out" 2>&1 &
LAB_PID=$!
for _ in $(seq 1200); do
    grep -q "serving until" "$DIR/lab.out" 2>/dev/null && break
    kill -0 "$LAB_PID" 2>/dev/null || break
    sleep 0.05
done
grep -q "serving until" "$DIR/lab.out" || { echo "scale: the lab did not start:" >&2; cat "$DIR/lab.out" >&2; exit 1; }
echo "lab: $N eAPI devices serving after $(since "$T0") s, RSS $(rss_mib "$LAB_PID") MiB"
sed -i "s/^poll_interval_secs = .*/poll_interval_secs = $POLL/" "$DIR/config.toml"

T1=$(now)
C1=$(cpu_ticks "$LAB_PID")
if [ "$MODE" = exporter ]; then
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$NETDASH" --config "$DIR/config.toml" exporter --listen "127.0.0.1:$PORT" >"$DIR/watch.out" 2>"$DIR/watch.err" &
else
    "$NETDASH" --config "$DIR/config.toml" watch --json >"$DIR/watch.jsonl" 2>"$DIR/watch.err" &
fi
WATCH_PID=$!
touch "$DIR/watch.jsonl"
scrape() { curl -s -H 'Accept: text/plain' "http://127.0.0.1:$PORT/metrics"; }
up=0
while [ "$up" -lt "$N" ]; do
    sleep 1
    kill -0 "$WATCH_PID" 2>/dev/null || { echo "scale: netdash $MODE exited early:" >&2; cat "$DIR/watch.err" >&2; exit 1; }
    if [ "$MODE" = exporter ]; then
        up=$(scrape | grep -c '^netdash_device_up{.*} 1$' || true)
    else
        up=$(grep '"event":"polled"' "$DIR/watch.jsonl" | grep -o '"target":"[^"]*"' | sort -u | wc -l)
    fi
    if awk -v t="$(since "$T1")" -v p="$POLL" 'BEGIN {exit !(t > 3 * p)}'; then
        echo "scale: only $up of $N devices answered within 3 poll intervals" >&2
        exit 1
    fi
done
echo "$MODE: all $N devices polled $(since "$T1") s after start; RSS $(rss_mib "$WATCH_PID") MiB (peak $(hwm_mib "$WATCH_PID") MiB)"

# Steady state: whole poll intervals after everyone is up.
S0=$(now)
W0=$(cpu_ticks "$WATCH_PID")
L0=$(cpu_ticks "$LAB_PID")
min=999999
max=0
tick=0
while awk -v t="$(since "$S0")" -v s="$STEADY" 'BEGIN {exit !(t < s)}'; do
    sleep 5
    tick=$((tick + 1))
    if [ "$MODE" = exporter ] && [ $((tick % 3)) = 0 ]; then scrape >/dev/null; fi
    r=$(rss_mib "$WATCH_PID")
    [ "$r" -lt "$min" ] && min=$r
    [ "$r" -gt "$max" ] && max=$r
done
W1=$(cpu_ticks "$WATCH_PID")
L1=$(cpu_ticks "$LAB_PID")
secs=$(since "$S0")
awk -v w0="$W0" -v w1="$W1" -v l0="$L0" -v l1="$L1" -v hz="$TICKS" -v s="$secs" -v n="$N" -v p="$POLL" \
    'BEGIN {
        printf "'"$MODE"' steady over %.0f s: CPU %.1f %% of one core (%.3f ms per poll); ", s, 100 * (w1 - w0) / hz / s, 1000 * (w1 - w0) / hz / (n * s / p)
        printf "lab: %.1f %%\n", 100 * (l1 - l0) / hz / s
    }'
echo "$MODE steady RSS: $min-$max MiB (peak since start $(hwm_mib "$WATCH_PID") MiB); lab RSS $(rss_mib "$LAB_PID") MiB"
failed=$(grep -c '"event":"poll_failed"' "$DIR/watch.jsonl" || true)
echo "poll failures seen: $failed; lab CPU during start-up: $(awk -v a="$C1" -v b="$L0" -v hz="$TICKS" 'BEGIN {printf "%.1f s", (b - a) / hz}')"
grep '"event":"poll_failed"' "$DIR/watch.jsonl" | grep -o '"error":"[^"]*"' | sort | uniq -c | sort -rn | head -5 || true

#!/usr/bin/env bash
# Idle CPU of the wall screen: `netdash --kiosk` at 160x48 (the big header redrawn by the
# once-a-second clock) in a private tmux against `netdash lab`, measured from /proc after a
# warm-up. The goal is under 0.3 % of a core; measured (release, the default lab of six
# targets, poll 30 s, 120 s on a shared 2-core VM): 0.11 % with --kiosk, 0.12 % for the
# normal dashboard. Run by hand, not in CI:
#
#   cargo build --release
#   benches/kiosk_idle.sh [SECONDS=120] [WARMUP=15]
#
# Env: NETDASH (binary, default target/release/netdash), POLL (poll interval seconds, 30),
# FLAGS (default --kiosk; FLAGS=--read-only measures the normal dashboard for comparison).
set -euo pipefail

SECS=${1:-120}
WARM=${2:-15}
NETDASH=${NETDASH:-target/release/netdash}
POLL=${POLL:-30}
FLAGS=${FLAGS:---kiosk}
DIR=$(mktemp -d -t netdash-kiosk.XXXXXX)
SOCK="netdash-kiosk-idle-$$"

[ -x "$NETDASH" ] || { echo "kiosk_idle: $NETDASH not found; run cargo build --release (or set NETDASH)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "kiosk_idle: needs tmux" >&2; exit 2; }
NETDASH=$(realpath "$NETDASH")

LAB_PID=""
cleanup() {
    # Only what this script started: its own tmux server and its lab, by id.
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    [ -n "$LAB_PID" ] && kill -TERM "$LAB_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

export NETDASH_DATA_DIR=$DIR/data NETDASH_STATE_DIR=$DIR/state NETDASH_CONFIG_DIR=$DIR/config
"$NETDASH" lab --write-config "$DIR/config.toml" >"$DIR/lab.out" 2>&1 &
LAB_PID=$!
for _ in $(seq 100); do
    grep -q "serving until" "$DIR/lab.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "serving until" "$DIR/lab.out" || { echo "kiosk_idle: the lab did not start:" >&2; cat "$DIR/lab.out" >&2; exit 1; }
sed -i "s/^poll_interval_secs = .*/poll_interval_secs = $POLL/" "$DIR/config.toml"

tmux -L "$SOCK" new-session -d -s k -x 160 -y 48 \
    "exec env NETDASH_DATA_DIR=$DIR/data NETDASH_STATE_DIR=$DIR/state NETDASH_CONFIG_DIR=$DIR/config $NETDASH $FLAGS --config $DIR/config.toml"
sleep "$WARM"
PID=$(tmux -L "$SOCK" display -p -t k '#{pane_pid}')
tmux -L "$SOCK" capture-pane -p -t k | head -4

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
T0=$(date +%s.%N); C0=$(cpu_ticks "$PID")
sleep "$SECS"
T1=$(date +%s.%N); C1=$(cpu_ticks "$PID")
awk -v c0="$C0" -v c1="$C1" -v t0="$T0" -v t1="$T1" -v hz="$TICKS" -v p="$POLL" -v f="$FLAGS" 'BEGIN {
    printf "kiosk_idle (%s): %.0f s, poll every %d s: %.3f %% of a core (%d ticks)\n", f, t1 - t0, p, 100 * (c1 - c0) / hz / (t1 - t0), c1 - c0
}'

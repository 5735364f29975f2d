#!/usr/bin/env bash
# Soak: `netdash watch` against a lab that misbehaves (`netdash lab --faults cycle`), for N
# minutes, sampling the watcher's memory (RSS) and CPU from /proc every few seconds.
# Memory should be flat after the first minutes. Run by hand, not in CI:
#
#   cargo build --release
#   benches/soak.sh [MINUTES=30] [SAMPLE_SECS=5]
#
# Env: NETDASH (binary, default target/release/netdash), CYCLE (fault step seconds, 10),
# POLL (poll interval seconds, 2), EOS (simulated EOS switches, 4).
# Writes samples to $OUT (default a temp dir) as CSV: seconds,rss_kib,cpu_percent.
set -euo pipefail

MINUTES=${1:-30}
SAMPLE=${2:-5}
NETDASH=${NETDASH:-target/release/netdash}
CYCLE=${CYCLE:-10}
POLL=${POLL:-2}
EOS=${EOS:-4}
DIR=$(mktemp -d -t netdash-soak.XXXXXX)
OUT=${OUT:-$DIR/samples.csv}

[ -x "$NETDASH" ] || { echo "soak: $NETDASH not found; run cargo build --release (or set NETDASH)" >&2; exit 2; }
[ -r /proc/self/stat ] || { echo "soak: needs Linux /proc" >&2; exit 2; }

LAB_PID=""
WATCH_PID=""
cleanup() {
    # Only the two processes this script started, by their ids.
    [ -n "$WATCH_PID" ] && kill -TERM "$WATCH_PID" 2>/dev/null || true
    [ -n "$LAB_PID" ] && kill -TERM "$LAB_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

export NETDASH_DATA_DIR=$DIR/data NETDASH_STATE_DIR=$DIR/state NETDASH_CONFIG_DIR=$DIR/config
# Short idle timeouts: a session a fault orphaned (its logout met a 500) dies within the run.
"$NETDASH" lab --eos "$EOS" --faults "cycle:$CYCLE" --session-idle 60 --write-config "$DIR/config.toml" \
    >"$DIR/lab.out" 2>&1 &
LAB_PID=$!
for _ in $(seq 100); do
    grep -q "serving until" "$DIR/lab.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "serving until" "$DIR/lab.out" || { echo "soak: the lab did not start:" >&2; cat "$DIR/lab.out" >&2; exit 1; }
sed -i "s/^poll_interval_secs = .*/poll_interval_secs = $POLL\ntimeout_secs = 5/" "$DIR/config.toml"

"$NETDASH" --config "$DIR/config.toml" watch --json >"$DIR/watch.jsonl" 2>"$DIR/watch.err" &
WATCH_PID=$!

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "soak: $MINUTES min, sample every $SAMPLE s, faults cycle every $CYCLE s, poll every $POLL s"
echo "soak: files in $DIR"
echo "seconds,rss_kib,cpu_percent" >"$OUT"
START=$(date +%s.%N)
END=$(awk -v s="$START" -v m="$MINUTES" 'BEGIN {printf "%.0f", s + m * 60}')
LAST_T=$START
LAST_C=$(cpu_ticks "$WATCH_PID")
while [ "$(date +%s)" -lt "$END" ]; do
    sleep "$SAMPLE"
    kill -0 "$WATCH_PID" 2>/dev/null || { echo "soak: netdash watch exited early:" >&2; cat "$DIR/watch.err" >&2; exit 1; }
    NOW=$(date +%s.%N)
    C=$(cpu_ticks "$WATCH_PID")
    R=$(rss_kib "$WATCH_PID")
    awk -v t="$NOW" -v lt="$LAST_T" -v c="$C" -v lc="$LAST_C" -v hz="$TICKS" -v r="$R" -v s="$START" \
        'BEGIN {printf "%.0f,%d,%.1f\n", t - s, r, 100 * (c - lc) / hz / (t - lt)}' >>"$OUT"
    LAST_T=$NOW
    LAST_C=$C
done

# Stop the watcher the way a user would: it logs every session out.
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" && STATUS=0 || STATUS=$?
WATCH_PID=""

awk -F, -v minutes="$MINUTES" '
    NR == 1 { next }
    {
        n++; t[n] = $1; r[n] = $2; c[n] = $3
        if ($2 > peak) peak = $2
        if ($3 > cpeak) cpeak = $3
        csum += $3
    }
    END {
        if (n == 0) { print "soak: no samples"; exit 1 }
        # Warm-up: the first fifth of the run (at most 5 minutes) fills pools and caches.
        warm = minutes * 60 / 5; if (warm > 300) warm = 300
        for (i = 1; i <= n; i++) if (t[i] >= warm) { base = r[i]; bt = t[i]; break }
        wmax = 0
        for (i = 1; i <= n; i++) if (t[i] >= warm && r[i] > wmax) wmax = r[i]
        printf "samples:           %d over %d s\n", n, t[n]
        printf "RSS peak:          %.1f MiB\n", peak / 1024
        printf "RSS final:         %.1f MiB\n", r[n] / 1024
        printf "RSS after warm-up: %.1f MiB at %d s, peak since %.1f MiB (growth %+.1f MiB)\n", base / 1024, bt, wmax / 1024, (r[n] - base) / 1024
        printf "CPU mean:          %.1f %% of one core\n", csum / n
        printf "CPU peak:          %.1f %% of one core (one %s s sample)\n", cpeak, (n > 1 ? t[2] - t[1] : t[1])
    }' "$OUT"
# A session whose logout met a fault is orphaned on the device until its idle timeout (60 s
# here): wait it out, so what the lab still counts is what netdash left behind.
echo "waiting 65 s for sessions orphaned by faults to time out at the lab..."
sleep 65
kill -TERM "$LAB_PID"
wait "$LAB_PID" || true
LAB_PID=""
echo "watch exit status: $STATUS; $(tail -n 1 "$DIR/lab.out")"
echo "events seen: $(wc -l <"$DIR/watch.jsonl"), failed polls: $(grep -c '"poll_failed"' "$DIR/watch.jsonl" || true)"
echo "samples: $OUT"

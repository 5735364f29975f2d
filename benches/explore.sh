#!/usr/bin/env bash
# First frame of `netdash explore` on a 50 MB JSON file, side by side with jless; then
# expand-all, search to the last match and G on a 50 MB array of 188,000 AP objects
# (benches/explore_ops.rs: the reducer, worker code and a 160x48 frame, timed in-process).
# Run by hand (not in CI):  bash benches/explore.sh [MB=50] [ROUNDS=5]
# jless: `cargo install jless` (needs libxcb1-dev for its clipboard support).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-50}
ROUNDS=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
python3 - "$work/big.json" "$MB" <<'PY'
import json, sys
path, mb = sys.argv[1], int(sys.argv[2])
item = {"name": "Ethernet1/1", "description": "uplink to spine-01", "mtu": 9214, "up": True,
        "counters": {"inOctets": 123456789, "outOctets": 987654321, "inErrors": 0},
        "vlans": [10, 20, 30], "neighbor": None}
n = mb * 1024 * 1024 // len(json.dumps(item))
doc = {"device": "lab-eos-01", "interfaces": [dict(item, name=f"Ethernet{i}") for i in range(n)]}
with open(path, "w") as f:
    json.dump(doc, f)
PY
ls -l "$work/big.json" | awk '{printf "file: %.1f MB\n", $5/1048576}'
nd=$(python3 benches/first_frame.py interfaces "$ROUNDS" -- target/release/netdash explore "$work/big.json")
echo "netdash explore first frame: ${nd} s (median of $ROUNDS)"
if command -v jless >/dev/null; then
  jl=$(python3 benches/first_frame.py interfaces "$ROUNDS" -- jless "$work/big.json")
  echo "jless first frame:           ${jl} s (median of $ROUNDS)"
  python3 -c "print(f'netdash is {float(\"$jl\") / float(\"$nd\"):.1f}x sooner')"
else
  echo "jless is not installed (cargo install jless); compare with its documented ~0.5 s"
fi
echo
echo "expand-all, search, G on 188,000 AP objects (each up to its frame at 160x48):"
cargo bench --quiet --bench explore_ops

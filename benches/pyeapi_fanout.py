"""pyeapi on a thread pool: `show version` on every eos device of a netdash lab config.

Usage: python pyeapi_fanout.py CONFIG THREADS. Prints one JSON line per device, like
`netdash run --json`, so the benchmark script can count successes the same way.
"""
import json
import ssl
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pyeapi


def one(dev, ctx):
    host, port = dev["host"].rsplit(":", 1)
    node = pyeapi.connect(transport="https", host=host, port=int(port), username=dev["username"],
                          password=dev["password"], context=ctx, return_node=True)
    try:
        out = node.enable("show version")[0]["result"]
        return {"target": dev["name"], "ok": True, "output": out}
    except Exception as e:  # noqa: BLE001 - the benchmark reports, it does not stop
        return {"target": dev["name"], "ok": False, "error": str(e)}


def main(path, threads):
    cfg = tomllib.load(open(path, "rb"))
    devs = [d for d in cfg["devices"] if d["kind"] == "eos"]
    ctx = ssl.create_default_context(cafile=devs[0]["ca_cert"])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for r in pool.map(lambda d: one(d, ctx), devs):
            print(json.dumps(r))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

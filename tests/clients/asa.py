"""Plain calls written from the Cisco ASA REST API seed (urllib only), against the lab.

Token login (POST /api/tokenservices, Basic auth, 204 + X-Auth-Token), a CLI call
(POST /api/cli), a REST GET, and token deletion. Usage: python asa.py LAB_CONFIG_TOML.
"""
import base64
import json
import ssl
import sys
import tomllib
import urllib.request


def main(path):
    cfg = tomllib.load(open(path, "rb"))
    dev = next(d for d in cfg["devices"] if d["kind"] == "asa")
    base = "https://" + dev["host"]
    ctx = ssl.create_default_context(cafile=dev["ca_cert"])
    basic = base64.b64encode(f"{dev['username']}:{dev['password']}".encode()).decode()
    common = {"Content-Type": "application/json", "User-Agent": "REST API Agent"}

    def call(method, url, body=None, headers=None):
        req = urllib.request.Request(base + url, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={**common, **(headers or {})})
        return urllib.request.urlopen(req, context=ctx)

    r = call("POST", "/api/tokenservices", None, {"Authorization": "Basic " + basic})
    assert r.status == 204, r.status
    token = r.headers["X-Auth-Token"]
    assert token
    auth = {"X-Auth-Token": token}
    out = json.load(call("POST", "/api/cli", {"commands": ["show hostname"]}, auth))
    assert out["response"][0].strip() == dev["name"], out
    ver = json.load(call("GET", "/api/monitoring/device/components/version", None, auth))
    assert ver["kind"] == "object#Version", ver
    r = call("DELETE", f"/api/tokenservices/{token}", None, {**auth, "Authorization": "Basic " + basic})
    assert r.status == 204, r.status
    print(f"asa plain calls: ok ({ver['asaVersion']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

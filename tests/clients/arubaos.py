"""Plain calls written from the ArubaOS 8 Mobility Conductor REST seed (urllib only).

Form login on /v1/api/login (UIDARUBA in the JSON answer), a showcommand with UIDARUBA as a
query parameter, and logout. Usage: python arubaos.py LAB_CONFIG_TOML.
"""
import json
import ssl
import sys
import tomllib
import urllib.parse
import urllib.request


def main(path):
    cfg = tomllib.load(open(path, "rb"))
    dev = next(d for d in cfg["devices"] if d["kind"] == "arubaos")
    base = "https://" + dev["host"]
    ctx = ssl.create_default_context(cafile=dev["ca_cert"])

    form = urllib.parse.urlencode({"username": dev["username"], "password": dev["password"]}).encode()
    req = urllib.request.Request(base + "/v1/api/login", data=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    login = json.load(urllib.request.urlopen(req, context=ctx))
    result = login["_global_result"]
    assert result["status"] == "0", result
    uid = result["UIDARUBA"]
    cookie = {"Cookie": f"SESSION={uid}"}

    q = urllib.parse.urlencode({"command": "show ap database", "UIDARUBA": uid})
    req = urllib.request.Request(base + "/v1/configuration/showcommand?" + q, headers=cookie)
    table = json.load(urllib.request.urlopen(req, context=ctx))
    assert "AP Database" in table, table

    bad = urllib.parse.urlencode({"username": dev["username"], "password": "wrong"}).encode()
    req = urllib.request.Request(base + "/v1/api/login", data=bad,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    fail = json.load(urllib.request.urlopen(req, context=ctx))
    assert fail["_global_result"]["status"] == "1", fail

    req = urllib.request.Request(base + "/v1/api/logout", headers={**cookie, "Content-Type": "application/json"})
    out = json.load(urllib.request.urlopen(req, context=ctx))
    assert out["_global_result"]["status"] == "0", out
    print(f"arubaos plain calls: ok ({len(table['AP Database'])} APs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

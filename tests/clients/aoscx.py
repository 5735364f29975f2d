"""pyaoscx (HPE Aruba's own client), unchanged, against the netdash lab.

Session.login / Session.logout exactly as pyaoscx ships them (form login with
x-use-csrf-token, the token copied into the session headers), plus one GET through the
same requests session. Usage: python aoscx.py LAB_CONFIG_TOML.
"""
import logging
import sys
import tomllib

import urllib3
from pyaoscx.session import Session

# pyaoscx logs in with verify=False; keep its warning out of the test output.
urllib3.disable_warnings()


def main(path):
    cfg = tomllib.load(open(path, "rb"))
    dev = next(d for d in cfg["devices"] if d["kind"] == "aoscx")
    base_url = f"https://{dev['host']}/rest/v10.09/"
    s = Session.login(base_url, dev["username"], dev["password"])
    assert "x-csrf-token" in s.headers, "the lab must hand out a CSRF token"
    r = s.get(base_url + "system?attributes=hostname,software_version", verify=dev["ca_cert"])
    assert r.status_code == 200, (r.status_code, r.text)
    system = r.json()
    assert system["hostname"] == dev["name"], system
    r = s.get(base_url + "system/vlans", verify=dev["ca_cert"])
    assert r.status_code == 200 and "1" in r.json(), r.text
    assert Session.logout(s=s, url=base_url), "logout failed"
    # After logout the cookie is dead.
    r = s.get(base_url + "system", verify=dev["ca_cert"])
    assert r.status_code == 401, r.status_code
    print(f"pyaoscx Session.login/logout: ok ({system['software_version']})")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    sys.exit(main(sys.argv[1]))

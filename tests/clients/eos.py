"""pyeapi (Arista's own client), unchanged, against the netdash lab.

Usage: python eos.py LAB_CONFIG_TOML. Exits non-zero with a message on any failure.
"""
import ssl
import sys
import tomllib
import urllib.request

import pyeapi
from pyeapi.eapilib import CommandError


def main(path):
    cfg = tomllib.load(open(path, "rb"))
    dev = next(d for d in cfg["devices"] if d["kind"] == "eos")
    host, port = dev["host"].rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=dev["ca_cert"])  # verification on

    for transport in ("https", "https_session"):
        node = pyeapi.connect(transport=transport, host=host, port=int(port),
                              username=dev["username"], password=dev["password"],
                              context=ctx, return_node=True)
        version = node.enable("show version")[0]["result"]
        assert version["modelName"] == "cEOSLab", version
        out = node.run_commands(["show hostname", "show vlan"])
        assert out[0]["hostname"] == dev["name"], out[0]
        assert "vlans" in out[1]
        text = node.run_commands(["show version"], encoding="text")[0]["output"]
        assert "Software image version" in text, text
        try:
            node.enable("show bogus")
            raise AssertionError("an invalid command must raise")
        except CommandError as e:
            assert e.error_code == 1002, e.error_code
        if transport == "https_session":
            # pyeapi never logs a session out; end the one it opened, as a careful script does.
            cookie = node.connection._auth[1].strip()
            req = urllib.request.Request(f"https://{dev['host']}/logout", data=b"", method="POST",
                                         headers={"Cookie": cookie})
            assert urllib.request.urlopen(req, context=ctx).status == 200
        print(f"pyeapi {transport}: ok ({version['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

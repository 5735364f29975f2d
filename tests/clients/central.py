"""pycentral (HPE Aruba's own client), unchanged, against the netdash lab.

ArubaCentralBase.command() with the seeded token, refreshToken() (rotation: the old
refresh token must then be refused), and command() again with the new token. Then
pycentral's own sign-in: no token and an empty token store, so it logs in (step 1), gets an
auth code (step 3) and exchanges it (step 4) back to back, then calls the API with it.
Usage: python central.py LAB_CONFIG_TOML.
"""
import json
import logging
import os
import sys
import tempfile
import time
import tomllib

from pycentral.base import ArubaCentralBase


def main(path):
    cfg = tomllib.load(open(path, "rb"))
    acct = cfg["central"][0]
    store = tempfile.mkdtemp()
    info = {
        "base_url": acct["base_url"],
        "client_id": acct["client_id"],
        "client_secret": acct["client_secret"],
        "customer_id": acct["customer_id"],
        "token": {"access_token": acct["access_token"], "refresh_token": acct["refresh_token"]},
    }
    logger = logging.getLogger("pycentral-check")
    logger.setLevel(logging.CRITICAL)
    base = ArubaCentralBase(central_info=info, token_store={"type": "local", "path": store},
                            logger=logger, ssl_verify=acct["ca_cert"])
    r = base.command("GET", "/central/v2/sites", apiParams={"offset": 0, "limit": 100})
    assert r["code"] == 200, r
    total = r["msg"]["total"]
    assert r["headers"].get("x-ratelimit-limit-second") == "7" or r["headers"].get("X-RateLimit-Limit-second") == "7", r["headers"]

    old = dict(base.central_info["token"])
    new = base.refreshToken(old)
    assert new and new["refresh_token"] != old["refresh_token"], new
    assert new["expires_in"] > 0, new
    time.sleep(1.1)  # the token endpoint allows one call per second
    assert base.refreshToken(old) is None, "a used refresh token must be refused (rotation)"
    base.central_info["token"] = new
    r = base.command("GET", "/monitoring/v2/aps", apiParams={"limit": 10, "calculate_total": "true"})
    assert r["code"] == 200 and len(r["msg"]["aps"]) == 10, r["code"]
    print(f"pycentral command/refreshToken: ok ({total} sites)")

    # pycentral's OAuth grant, as the user the lab config names.
    time.sleep(1.1)  # the token endpoint allows one call per second
    store = tempfile.mkdtemp()
    info = {
        "base_url": acct["base_url"],
        "client_id": acct["client_id"],
        "client_secret": acct["client_secret"],
        "customer_id": acct["customer_id"],
        "username": acct["username"],
        "password": acct["password"],
    }
    base = ArubaCentralBase(central_info=info, token_store={"type": "local", "path": store},
                            logger=logger, ssl_verify=acct["ca_cert"])
    tok = base.central_info["token"]
    assert tok and tok["access_token"] not in (acct["access_token"], new["access_token"]), tok
    assert tok["token_type"] == "bearer" and tok["expires_in"] > 0, tok
    r = base.command("GET", "/central/v2/sites")
    assert r["code"] == 200 and r["msg"]["total"] == total, r
    saved = [f for f in os.listdir(store) if f.startswith("tok_")]
    assert len(saved) == 1, saved
    with open(os.path.join(store, saved[0])) as fp:
        assert json.load(fp)["access_token"] == tok["access_token"]
    print("pycentral OAuth sign-in (login, auth code, token): ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

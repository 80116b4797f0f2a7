"""Builds payloads with hologram-python 0.10.3's own authentication classes.

    python payloads.py CASES_JSON

CASES_JSON is a list of cases; each is built with the reference class for
its kind and printed back, bytes as hex, in one JSON line:

  {"kind": "csrpsk", "devicekey", "data", "topics", "modem_type", "modem_id", "version"}
      CSRPSKAuthentication.buildPayloadString
  {"kind": "sms", "devicekey", "destination", "text"}
      CSRPSKAuthentication.buildSMSPayloadString
  {"kind": "totp", "device_id", "private_key", "timestamp", "data", "topics",
   "modem_type", "modem_id", "version"}
      HologramAuth's TOTPAuthentication.buildPayloadString, its clock fixed
      at "timestamp" (its generate_timestamp returns it)
"""
import json
import sys

from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication
from HologramAuth.TOTPAuthentication import TOTPAuthentication


def build(case):
    kind = case["kind"]
    if kind == "csrpsk":
        auth = CSRPSKAuthentication({"devicekey": case["devicekey"]})
        return auth.buildPayloadString(
            case["data"], topics=case["topics"], modem_type=case["modem_type"],
            modem_id=case["modem_id"], version=case["version"])
    if kind == "sms":
        auth = CSRPSKAuthentication({"devicekey": case["devicekey"]})
        return auth.buildSMSPayloadString(case["destination"], case["text"])
    if kind == "totp":
        auth = TOTPAuthentication({"device_id": case["device_id"],
                                   "private_key": case["private_key"]})
        timestamp = case["timestamp"]
        auth.generate_timestamp = lambda timestamp_=None: timestamp
        return auth.buildPayloadString(
            case["data"], topics=case["topics"], modem_type=case["modem_type"],
            modem_id=case["modem_id"], version=case["version"])
    raise ValueError("unknown kind %r" % kind)


def main():
    cases = json.loads(sys.argv[1])
    print(json.dumps({"payloads": [build(case).hex() for case in cases]}))


if __name__ == "__main__":
    main()

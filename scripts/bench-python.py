#!/usr/bin/env python3
"""The Python side of hologram-bench: N sequential sends through
hologram-python 0.10.3's CustomCloud + CSRPSKAuthentication.

    bench-python.py --port PORT [--host HOST] [--messages N]

Each message is encoded with CSRPSKAuthentication.buildPayloadString and
sent with CustomCloud.sendMessage (connect, send, receive until the server
closes, shutdown, close): what the Python SDK does for every message. Prints
one JSON object: {"messages": N, "seconds": ..., "payload_bytes": ...,
"failures": ...}. "seconds" covers the send loop only (not the interpreter
start or the imports).

hologram-bench embeds this file and runs it with the interpreter given by
--python (scripts/bench-python.sh makes the venv); it can also be run by
hand against `hologram-bench --serve` or `hologram cloud-sim`.
"""
import argparse
import json
import time

from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication
from Hologram.CustomCloud import CustomCloud

# The same message the Rust side sends (a vector of
# shared/conformance/wire-vectors.json).
DEVICEKEY = "12345678"
DATA = "hello"
TOPICS = ["t1", "t2"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--messages", type=int, default=1)
    args = parser.parse_args()

    credentials = {"devicekey": DEVICEKEY}
    auth = CSRPSKAuthentication(credentials)
    cloud = CustomCloud(credentials, send_host=args.host, send_port=args.port)

    failures = 0
    payload = b""
    start = time.perf_counter()
    for _ in range(args.messages):
        payload = auth.buildPayloadString(DATA, topics=TOPICS)
        reply = cloud.sendMessage(payload)
        if not reply or b"[0,0]" not in reply:
            failures += 1
    seconds = time.perf_counter() - start
    print(json.dumps({
        "messages": args.messages,
        "seconds": seconds,
        "payload_bytes": len(payload),
        "failures": failures,
    }))


if __name__ == "__main__":
    main()

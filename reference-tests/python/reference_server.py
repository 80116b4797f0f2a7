"""A cloud built on hologram-python 0.10.3's own classes: it checks every
payload it receives against what the reference's authentication classes
build from the same fields, and answers in the reference's reply forms.

    python reference_server.py CONFIG_JSON

CONFIG_JSON: {"requests": N, "private_keys": {device_id: key},
"modem_type": null | "E303" | ..., "modem_id": null | "...", "version": "0.9.1"}.

Prints {"port": P} once listening on 127.0.0.1, serves N connections (one
payload each), then prints {"results": [...]}, one per payload:
{"kind", "ok", "fields", "ours", "reference"} (payloads as hex).

- A JSON payload (CSRPSK): decoded with json.loads; the reference
  CSRPSKAuthentication builds a payload from its k, d and t (and the
  metadata settings above); both must decode to the same object (without
  "m" on both sides when ours has none). Answered "[0,0]", or "[2,0]".
- An SMS (S...): CSRPSKAuthentication.buildSMSPayloadString from its
  key, destination and text must give the same bytes. Answered "00", or
  "20": digits, as the reference's compact parsing reads them.
- A TOTP payload (C...): the reference TOTPAuthentication, with the
  device's private key and its clock fixed at the payload's time, builds
  the payload for its topics and one message: the same bytes (without the
  M record when ours has none). Answered "00", "30" for a wrong
  password, or "20".
"""
import json
import socket
import sys

from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication
from HologramAuth.TOTPAuthentication import TOTPAuthentication

CONFIG = json.loads(sys.argv[1])
METADATA = dict(modem_type=CONFIG.get("modem_type"), modem_id=CONFIG.get("modem_id"),
                version=CONFIG.get("version"))


def complete(buf):
    if buf[:1] == b"C":
        return buf.endswith(b"\0\0")
    return buf.endswith(b"\r\r")


def check_csrpsk(payload):
    ours = json.loads(payload[:-2].decode("utf-8"))
    reference = CSRPSKAuthentication({"devicekey": ours.get("k")})
    built = reference.buildPayloadString(ours.get("d"), topics=ours.get("t"), **METADATA)
    theirs = json.loads(built[:-2].decode("utf-8"))
    if "m" not in ours:
        theirs.pop("m", None)
    ok = payload.endswith(b"\r\r") and ours == theirs
    return ok, ours, built, (b"[0,0]" if ok else b"[2,0]")


def check_sms(payload):
    body = payload[1:-2].decode("utf-8")
    key, rest = body[:8], body[8:]
    destination, text = rest.split(" ", 1)
    built = CSRPSKAuthentication({"devicekey": key}).buildSMSPayloadString(destination, text)
    ok = built == payload
    fields = {"destination": destination, "text": text}
    return ok, fields, built, (b"00" if ok else b"20")


def check_totp(payload):
    device_id, timestamp, otp, rest = payload[1:].split(b" ", 3)
    device_id = device_id.decode("ascii")
    fields = {"device_id": device_id, "time": int(timestamp), "topics": [], "data": [],
              "metadata": None}
    tail = rest
    while tail[:1] not in (b"\0", b""):
        end = tail.index(b"\0")
        tag, value = tail[:1], tail[1:end].decode("utf-8")
        tail = tail[end + 1:]
        if tag == b"M":
            fields["metadata"] = value
        elif tag == b"T":
            fields["topics"].append(value)
        elif tag == b"B":
            fields["data"].append(value)
        else:
            return False, fields, b"", b"20"
    private_key = CONFIG["private_keys"].get(device_id)
    if private_key is None or len(fields["data"]) != 1:
        return False, fields, b"", b"20"
    auth = TOTPAuthentication({"device_id": device_id, "private_key": private_key})
    auth.generate_timestamp = lambda timestamp_=None: int(timestamp)
    built = auth.buildPayloadString(fields["data"][0], topics=fields["topics"] or None, **METADATA)
    if fields["metadata"] is None:
        record = (b"M" + auth.metadata_version
                  + ("%s-%s" % (auth.build_modem_type_id_str(METADATA["modem_type"],
                                                             METADATA["modem_id"]),
                                METADATA["version"])).encode("ascii")
                  + b"\0")
        built = built.replace(b" " + record, b" ", 1)
    if built == payload:
        return True, fields, built, b"00"
    header = b" ".join(payload[1:].split(b" ", 3)[:2])
    if built.startswith(b"C" + header + b" ") and built.split(b" ", 3)[3] == rest:
        return False, fields, built, b"30"
    return False, fields, built, b"20"


def check(payload):
    kind = {b"{": "csrpsk", b"S": "sms", b"C": "totp"}.get(payload[:1], "unknown")
    try:
        if kind == "csrpsk":
            ok, fields, built, reply = check_csrpsk(payload)
        elif kind == "sms":
            ok, fields, built, reply = check_sms(payload)
        elif kind == "totp":
            ok, fields, built, reply = check_totp(payload)
        else:
            ok, fields, built, reply = False, None, b"", b"[2,0]"
    except (ValueError, UnicodeDecodeError) as e:
        ok, fields, built, reply = False, {"error": str(e)}, b"", b"[2,0]"
    result = {"kind": kind, "ok": ok, "fields": fields, "ours": payload.hex(),
              "reference": built.hex(), "reply": reply.decode("ascii")}
    return result, reply


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(60)
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)
    results = []
    for _ in range(CONFIG["requests"]):
        conn, _ = server.accept()
        conn.settimeout(10)
        buf = b""
        try:
            while not complete(buf) and len(buf) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                buf += chunk
            result, reply = check(buf)
            conn.sendall(reply)
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        finally:
            conn.close()
        results.append(result)
    server.close()
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

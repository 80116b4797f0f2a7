"""Drives hologram-python 0.10.3's own HologramCloud and CustomCloud objects
(no modem: credentials given, network agnostic) against a cloud at
127.0.0.1:PORT, and reports what the reference read from each reply.

    python cloud_sim.py PORT STEPS_JSON

Each step is one call; its result is {"code", "success", "text"} as the
reference's HologramCloud reads it, or {"reply"} (the raw reply, for
CustomCloud), or {"error"} when the reference raised (a ValueError from a
reply form it cannot parse, say). One JSON line: {"results": [...]}.

  {"call": "message", "devicekey", "data", "topics"}
      HologramCloud(..., authentication_type='csrpsk').sendMessage
  {"call": "sms", "devicekey", "destination", "text"}
      HologramCloud(..., authentication_type='csrpsk').sendSMS
  {"call": "totp", "device_id", "private_key", "data", "topics"}
      HologramCloud built with csrpsk (the totp constructor asks a modem for
      its ICCID and IMSI), then setAuthenticationType(creds, 'totp'),
      then sendMessage
  {"call": "custom", "devicekey", "data", "topics"}
      CustomCloud.sendMessage of CSRPSKAuthentication.buildPayloadString
"""
import json
import sys

from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication
from Hologram.CustomCloud import CustomCloud
from Hologram.HologramCloud import HologramCloud

PORT = int(sys.argv[1])


def hologram_cloud(credentials):
    cloud = HologramCloud(credentials, network='', authentication_type='csrpsk')
    cloud.send_host = '127.0.0.1'
    cloud.send_port = PORT
    return cloud


def read(cloud, code):
    return {"code": code, "success": cloud.resultWasSuccess(code),
            "text": cloud.getResultString(code)}


def run(step):
    call = step["call"]
    if call == "message":
        cloud = hologram_cloud({"devicekey": step["devicekey"]})
        return read(cloud, cloud.sendMessage(step["data"], topics=step["topics"]))
    if call == "sms":
        cloud = hologram_cloud({"devicekey": step["devicekey"]})
        return read(cloud, cloud.sendSMS(step["destination"], step["text"]))
    if call == "totp":
        cloud = hologram_cloud({"devicekey": "00000000"})
        credentials = {"device_id": step["device_id"], "private_key": step["private_key"]}
        cloud.setAuthenticationType(credentials, authentication_type='totp')
        return read(cloud, cloud.sendMessage(step["data"], topics=step["topics"]))
    if call == "custom":
        credentials = {"devicekey": step["devicekey"]}
        auth = CSRPSKAuthentication(credentials)
        cloud = CustomCloud(credentials, send_host='127.0.0.1', send_port=PORT)
        reply = cloud.sendMessage(auth.buildPayloadString(step["data"], topics=step["topics"]))
        return {"reply": reply.decode("latin-1") if isinstance(reply, bytes) else reply}
    raise ValueError("unknown call %r" % call)


def main():
    results = []
    for step in json.loads(sys.argv[2]):
        try:
            results.append(run(step))
        except Exception as e:  # what the reference raised is the result
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

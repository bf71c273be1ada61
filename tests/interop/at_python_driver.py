"""
Drives the official at_python SDK for tests/interop/at-python.ts: one step per run, through its public API only
(AtClient, SelfKey/SharedKey/PublicKey, put/get/notify, start_monitor/handle_event).

Run with at_python's checkout on PYTHONPATH, HOME holding ~/.atsign/keys/@alice_key.atKeys, and SSL_CERT_FILE
naming the stack's CA. Every answer is one stdout line `RESULT {json}`; at_python's own verbose output (its
`SENT:`/`RCVD:` lines) goes to stdout around it.

  python3 at_python_driver.py --root localhost:6464 --as @alice get self note.interop
  python3 at_python_driver.py --root localhost:6464 --as @bob get shared note.interop --owner @alice
  python3 at_python_driver.py --root localhost:6464 --as @alice put shared note.interop 'hi' --with @bob
  python3 at_python_driver.py --root localhost:6464 --as @alice notify ping.interop 'hi' --with @bob
  python3 at_python_driver.py --root localhost:6464 --as @bob monitor ping.interop --owner @alice
"""
import argparse
import base64
import json
import os
import queue
import sys
import threading
import time
import traceback

from at_client import AtClient
from at_client.common import AtSign
from at_client.common.keys import PublicKey, SelfKey, SharedKey
from at_client.connections.address import Address
from at_client.connections.notification.atevents import AtEventType
from at_client.util.encryptionutil import EncryptionUtil
from at_client.util.keysutil import KeysUtil


def emit(**fields):
    print("RESULT " + json.dumps(fields), flush=True)


def make_key(kind, name, me, owner, other):
    if kind == "self":
        return SelfKey(name, owner)
    if kind == "public":
        return PublicKey(name, owner)
    if owner == me:
        return SharedKey(name, owner, other)
    return SharedKey(name, owner, me)


def decrypt_with_iv_nonce(client, kind, key, me):
    """What the SDK's own crypto makes of the record when given its ivNonce (evidence for a failed get)."""
    if kind == "self":
        fetched = client.get_lookup_response("llookup:all:" + str(key))
        aes_key = client.keys[KeysUtil.self_encryption_key_name]
    else:
        fetched = client.get_lookup_response("lookup:all:" + key.name + str(key.shared_by))
        aes_key = client.get_encryption_key_shared_by_other(key)
    iv_nonce = (fetched.get("metaData") or {}).get("ivNonce")
    if not iv_nonce:
        return {"ivNonce": None}
    value = EncryptionUtil.aes_decrypt_from_base64(fetched["data"], aes_key, base64.b64decode(iv_nonce))
    return {"ivNonce": iv_nonce, "value": value}


def get(client, args, me):
    owner = AtSign(args.owner or args.as_)
    key = make_key(args.kind, args.name, me, owner, None)
    try:
        emit(ok=True, value=client.get(key))
    except Exception as error:  # the SDK raises its own exception types and plain ones
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        if args.kind != "public":
            print("EVIDENCE", flush=True)  # what follows is this driver's check, not the SDK's get
            try:
                result["withIvNonce"] = decrypt_with_iv_nonce(client, args.kind, key, me)
            except Exception as second:
                result["withIvNonce"] = {"error": f"{type(second).__name__}: {second}"}
        emit(**result)


def put(client, args, me):
    other = AtSign(args.with_) if args.with_ else None
    key = make_key(args.kind, args.name, me, me, other)
    emit(ok=True, commit=client.put(key, args.value))


def notify(client, args, me):
    key = SharedKey(args.name, me, AtSign(args.with_))
    # This SDK's notify encrypts with the key's metadata.iv_nonce and sends it as ivNonce; it sets none itself.
    key.metadata.iv_nonce = EncryptionUtil.generate_iv_nonce()
    emit(ok=True, id=client.notify(key, args.value))


def monitor(client, args, me, events):
    """Starts the monitor, says READY, then waits for the decrypted update notification about `name`."""
    wanted = f"{me}:{args.name}{AtSign(args.owner)}"
    threading.Thread(target=client.start_monitor, daemon=True).start()
    deadline = time.time() + args.timeout
    while not (client.monitor_connection and client.monitor_connection.running):
        if time.time() > deadline:
            return emit(ok=False, error="the monitor did not start")
        time.sleep(0.05)
    emit(ready=True)
    while time.time() < deadline:
        try:
            event = events.get(timeout=0.2)
        except queue.Empty:
            continue
        client.handle_event(events, event)
        data = event.event_data
        if event.event_type == AtEventType.DECRYPTED_UPDATE_NOTIFICATION and data.get("key") == wanted:
            return emit(ok=True, value=data["decryptedValue"], id=data.get("id"))
    emit(ok=False, error=f"no decrypted notification about {wanted} within {args.timeout}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="atDirectory host:port")
    parser.add_argument("--as", dest="as_", required=True, help="the atSign to act as")
    steps = parser.add_subparsers(dest="step", required=True)
    get_step = steps.add_parser("get")
    get_step.add_argument("kind", choices=["self", "public", "shared"])
    get_step.add_argument("name")
    get_step.add_argument("--owner", help="whose key (default: --as)")
    put_step = steps.add_parser("put")
    put_step.add_argument("kind", choices=["self", "public", "shared"])
    put_step.add_argument("name")
    put_step.add_argument("value")
    put_step.add_argument("--with", dest="with_", help="the recipient of a shared key")
    notify_step = steps.add_parser("notify")
    notify_step.add_argument("name")
    notify_step.add_argument("value")
    notify_step.add_argument("--with", dest="with_", required=True)
    monitor_step = steps.add_parser("monitor")
    monitor_step.add_argument("name")
    monitor_step.add_argument("--owner", required=True, help="the sender")
    monitor_step.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()

    me = AtSign(args.as_)
    events = queue.Queue()
    try:
        client = AtClient(me, root_address=Address.from_string(args.root), queue=events, verbose=True)
        if args.step == "get":
            get(client, args, me)
        elif args.step == "put":
            put(client, args, me)
        elif args.step == "notify":
            notify(client, args, me)
        else:
            monitor(client, args, me, events)
    except Exception as error:
        traceback.print_exc(file=sys.stdout)
        emit(ok=False, error=f"{type(error).__name__}: {error}")
    sys.stdout.flush()
    # The monitor's heartbeat thread never ends: leave without waiting for it.
    os._exit(0)


if __name__ == "__main__":
    main()

"""A server that holds a conversation, on Python `websockets` (asyncio API, 14+).

Usage: python login_server.py [--pings N] [--ping-without-id]
Listens on 127.0.0.1 on a free port, prints `PORT <n>` on its first stdout line, and exits when
its stdin closes. Each connection:
1. the server says `{"op": "hello"}` and wants `{"op": "login", "user": ...}` within 3 s, else
   it closes with 4001 "login required";
2. it answers `{"op": "welcome", "token": <fresh secret token>}` and wants
   `{"op": "subscribe", "token": <that token>}`, else it closes with 4003 "bad token";
3. it says `{"op": "subscribed"}`, then sends N application pings `{"op": "ping", "id": i}`
   (without `id` under --ping-without-id), each of which needs `{"op": "pong", "id": i}` within
   3 s, else it closes with 4002 "no pong for ping i";
4. it says `{"op": "done", "pongs": N}` and keeps the connection open.
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import threading

from websockets.asyncio.server import serve


async def receive_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=3))


def conversation(pings, ping_without_id):
    async def handler(ws):
        await ws.send(json.dumps({"op": "hello"}))
        try:
            login = await receive_json(ws)
        except (asyncio.TimeoutError, ValueError):
            login = {}
        if login.get("op") != "login" or not login.get("user"):
            await ws.close(4001, "login required")
            return
        token = "tok-" + secrets.token_hex(8)
        await ws.send(json.dumps({"op": "welcome", "user": login["user"], "token": token}))
        try:
            subscribe = await receive_json(ws)
        except (asyncio.TimeoutError, ValueError):
            subscribe = {}
        if subscribe.get("op") != "subscribe" or subscribe.get("token") != token:
            await ws.close(4003, "bad token")
            return
        await ws.send(json.dumps({"op": "subscribed", "channel": subscribe.get("channel")}))
        for i in range(1, pings + 1):
            ping = {"op": "ping"} if ping_without_id else {"op": "ping", "id": i}
            await ws.send(json.dumps(ping))
            try:
                pong = await receive_json(ws)
            except (asyncio.TimeoutError, ValueError):
                pong = {}
            if pong != {"op": "pong", "id": i}:
                await ws.close(4002, f"no pong for ping {i}")
                return
        await ws.send(json.dumps({"op": "done", "pongs": pings}))
        await ws.wait_closed()

    return handler


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pings", type=int, default=3)
    parser.add_argument("--ping-without-id", action="store_true")
    args = parser.parse_args()
    async with serve(conversation(args.pings, args.ping_without_id), "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
        await asyncio.Future()


asyncio.run(main())

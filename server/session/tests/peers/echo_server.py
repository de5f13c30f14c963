"""Echo server for the void-session tests, on Python `websockets` (asyncio API, 14+).

Usage: python echo_server.py [--cert CERT --key KEY] [--subprotocol NAME ...]
Listens on 127.0.0.1 on a free port, prints `PORT <n>` on its first stdout line, echoes every
text and binary message, and exits when its stdin closes (so a killed test leaves nothing).
"""

import argparse
import asyncio
import os
import ssl
import sys
import threading

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--subprotocol", action="append", default=[])
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    async with serve(
        echo,
        "127.0.0.1",
        0,
        ssl=context,
        subprotocols=args.subprotocol or None,
        max_size=None,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
        await asyncio.Future()


asyncio.run(main())

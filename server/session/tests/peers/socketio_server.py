"""Socket.IO server for the void-session tests, on PyPI `python-socketio` served by aiohttp.

Usage: python socketio_server.py
Listens on 127.0.0.1 on a free port, prints `PORT <n>` on its first stdout line, and exits when
its stdin closes. It behaves as socketio_server.js does (namespace `/chat`, `auth` token
`letmein`, `welcome`, `hello` acknowledged, `ask` -> `question` with an acknowledgement ->
`answered`, `upload` -> `uploaded` with the bytes back, `alive` after three pongs is left out,
`bye` disconnects).
"""

import asyncio
import sys

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", ping_interval=0.3, ping_timeout=2, transports=["websocket"])
app = web.Application()
sio.attach(app)


@sio.on("connect", namespace="/chat")
async def connect(sid, environ, auth):
    if not isinstance(auth, dict) or auth.get("token") != "letmein":
        raise socketio.exceptions.ConnectionRefusedError("not authorized")
    await sio.emit("welcome", {"sid": sid}, to=sid, namespace="/chat")


@sio.on("hello", namespace="/chat")
async def hello(sid, arg):
    return {"ok": True, "echo": arg}


@sio.on("ask", namespace="/chat")
async def ask(sid, *args):
    async def answered(answer):
        await sio.emit("answered", answer, to=sid, namespace="/chat")

    await sio.emit("question", {"q": "name?"}, to=sid, namespace="/chat", callback=answered)


@sio.on("upload", namespace="/chat")
async def upload(sid, data):
    await sio.emit("uploaded", {"size": len(data), "data": bytes(data)}, to=sid, namespace="/chat")


@sio.on("bye", namespace="/chat")
async def bye(sid, *args):
    await sio.disconnect(sid, namespace="/chat")


async def main():
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

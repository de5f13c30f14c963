"""A plain WebSocket echo server on loopback for the Neovim end-to-end test.

Prints `ws://127.0.0.1:PORT/` on its first stdout line once it listens, then echoes every text
and binary message back until it is killed. Uses the `websockets` package (installed by
tests/lib/tools.sh `ensure_python`); it is an independent peer, not part of void-ls.
"""

import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(connection):
    async for message in connection:
        await connection.send(message)


async def main():
    async with serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"ws://127.0.0.1:{port}/", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

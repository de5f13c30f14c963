"""A WebSocket client for the Neovim end-to-end test of a section served from the editor.

Usage: python serve_client.py ws://127.0.0.1:PORT

Connects, waits for the section's greeting (its `on-open` message), sends {"op": "login"},
waits for the reply and closes normally. Prints each message it received on its own line
(`greeting <text>`, `reply <text>`); says what it was waiting for on stderr and exits 1 when
nothing came within 10 s. Uses the `websockets` package (installed by tests/lib/tools.sh
`ensure_python`); it is an independent peer, not part of void-ls.
"""

import asyncio
import json
import sys

from websockets.asyncio.client import connect

WAIT_S = 10


async def talk(url):
    async with connect(url, open_timeout=WAIT_S) as connection:
        step = "the greeting"
        try:
            greeting = await asyncio.wait_for(connection.recv(), WAIT_S)
            print(f"greeting {greeting}", flush=True)
            await connection.send(json.dumps({"op": "login"}))
            step = "the reply to the login"
            reply = await asyncio.wait_for(connection.recv(), WAIT_S)
            print(f"reply {reply}", flush=True)
        except TimeoutError:
            print(f"no {step} within {WAIT_S} s", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(talk(sys.argv[1])))

"""A real HTTP server on loopback for the `void-ls run` HTTP tests (aiohttp).

Prints `PORT <n>` on its first line, then serves until stdin closes. With `CERT KEY`
arguments it serves HTTPS with that certificate. Every route answers in
JSON what it received, so a test asserts on what went over the wire.
"""

import asyncio
import base64
import ssl
import sys

from aiohttp import web


async def echo(request: web.Request) -> web.Response:
    seen = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "cookies": dict(request.cookies),
        "contentType": request.content_type,
    }
    if request.content_type == "multipart/form-data":
        fields, files = {}, {}
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()
            if part.filename:
                files[part.name] = {
                    "filename": part.filename,
                    "size": len(data),
                    "text": data.decode("utf-8", "replace"),
                    "type": part.headers.get("Content-Type", ""),
                }
            else:
                fields[part.name] = data.decode()
        seen["fields"], seen["files"] = fields, files
    elif request.content_type == "application/x-www-form-urlencoded":
        seen["form"] = dict(await request.post())
    else:
        raw = await request.read()
        seen["body"] = raw.decode("utf-8", "replace")
        seen["size"] = len(raw)
    return web.json_response(seen)


async def login(request: web.Request) -> web.Response:
    body = await request.json()
    if body.get("user") == "ada" and body.get("password") == "s3cret":
        response = web.json_response({"token": "tok-" + body["user"], "user": {"id": 7}})
        response.set_cookie("session", "abc")
        return response
    return web.json_response({"error": "bad credentials"}, status=401)


async def basic(request: web.Request) -> web.Response:
    expected = "Basic " + base64.b64encode(b"ada:open sesame").decode()
    if request.headers.get("Authorization") != expected:
        return web.json_response({"error": "who are you"}, status=401)
    return web.json_response({"ok": True})


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/echo?from=redirect")


async def loop(request: web.Request) -> web.Response:
    raise web.HTTPFound("/loop")


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(10)
    return web.json_response({"late": True})


async def xml(request: web.Request) -> web.Response:
    return web.Response(text="<a><b>1</b></a>", content_type="application/xml")


async def graphql(request: web.Request) -> web.Response:
    body = await request.json()
    name = body.get("variables", {}).get("name", "world")
    return web.json_response(
        {"data": {"hello": "hello " + name}, "operationName": body.get("operationName")}
    )


async def ws(request: web.Request) -> web.StreamResponse:
    """A WebSocket that greets only a client holding the token /login gave."""
    if request.headers.get("Authorization") != "Bearer tok-ada":
        return web.json_response({"error": "no token"}, status=401)
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    await socket.send_json({"hello": "ada"})
    async for _ in socket:
        pass
    return socket


async def sse(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: a greeting, then numbered JSON events (ids 1..3), then the end;
    `?forever=1` keeps numbering every 20 ms until the client goes."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b": hello\n\nevent: greeting\ndata: hi\n\n")
    n = 0
    while True:
        n += 1
        await response.write(f'id: {n}\ndata: {{"n": {n}}}\n\n'.encode())
        if n >= 3 and not request.query.get("forever"):
            break
        await asyncio.sleep(0.02)
    await response.write_eof()
    return response


async def sse_resume(request: web.Request) -> web.StreamResponse:
    """Two numbered events from after the Last-Event-ID the client sent (from 1 without one),
    each saying which id it followed, then the end; asks for reconnects after 20 ms."""
    last = request.headers.get("Last-Event-ID", "")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b"retry: 20\n\n")
    start = int(last) + 1 if last.isdigit() else 1
    for n in range(start, start + 2):
        await response.write(f'id: {n}\ndata: {{"n": {n}, "after": "{last}"}}\n\n'.encode())
    await response.write_eof()
    return response


async def main() -> None:
    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_post("/login", login)
    app.router.add_get("/basic", basic)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop", loop)
    app.router.add_get("/slow", slow)
    app.router.add_get("/xml", xml)
    app.router.add_post("/graphql", graphql)
    app.router.add_get("/ws", ws)
    app.router.add_get("/sse", sse)
    app.router.add_get("/sse-resume", sse_resume)
    runner = web.AppRunner(app)
    await runner.setup()
    context = None
    if len(sys.argv) == 3:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


asyncio.run(main())

"""A stand-in language server that speaks the docs/lsp-extensions.md contract, for testing the
Neovim plugin on its own (the same e2e.lua runs against it and against the real void-ls).

It is a test double, not a second implementation: full-text sync, a crude block reader, only
what the plugin's end-to-end steps use (diagnostics for duplicate uids and bad JSON bodies,
/wss completion, code lenses, the void.* session commands, void/sessionStatus and
void/sessionLogText). Its WebSocket side is real: sessions connect to the given server with the
`websockets` package. It must never be shipped or used as the product.

Run: python mock_server.py (LSP over stdio).
"""

import asyncio
import json
import os
import re
import sys
import uuid
from datetime import datetime, timezone

from websockets.asyncio.client import connect

COMMANDS = [
    "void.connect",
    "void.send",
    "void.pause",
    "void.resume",
    "void.close",
    "void.sessions",
    "void.exportTranscript",
]

docs = {}
sessions = {}
out_lock = asyncio.Lock()


async def write(message):
    data = json.dumps(message).encode()
    async with out_lock:
        sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        sys.stdout.buffer.flush()


async def notify(method, params):
    await write({"jsonrpc": "2.0", "method": method, "params": params})


def blocks(text):
    """(type, attrs, first_line, last_line, body) for each ```void block."""
    lines = text.split("\n")
    result, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```void":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            inner = lines[i + 1 : j]
            btype, attrs, body, in_body = None, {}, [], False
            for line in inner:
                m = re.match(r"^type:\s*(\S+)", line)
                if m:
                    btype = m.group(1)
                m = re.match(r"^  (\w+):\s*(.*)$", line)
                if m and not in_body:
                    key, value = m.group(1), m.group(2).strip().strip('"')
                    if key == "body" and value.startswith("|"):
                        in_body = True
                    else:
                        attrs.setdefault(key, value)
                elif in_body:
                    if line.startswith("    "):
                        body.append(line[4:])
                    else:
                        in_body = False
            surl = re.search(r"type: surl\n\s+attrs:\n\s+uid: \S+\n\s+content: (\S+)", "\n".join(inner))
            if surl:
                attrs["url"] = surl.group(1)
            if "body" not in attrs:
                attrs["body"] = "\n".join(body)
            result.append((btype, attrs, i, j, "\n".join(body)))
            i = j + 1
        else:
            i += 1
    return result


async def publish(uri):
    text = docs[uri]
    diags, seen = [], {}
    for n, line in enumerate(text.split("\n")):
        m = re.match(r"^\s+uid:\s*(\S+)", line)
        if m:
            if m.group(1) in seen:
                diags.append(diag(n, "Duplicate uid " + m.group(1), 1))
            seen[m.group(1)] = n
    for btype, attrs, first, _, body in blocks(text):
        if btype == "ws-message" and attrs.get("format") == "json":
            try:
                json.loads(attrs.get("body") or body)
            except ValueError as err:
                diags.append(diag(first, "Body is not valid JSON: %s" % err, 1))
    await notify("textDocument/publishDiagnostics", {"uri": uri, "diagnostics": diags})


def diag(line, message, severity):
    return {
        "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}},
        "message": message,
        "severity": severity,
        "source": "mock",
    }


def live(session):
    return session["state"] in ("connecting", "open", "closing")


def lens(line, title, command, args):
    rng = {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}
    return {"range": rng, "command": {"title": title, "command": command, "arguments": [args]}}


def code_lenses(uri):
    result, current = [], None
    for btype, attrs, first, _, _ in blocks(docs.get(uri, "")):
        if btype == "socket-request":
            current = next(
                (s for s in sessions.values() if s["uri"] == uri and s["blockUid"] == attrs.get("uid") and live(s)),
                None,
            )
            if current:
                sid = current["sessionId"]
                result.append(lens(first, current["state"], "void.sessions", {}))
                result.append(lens(first, "Pause", "void.pause", {"sessionId": sid}))
                result.append(lens(first, "Close", "void.close", {"sessionId": sid}))
                result.append(lens(first, "Open log", "void.openLog", {"sessionId": sid, "logUri": current["logUri"]}))
            else:
                result.append(lens(first, "▶ Connect", "void.connect", {"uri": uri, "blockUid": attrs.get("uid")}))
        elif btype == "ws-message" and current:
            result.append(
                lens(first, "Send " + attrs.get("name", ""), "void.send",
                     {"sessionId": current["sessionId"], "messageUid": attrs.get("uid")})
            )
    return result


def now():
    return datetime.now(timezone.utc)


def add_event(session, line, direction, kind, text):
    stamp = now()
    session["events"].append((stamp.strftime("%H:%M:%S.") + "%03d" % (stamp.microsecond // 1000)) + " " + line)
    session["transcript"].append(
        {"t": stamp.isoformat(timespec="milliseconds"), "dir": direction, "kind": kind, "text": text,
         "size": len(text.encode())}
    )
    if not session["paused"]:
        session["visible"] = len(session["events"])
    session["version"] += 1


async def status(session):
    await notify("void/sessionStatus", {k: session[k] for k in (
        "sessionId", "uri", "blockUid", "url", "state", "paused", "sent", "received", "logUri", "detail")})


async def run_session(session, messages):
    try:
        async with connect(session["url"]) as ws:
            session["ws"] = ws
            session["state"] = "open"
            add_event(session, "⇄ open · 101 Switching Protocols", "event", "open", "")
            await status(session)
            for attrs in messages:
                if attrs.get("send") == "on-open":
                    await send(session, attrs)
            async for message in ws:
                session["received"] += 1
                add_event(session, "← %s    text · %d B" % (message, len(message)), "in", "text", message)
                await status(session)
            code = ws.close_code or 1006
            session["state"] = "closed"
            session["detail"] = {"closeCode": code}
            add_event(session, "✕ closed · %d" % code, "event", "close", "")
            session["visible"] = len(session["events"])
            await status(session)
    except Exception as err:  # noqa: BLE001 - reported to the editor
        session["state"] = "failed"
        session["detail"] = {"error": str(err)}
        await status(session)
        await notify("window/showMessage", {"type": 1, "message": "WebSocket %s: %s" % (session["url"], err)})


async def send(session, attrs):
    body = attrs.get("body", "")
    await session["ws"].send(body)
    session["sent"] += 1
    add_event(session, "→ %s    %s · %d B" % (body, attrs.get("format", "text"), len(body)), "out", "text", body)
    await status(session)


def log_text(session):
    header = "# %s · %s · %d sent · %d received" % (
        session["url"], session["state"], session["sent"], session["received"])
    return "\n".join([header] + session["events"][: session["visible"]]) + "\n"


async def execute(command, arg):
    if command == "void.connect":
        uri = arg["uri"]
        line = arg.get("position", {}).get("line", -1)
        found = None
        for btype, attrs, first, last, _ in blocks(docs[uri]):
            if btype == "socket-request" and (attrs.get("uid") == arg.get("blockUid") or first <= line <= last):
                found = attrs
        if not found:
            raise LookupError("no WebSocket section at the cursor")
        sid = uuid.uuid4().hex[:12]
        session = {
            "sessionId": sid, "uri": uri, "blockUid": found["uid"], "url": found["url"], "state": "connecting",
            "paused": False, "sent": 0, "received": 0, "logUri": "void-session:/%s/echo.wslog" % sid,
            "detail": {}, "events": [], "visible": 0, "version": 0, "transcript": [],
        }
        sessions[sid] = session
        messages = [a for t, a, _, _, _ in blocks(docs[uri]) if t == "ws-message"]
        asyncio.ensure_future(run_session(session, messages))
        await status(session)
        return {"sessionId": sid, "logUri": session["logUri"]}
    session = sessions.get(arg.get("sessionId"))
    if command == "void.sessions":
        return [{k: s[k] for k in ("sessionId", "uri", "blockUid", "state", "logUri")} for s in sessions.values()]
    if not session:
        raise LookupError("unknown session")
    if command == "void.send":
        for t, attrs, _, _, _ in blocks(docs[session["uri"]]):
            if t == "ws-message" and attrs.get("uid") == arg.get("messageUid"):
                await send(session, attrs)
                return {"ok": True}
        raise LookupError("no such message")
    if command in ("void.pause", "void.resume"):
        session["paused"] = command == "void.pause"
        if not session["paused"]:
            session["visible"] = len(session["events"])
            session["version"] += 1
        await status(session)
        return {"ok": True}
    if command == "void.close":
        session["state"] = "closing"
        await status(session)
        await session["ws"].close(arg.get("code", 1000), arg.get("reason", ""))
        return {"ok": True}
    if command == "void.exportTranscript":
        with open(arg["path"], "w", encoding="utf-8") as f:
            for event in session["transcript"]:
                f.write(json.dumps(event) + "\n")
        return {"path": arg["path"], "events": len(session["transcript"])}
    raise LookupError("unknown command " + command)


async def handle(message):
    method, params, mid = message.get("method"), message.get("params") or {}, message.get("id")
    result = None
    try:
        if method == "initialize":
            result = {
                "capabilities": {
                    "textDocumentSync": 1,
                    "completionProvider": {"triggerCharacters": ["/"]},
                    "codeLensProvider": {},
                    "executeCommandProvider": {"commands": COMMANDS},
                },
                "serverInfo": {"name": "void-ls-contract-mock"},
            }
        elif method in ("textDocument/didOpen", "textDocument/didChange"):
            doc = params["textDocument"]
            docs[doc["uri"]] = doc["text"] if method.endswith("didOpen") else params["contentChanges"][-1]["text"]
            await publish(doc["uri"])
        elif method == "textDocument/completion":
            uri, pos = params["textDocument"]["uri"], params["position"]
            line = docs[uri].split("\n")[pos["line"]]
            items = []
            if line[: pos["character"]].strip() in ("/wss", "/ws") and not line[pos["character"]:].strip():
                skeleton = "\n".join([
                    "```void", "---", "type: socket-request", "attrs:", "  uid: " + str(uuid.uuid4()), "---", "```",
                    "", "```void", "---", "type: ws-message", "attrs:", "  uid: " + str(uuid.uuid4()),
                    "  name: hello", "  body: ${1:hello}", "---", "```", "",
                ])
                rng = {"start": {"line": pos["line"], "character": 0}, "end": pos}
                items.append({"label": "/wss", "filterText": "/wss", "insertTextFormat": 2,
                              "textEdit": {"range": rng, "newText": skeleton}})
            result = {"isIncomplete": False, "items": items}
        elif method == "textDocument/codeLens":
            result = code_lenses(params["textDocument"]["uri"])
        elif method == "workspace/executeCommand":
            result = await execute(params["command"], (params.get("arguments") or [{}])[0])
        elif method == "void/sessionLogText":
            sid = params["uri"].split("/")[1]
            session = sessions[sid]
            result = {"text": log_text(session), "version": session["version"]}
        elif method == "shutdown":
            result = None
        elif method == "exit":
            os._exit(0)
        elif mid is not None and method is not None:
            await write({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no " + method}})
            return
    except Exception as err:  # noqa: BLE001 - becomes an LSP error
        if mid is not None:
            await write({"jsonrpc": "2.0", "id": mid, "error": {"code": -32603, "message": str(err)}})
        return
    if mid is not None and method is not None:
        await write({"jsonrpc": "2.0", "id": mid, "result": result})


async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        length = 0
        while True:
            header = await reader.readline()
            if not header:
                return
            header = header.strip()
            if not header:
                break
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        message = json.loads(await reader.readexactly(length))
        asyncio.ensure_future(handle(message))


if __name__ == "__main__":
    asyncio.run(main())

"""Drives the built `void-ls` binary over stdio from a real external LSP client (pytest-lsp,
on pygls), as an editor would: initialize with a real editor's capabilities, open a file, get
pushed diagnostics, complete `/wss`, hover a variable, edit incrementally and check the server's
copy, send malformed input, and shut down cleanly.

VOID_LS_BIN names the binary (tests/stages/lsp.sh builds it)."""

import asyncio
import os
import pathlib
import re
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import FeatureAlreadyRegisteredError
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

VOID_LS = os.environ["VOID_LS_BIN"]
TIMEOUT = 20

FIXTURE = """# Chat

```void
---
type: socket-request
attrs:
  uid: 3f0c2a8e-6d0b-4d6e-9a53-0c1f6f1f2b11
content:
  - type: smethod
    attrs:
      uid: 7d1e2c44-0c55-4a1b-9d8e-0b7f3b1c2a90
      method: WSS
      importedFrom: ""
      visible: true
    content: WSS
  - type: surl
    attrs:
      uid: 0e6a4b1f-2d7c-4f3e-8a19-5c2b7d9e1f03
    content: wss://{{WS_HOST}}/chat
---
```

```void
---
type: ws-message
attrs:
  uid: 5b0e1c8a-2f3d-4e6a-9b7c-1d2e3f4a5b6c
  name: hello
  format: json
  body: |-
    {"who": "{{NOBODY}}"}
---
```
"""

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / ".env").write_text("WS_HOST=chat.example.com\n")
    return tmp_path


@pytest_lsp.fixture(
    params=["visual-studio-code", "neovim"],
    config=ClientServerConfig(server_command=[VOID_LS], server_env={**os.environ, "VOID_LS_LOG": "info"}),
)
async def client(lsp_client: LanguageClient, request, workspace: pathlib.Path):
    registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams):
        registrations.extend(params.registrations)
        return None

    lsp_client.void_registrations = registrations  # type: ignore[attr-defined]

    # The refresh requests a real editor answers when its capabilities claim support for them
    # (Neovim 0.11 claims inlay hint and code lens refresh): acknowledged and counted, as an
    # editor would re-fetch. Without these the client answers "method not found".
    refreshes: dict[str, int] = {}

    def acknowledge(method: str):
        def refresh(_params):
            refreshes[method] = refreshes.get(method, 0) + 1
            return None

        try:
            lsp_client.feature(method)(refresh)
        except FeatureAlreadyRegisteredError:
            pass  # pytest-lsp answers this one itself

    for method in (
        "workspace/inlayHint/refresh",
        "workspace/codeLens/refresh",
        "workspace/semanticTokens/refresh",
        "workspace/diagnostic/refresh",
    ):
        acknowledge(method)
    lsp_client.void_refreshes = refreshes  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities(request.param),
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
    )
    result = await asyncio.wait_for(lsp_client.initialize_session(params), TIMEOUT)
    lsp_client.void_init = result  # type: ignore[attr-defined]
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def diagnostics_for(client: LanguageClient, uri: str, predicate=lambda d: True):
    async def poll():
        while True:
            found = client.diagnostics.get(uri)
            if found is not None and predicate(found):
                return found
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), TIMEOUT)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="void", version=version, text=text)
        )
    )


def field(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


async def test_capabilities_and_diagnostics(client: LanguageClient, workspace: pathlib.Path):
    caps = client.void_init.capabilities  # type: ignore[attr-defined]
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert "void.connect" in caps.execute_command_provider.commands
    uri = (workspace / "chat.void").as_uri()
    open_doc(client, uri, FIXTURE)
    found = await diagnostics_for(client, uri, lambda d: len(d) > 0)
    codes = {d.code for d in found}
    if client.capabilities.workspace.did_change_watched_files and client.capabilities.workspace.did_change_watched_files.dynamic_registration:
        await asyncio.sleep(0.2)
        methods = [r.method for r in client.void_registrations]  # type: ignore[attr-defined]
        assert "workspace/didChangeWatchedFiles" in methods, methods
    assert "unresolved-variable" in codes, found
    assert all("WS_HOST" not in d.message for d in found), "WS_HOST comes from .env"


async def test_wss_completion_expands_a_skeleton(client: LanguageClient, workspace: pathlib.Path):
    uri = (workspace / "new.void").as_uri()
    open_doc(client, uri, "# New\n\n/wss\n")
    result = await asyncio.wait_for(
        client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=4)
            )
        ),
        TIMEOUT,
    )
    items = result.items if hasattr(result, "items") else result
    wss = next(i for i in items if i.label == "/wss")
    text = wss.text_edit.new_text
    assert "type: socket-request" in text and "content: WSS" in text
    uids = re.findall(r"uid: (\S+)", text)
    assert len(uids) == 4 and all(UUID4.match(u) for u in uids), uids


async def test_hover_shows_variable_source(client: LanguageClient, workspace: pathlib.Path):
    uri = (workspace / "chat.void").as_uri()
    open_doc(client, uri, FIXTURE)
    line = FIXTURE.split("\n").index("    content: wss://{{WS_HOST}}/chat")
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=25)
            )
        ),
        TIMEOUT,
    )
    assert "chat.example.com" in hover.contents.value
    assert ".env" in hover.contents.value


async def test_incremental_edits_with_surrogate_pairs(client: LanguageClient, workspace: pathlib.Path):
    uri = (workspace / "edit.void").as_uri()
    text = "a😀b\r\nsecond line\n"
    open_doc(client, uri, text)
    # After the emoji: column 3 in UTF-16 units, 5 in UTF-8 bytes (whichever was negotiated).
    utf8 = client.void_init.capabilities.position_encoding == "utf-8"  # type: ignore[attr-defined]
    b_column = 5 if utf8 else 3
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=0, character=b_column), end=types.Position(line=0, character=b_column + 1)
                    ),
                    text="B",
                ),
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=6)),
                    text="2nd",
                ),
            ],
        )
    )
    state = await asyncio.wait_for(client.protocol.send_request_async("void/debugDocument", {"uri": uri}), TIMEOUT)
    assert field(state, "text") == "a😀B\r\n2nd line\n"
    assert field(state, "version") == 2


async def test_malformed_input_does_not_kill_the_server(client: LanguageClient, workspace: pathlib.Path):
    writer = client.protocol.writer
    body = b"{this is not json"
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    uri = (workspace / "after.void").as_uri()
    open_doc(client, uri, "# still here\n")
    state = await asyncio.wait_for(client.protocol.send_request_async("void/debugDocument", {"uri": uri}), TIMEOUT)
    assert field(state, "text") == "# still here\n"

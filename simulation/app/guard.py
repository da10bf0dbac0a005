"""The teaching app's guard: what every answer of its server carries and every socket must show.

An ASGI middleware around Solara's Starlette app (``drumbeat teach`` puts it there, inside the
``Host`` check of ``experiments/cli/serve_app.py``):

* every HTTP answer carries ``Content-Security-Policy: frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``, so that no other site can show a page of the app in a frame and
  drive it (clickjacking);
* a websocket - the connection through which a Solara page acts - is accepted only from a page
  of this server: its ``Origin`` must be the scheme, name and port of its own ``Host`` header.
  Any other ``Origin``, or none, is refused before the socket opens, with HTTP 403 and a body
  that says why, and one line in the server's log;
* a short join address, ``/j/CODE`` (``joining.py``), is sent on to the join address of the
  open room with that participant code (HTTP 302), or answered 404;
* the websocket's client address is handed to the page as the header ``x-drumbeat-client``
  (a header of that name sent by the client is dropped), so that wrong facilitator keys can
  be limited per address (``rooms.KeyCheck``).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

#: The headers every HTTP answer carries.
FRAME_HEADERS = ((b"content-security-policy", b"frame-ancestors 'none'"), (b"x-frame-options", b"DENY"))
#: The header through which the page learns its client's address.
CLIENT_HEADER = "x-drumbeat-client"
_SECURE = {"http": False, "https": True, "ws": False, "wss": True}


def _endpoint(netloc: str, secure: bool) -> tuple[str, int] | None:
    """(name, port) of ``netloc``, the port filled in from the scheme; None if it does not parse."""
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        return (parts.hostname or "").lower(), parts.port or (443 if secure else 80)
    except ValueError:
        return None


def same_origin(origin: str, host: str, scheme: str = "ws") -> bool:
    """Whether a websocket's ``Origin`` header is a page of the server its ``Host`` header names."""
    if not origin or not host:
        return False
    parts = urlsplit(origin.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return False
    secure = _SECURE[parts.scheme.lower()]
    if secure != _SECURE.get(scheme, False):
        return False
    mine = _endpoint(host, secure)
    theirs = _endpoint(parts.netloc, secure)
    return mine is not None and mine[0] != "" and mine == theirs


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


class Guard:
    """ASGI middleware: frame headers on every HTTP answer, same-origin websockets only."""

    def __init__(self, app: Callable[..., Awaitable[None]], log=None) -> None:
        self.app = app
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/j/"):
            await self._short(scope, send)
        elif scope["type"] == "http":
            await self.app(scope, receive, self._framed(send))
        elif scope["type"] == "websocket":
            origin, host = _header(scope, b"origin"), _header(scope, b"host")
            if not same_origin(origin, host, scope.get("scheme", "ws")):
                await self._refuse(scope, send, origin, host)
                return
            client = (scope.get("client") or ("unknown", 0))[0]
            headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != CLIENT_HEADER.encode()]
            headers.append((CLIENT_HEADER.encode(), str(client).encode("latin-1", "replace")))
            await self.app(dict(scope, headers=headers), receive, send)
        else:
            await self.app(scope, receive, send)

    @staticmethod
    async def _short(scope, send) -> None:
        """A short join address (``/j/CODE``, ``joining.py``): on to its room's join address."""
        from .joining import short_target
        from .rooms import registry

        target = short_target(scope.get("path", ""), registry())
        status, body = ((302, b"") if target else
                        (404, b"no open room has that code: check it on the projector\n"))
        headers = [(b"content-type", b"text/plain; charset=utf-8"), *FRAME_HEADERS]
        await send({"type": "http.response.start", "status": status,
                    "headers": headers + ([(b"location", target.encode())] if target else [])})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _framed(send):
        async def framed(message) -> None:
            if message["type"] == "http.response.start":
                drop = {b"x-frame-options"}
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() not in drop]
                message = dict(message, headers=headers + list(FRAME_HEADERS))
            await send(message)

        return framed

    async def _refuse(self, scope, send, origin: str, host: str) -> None:
        why = (f"refused: the teaching app accepts connections only from its own pages, and "
               f"{'this connection names no Origin' if not origin else f'the Origin {origin!r}'} "
               f"is not {host or 'this server'}")
        client = (scope.get("client") or ("unknown", 0))[0]
        self.log(f"drumbeat teach: a websocket from {client} {why.removeprefix('refused: ')}")
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send({"type": "websocket.http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), *FRAME_HEADERS]})
            await send({"type": "websocket.http.response.body", "body": (why + "\n").encode()})
        else:  # a server without denial responses: closing before accepting answers 403
            await send({"type": "websocket.close", "code": 1008, "reason": why[:120]})

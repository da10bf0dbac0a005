"""The teaching app's server: Solara's Starlette app behind a check of the ``Host`` header.

``solara run`` cannot check the ``Host`` header, so ``drumbeat teach`` serves the page through
this launcher: ``python -m experiments.cli.serve_app simulation.app.page --host H --port P
[--allow NAME ...]``. A request (or a
websocket) whose ``Host`` is not an IP address, ``localhost``, this machine's name or one of
the NAMEs given is refused (400): a web page elsewhere cannot reach the app through a domain
name of its own that resolves to this machine (DNS rebinding).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port, lower case (``[::1]:80`` -> ``::1``)."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1:h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """ASGI middleware: only requests whose ``Host`` is an IP address or a known name pass."""

    def __init__(self, app: Callable[..., Awaitable[None]], names: Iterable[str]) -> None:
        self.app = app
        self.names = {n.lower() for n in names} | {"localhost"}

    def allows(self, header: str) -> bool:
        name = host_name(header)
        return bool(name) and (is_ip(name) or name in self.names)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            header = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not self.allows(header):
                if scope["type"] == "http":
                    await send({"type": "http.response.start", "status": 400,
                                "headers": [(b"content-type", b"text/plain")]})
                    await send({"type": "http.response.body", "body": b"unknown Host header\n"})
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def machine_names() -> set[str]:
    """This machine's own names (``name`` and ``name.local``)."""
    name = socket.gethostname().lower()
    return {name, f"{name}.local", socket.getfqdn().lower()}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="serve_app", description=__doc__.splitlines()[0])
    ap.add_argument("app")
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--allow", action="append", default=[], help="another name for this machine")
    args = ap.parse_args(argv)
    host = args.host
    os.environ["SOLARA_APP"] = args.app  # what ``solara run APP`` sets
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(args.port)
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    from solara.server.starlette import app

    names = machine_names() | set(args.allow) | ({host} if not is_ip(host) else set())
    uvicorn.run(HostCheck(app, names), host=host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])

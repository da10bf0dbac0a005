"""``drumbeat teach [SCENARIO]``: start the teaching app (Solara) and print its address.

The app listens on 127.0.0.1 (this machine only) unless ``--lan`` asks for the local network
(all of this machine's addresses, or ``--host``); it answers only requests whose ``Host``
header is an IP address, this machine's name or a name given with ``--allow``
(``serve_app.py``), forbids framing and takes websockets from its own pages only
(``simulation/app/guard.py``; :func:`serve`). Runs live in named rooms saved under
``--rooms DIR`` (default: the user's data folder, see ``simulation/app/rooms.py``), so that
they survive a restart of the server. The room ``--room`` (default ``main``) is opened before
the server starts, and its address, its participants' join code and link, and the
facilitator's and projector's links are printed; beyond this machine the controls need a
random facilitator key, printed only in the facilitator's links (never the projector's). A
SCENARIO file, if given, is validated first (a bad file is reported in one line, exit 2, and
no server starts) and is added to the menu of teaching presets and
opened first. See ``docs/teaching.md``.

The Solara page loads its JavaScript and CSS from npm packages through a CDN. So that the app
also works on a machine that reaches only the package registries (a classroom laptop behind
a firewall, our CI), :func:`prepare_assets` puts those packages in Solara's local asset cache
with ``npm pack`` when they are missing; ``drumbeat teach --prepare-assets`` does only that.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from experiments.cli import checks
from simulation import ConfigError, load_scenario
from simulation.app import ENV_KEY, ENV_ROOMS, ENV_SCENARIO, ENV_SEED
from simulation.app.rooms import DEFAULT_ROOM, check_name, open_at_start, rooms_dir

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teach", help="start the teaching app in the browser",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", help="a scenario TOML to open first (default: the "
                   "two-hospitals preset of configs/scenarios/teaching/)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--lan", action="store_true",
                   help="listen on the local network (all of this machine's addresses, or --host), so "
                   "that participants can join from their own devices; the controls then need the "
                   "facilitator's key printed at start")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1, this machine only; an "
                   "address beyond this machine needs --lan)")
    p.add_argument("--room", default=DEFAULT_ROOM, help=f"the room opened at start, whose join code is "
                   f"printed (default {DEFAULT_ROOM}); other rooms are made on first use")
    p.add_argument("--allow", metavar="NAME", action="append", default=[],
                   help="another name of this machine that browsers may use in the address "
                   "(repeatable; IP addresses, localhost and the machine's own name always work)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the first run (default 1: fixed, so every class starts from the same run)")
    p.add_argument("--rooms", metavar="DIR", help="folder in which rooms are saved (default: "
                   "$DRUMBEAT_ROOMS, else ~/.local/share/drumbeat/rooms or its platform equivalent)")
    p.add_argument("--prepare-assets", action="store_true",
                   help="only fetch the page's npm packages into Solara's local cache, then exit")
    p.set_defaults(func=main)


def asset_packages() -> list[tuple[str, str]]:
    """(npm package, version) pairs the installed Solara's page template loads from its CDN."""
    import ipyvue
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = re.findall(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/", template.read_text())
    found.append(("font-awesome", "4.5.0"))  # Solara's default fontawesome_path
    vue3 = ipyvue.__version__.startswith("3")
    skip = "solara-vuetify-app" if vue3 else "solara-vuetify3-app"
    return sorted({(n, v) for n, v in found if not n.endswith(skip)})


def asset_cache() -> Path:
    """Solara's local asset cache (served under /_solara/cdn/ before any CDN is asked)."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def prepare_assets(cache: Path | None = None) -> list[str]:
    """Fetch missing page packages into ``cache`` with ``npm pack``; returns what was fetched.

    Raises:
        ConfigError: a package is missing and npm is not installed or cannot fetch it.
    """
    cache = cache or asset_cache()
    fetched = []
    for name, version in asset_packages():
        target = cache / f"{name}@{version}"
        if (target / "package.json").is_file():
            continue
        npm = shutil.which("npm")
        if npm is None:
            raise ConfigError(f"the teaching app needs the npm package {name}@{version} in {cache}; "
                              "install npm (or give the machine access to cdn.jsdelivr.net)")
        with tempfile.TemporaryDirectory() as tmp:
            run = subprocess.run([npm, "pack", f"{name}@{version}", "--silent"], cwd=tmp,
                                 capture_output=True, text=True, timeout=300)
            tgz = sorted(Path(tmp).glob("*.tgz"))
            if run.returncode != 0 or not tgz:
                raise ConfigError(f"npm pack {name}@{version} failed: {run.stderr.strip()[-300:]}")
            with tarfile.open(tgz[0]) as tar:
                tar.extractall(tmp, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "package"), str(target))
        fetched.append(f"{name}@{version}")
    return fetched


def free_port(host: str) -> int:
    """A port that is free on ``host`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(host: str, port: int, allow: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The command that serves ``simulation.app.page`` with Solara (:func:`serve`)."""
    return [sys.executable, "-m", "experiments.cli.teach", "simulation.app.page", "--host", host,
            "--port", str(port)] + [a for name in allow for a in ("--allow", name)]


def serve(argv: list[str]) -> None:
    """The server :func:`server_command` starts: Solara's Starlette app inside the app's guard
    (``simulation/app/guard.py``: frame headers on every page, websockets from the app's own
    pages only, the client's address for the limit on key guesses), inside ``serve_app``'s
    check of the ``Host`` header (``solara run`` can do neither)."""
    from experiments.cli import serve_app
    from simulation.app.guard import Guard
    from simulation.app.heal import use_assets

    ap = argparse.ArgumentParser(prog="drumbeat-teach-server", description=serve.__doc__)
    ap.add_argument("app")
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--allow", action="append", default=[])
    args = ap.parse_args(argv)
    os.environ["SOLARA_APP"] = args.app  # what ``solara run APP`` sets
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(args.port)
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    # Solara reports usage to Mixpanel unless told not to: a classroom's server sends nothing
    # anywhere (and may have no network)
    settings.telemetry.mixpanel_enable = False
    use_assets(settings.assets)  # every page runs the app's custom.js: pages that heal
    from solara.server.starlette import app

    names = serve_app.machine_names() | set(args.allow)
    names |= set() if serve_app.is_ip(args.host) else {args.host}
    # proxy_headers off: the client address is the peer's, never a header it sends (the key limit)
    uvicorn.run(serve_app.HostCheck(Guard(app), names), host=args.host, port=args.port,
                log_level="warning", proxy_headers=False)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this machine only (127.0.0.0/8, ::1, localhost)."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_host(args: argparse.Namespace) -> str:
    """The address to listen on; ConfigError for one beyond this machine without ``--lan``."""
    host = args.host or ("0.0.0.0" if args.lan else "127.0.0.1")
    if not args.lan and not is_loopback(host):
        raise ConfigError(f"--host {host} listens beyond this machine: add --lan to say so "
                          "(participants on the network, controls only with the facilitator's key)")
    return host


def lan_address() -> str:
    """This machine's address on its network (the one its default route uses; no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: a route is looked up, nothing is sent
            return str(s.getsockname()[0])
    except OSError:
        return socket.gethostname()


def allowed_names(names: list[str]) -> list[str]:
    """``--allow`` names, lower case; ConfigError for one that is not a host name."""
    out = []
    for name in names:
        low = name.strip().lower().rstrip(".")
        if not HOST_NAME.fullmatch(low):
            raise ConfigError(f"--allow {name!r}: not a host name (letters, digits, '-' and '.')")
        out.append(low)
    return out


def prepare(args: argparse.Namespace, environ: Mapping[str, str] = os.environ
            ) -> tuple[list[str], dict[str, str], list[str]]:
    """Check the input, open the start room and fetch missing page assets: returns the server's
    command, its environment and the lines to print (the addresses, the room's join code)."""
    env = dict(environ)
    checks.seed(args.seed)
    host = listen_host(args)
    allow = allowed_names(args.allow)
    name = check_name(args.room)
    if args.scenario:  # bad input: one line, exit 2, no server
        path = Path(args.scenario).resolve()
        scenario = load_scenario(path)
        checks.check_events(scenario, args.seed)  # event targets exist in its world
        checks.warn_late_events(scenario, args.scenario)
        env[ENV_SCENARIO] = str(path)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port: {args.port} is not a port number (0-65535)")
    port = args.port or free_port(host)
    prepare_assets()
    env[ENV_SEED] = str(args.seed)
    if args.rooms:
        env[ENV_ROOMS] = str(Path(args.rooms).resolve())
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # Solara's corner banner covers the side panel
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # no usage reports (serve() sets it too)
    room = open_at_start(name, env)  # saved now, restored by the server: the code printed is its code
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    base = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
    key = ""
    if host not in LOCAL_HOSTS:
        key = env[ENV_KEY] = secrets.token_urlsafe(9)
    own = urlencode({"room": room.name} | ({"key": key} if key else {}))
    lines = [f"Drumbeat teaching app: {base}  (Ctrl-C to stop)"]
    if host != shown:
        lines.append(f"  listening on {host} (every address of this machine)")
    lines += [f"  room {room.name}: join code {room.code}  (saved in {rooms_dir(env)})",
              f"  participants: {base}?{urlencode({'room': room.name, 'join': room.code})}",
              f"  facilitator: {base}?{own}" + ("  (keep this address to yourself)" if key else ""),
              f"  projector: {base}?{urlencode({'room': room.name, 'view': 'presenter'})}"]
    if room.note:
        lines.append(f"  {room.note}")
    if key:
        lines.append(f"  anyone who can reach {base} can watch a room "
                     "(presenter view only); the controls need the key in your address")
    lines.append(f"  other rooms: {base}?room=NAME" + (f"&key={key}" if key else "")
                 + " (each with its own join code, on its facilitator's screen)")
    return server_command(host, port, allow), env, lines


def main(args: argparse.Namespace) -> int:
    if args.prepare_assets:
        fetched = prepare_assets()
        print(f"teaching app assets in {asset_cache()}: " + (", ".join(fetched) + " fetched" if fetched
                                                              else "all present"))
        return 0
    cmd, env, lines = prepare(args)
    print("\n".join(lines), flush=True)
    os.execve(cmd[0], cmd, env)  # the server replaces this process: Ctrl-C and kill reach it directly
    return 0  # pragma: no cover - not reached


if __name__ == "__main__":
    serve(sys.argv[1:])

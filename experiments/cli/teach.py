"""``drumbeat teach [SCENARIO]``: start the teaching app (Solara) and print its address.

The app listens on 127.0.0.1 unless ``--host`` asks for another address, and answers only
requests whose ``Host`` header is an IP address or this machine's name (``serve_app.py``). Runs live in named
rooms saved under ``--rooms DIR`` (default: the user's data folder, see
``simulation/app/rooms.py``), so that they survive a restart of the server. A SCENARIO file, if
given, is validated first (a bad file is reported in one line, exit 2, and no server starts)
and is added to the menu of teaching presets and opened first. See ``docs/teaching.md``.

The Solara page loads its JavaScript and CSS from npm packages through a CDN. So that the app
also works on a machine that reaches only the package registries (a classroom laptop behind
a firewall, our CI), :func:`prepare_assets` puts those packages in Solara's local asset cache
with ``npm pack`` when they are missing; ``drumbeat teach --prepare-assets`` does only that.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from experiments.cli import checks
from simulation import ConfigError, load_scenario
from simulation.app import ENV_KEY, ENV_ROOMS, ENV_SCENARIO, ENV_SEED
from simulation.app.rooms import rooms_dir

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teach", help="start the teaching app in the browser",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", help="a scenario TOML to open first (default: the "
                   "two-hospitals preset of configs/scenarios/teaching/)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--seed", type=int, default=1, help="seed of the first run (default 1)")
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


def server_command(host: str, port: int) -> list[str]:
    """The command that serves ``simulation.app.page`` with Solara, behind a check of the
    ``Host`` header (``serve_app.py``: ``solara run`` cannot check it)."""
    return [sys.executable, "-m", "experiments.cli.serve_app", "simulation.app.page", "--host", host,
            "--port", str(port)]


def main(args: argparse.Namespace) -> int:
    if args.prepare_assets:
        fetched = prepare_assets()
        print(f"teaching app assets in {asset_cache()}: " + (", ".join(fetched) + " fetched" if fetched
                                                              else "all present"))
        return 0
    env = dict(os.environ)
    checks.seed(args.seed)
    if args.scenario:  # bad input: one line, exit 2, no server
        path = Path(args.scenario).resolve()
        scenario = load_scenario(path)
        checks.check_events(scenario, args.seed)  # event targets exist in its world
        checks.warn_late_events(scenario, args.scenario)
        env[ENV_SCENARIO] = str(path)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port: {args.port} is not a port number (0-65535)")
    port = args.port or free_port(args.host)
    prepare_assets()
    env[ENV_SEED] = str(args.seed)
    if args.rooms:
        env[ENV_ROOMS] = str(Path(args.rooms).resolve())
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # Solara's corner banner covers the side panel
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Drumbeat teaching app: http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
    print(f"  rooms: http://{shown}:{port}/?room=NAME (the projector: add &view=presenter); "
          f"saved in {rooms_dir(env)}", flush=True)
    print(f"  participants: http://{shown}:{port}/?room=NAME&join=CODE (each room's code is shown "
          "on the facilitator's screen)", flush=True)
    if args.host not in LOCAL_HOSTS:
        key = secrets.token_urlsafe(9)
        env[ENV_KEY] = key
        print(f"  listening on {args.host}: anyone who can reach this machine can open it and watch "
              "(presenter view only)", flush=True)
        print(f"  your controls: http://{shown}:{port}/?room=NAME&key={key}  (keep this address to yourself)",
              flush=True)
    cmd = server_command(args.host, port)
    os.execve(cmd[0], cmd, env)  # the server replaces this process: Ctrl-C and kill reach it directly
    return 0  # pragma: no cover - not reached

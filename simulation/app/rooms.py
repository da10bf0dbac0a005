"""Rooms: a named teaching run held by the server, shared by every browser tab that opens it.

Solara's state lives in one browser tab (one virtual kernel). A room is what a facilitator's
laptop and the projector share instead: a :class:`~simulation.app.session.Session` held in a
registry of this server process (module-level, guarded by a lock), which every tab of the
room reads and waits on. A reload or a second tab opens the same room and sees the same
month.

A room survives a server restart: it is saved as a JSON Lines file - a header (room, preset,
scenario file, seed) and then every action in the order it was applied - and replayed on
first use after a restart. The model is deterministic, so the same seed and actions give the
same state, story and tables (``tests/test_app_logic.py`` checks it). Room files live in a
folder the app owns, never in the project: ``--rooms DIR`` of ``drumbeat teach`` (passed as
the ``DRUMBEAT_ROOMS`` environment variable), else the user's data folder
(``$XDG_DATA_HOME/drumbeat/rooms``, ``~/.local/share/drumbeat/rooms``; on Windows under
``%LOCALAPPDATA%``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path

from ..errors import ConfigError
from . import ENV_KEY, ENV_ROOMS, ENV_SCENARIO, ENV_SEED
from .catalog import presets
from .limiter import Limiter
from .participants import CODE_LETTERS, OPS
from .session import Action, Session
from .view import View

#: The room a page opens when its address names none.
DEFAULT_ROOM = "main"
#: The preset a new room opens when ``drumbeat teach`` was given no scenario.
DEFAULT_PRESET = "two_hospitals"
#: Room names: short, safe in a file name and an address.
ROOM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
FORMAT = 1
#: Letters of a participants' room code (``CODE_LETTERS``, from ``participants``): no 0/O, 1/I/L.
CODE_LENGTH = 6
#: Wrong facilitator keys allowed per client address within KEY_SECONDS (``KeyCheck``).
KEY_GUESSES = 10
KEY_SECONDS = 60.0
#: Wrong seat codes allowed per client address within KEY_SECONDS (``Room.rejoin``).
SEAT_GUESSES = 10
#: The most rooms a server holds at once (each a live model: about 0.25 MB for a small preset).
MAX_ROOMS = 20


def new_code() -> str:
    """A random room code for participants (separate from the facilitator's key)."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def rooms_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where rooms are saved: ``$DRUMBEAT_ROOMS``, else the user's data folder."""
    given = env.get(ENV_ROOMS)
    if given:
        return Path(given)
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "drumbeat" / "rooms"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "drumbeat" / "rooms"


def check_name(name: str) -> str:
    """``name`` lower-cased if it is a valid room name; ConfigError otherwise."""
    low = str(name).strip().lower()
    if not ROOM_NAME.fullmatch(low):
        raise ConfigError(f"room '{name}': use 1-40 letters, digits, '-' or '_' (starting with a "
                          "letter or digit)")
    return low


def may_control(given: str | None, env: Mapping[str, str] = os.environ) -> bool:
    """Whether a page opened with key ``given`` may drive its room: always on a server that
    set no facilitator key (this machine only), else only with that key."""
    key = env.get(ENV_KEY, "")
    return not key or secrets.compare_digest(str(given or "").encode(), key.encode())


class KeyCheck:
    """The facilitator's key, with at most ``count`` wrong guesses per client address in any
    ``seconds``: once an address has made that many, every key it gives is refused (the right
    one too) until its oldest wrong guess is ``seconds`` old. A page without a key is a watcher,
    not a guess."""

    def __init__(self, count: int = KEY_GUESSES, seconds: float = KEY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.wrong = Limiter(count, seconds, clock)
        self._lock = threading.Lock()  # pages check keys from many threads at once

    def check(self, given: str | None, client: str, env: Mapping[str, str] = os.environ) -> tuple[bool, str]:
        """(whether the page may drive its room, why not when a key it gave was refused)."""
        if not env.get(ENV_KEY) or not given:
            return may_control(given, env), ""
        with self._lock:
            return self._check(given, client, env)

    def _check(self, given: str, client: str, env: Mapping[str, str]) -> tuple[bool, str]:
        if self.wrong.full(client):
            return False, (f"more than {self.wrong.count} wrong facilitator keys from your address within "
                           f"{self.wrong.seconds:.0f} seconds: wait a minute, then open the address again")
        if may_control(given, env):
            return True, ""
        self.wrong.allow(client)  # counts this wrong guess
        return False, "that is not the facilitator's key: this page only watches the room"


#: The server's check of facilitator keys (one for all its rooms and pages).
KEYS = KeyCheck()


def new_session(env: Mapping[str, str] = os.environ) -> Session:
    """A session on the scenario ``drumbeat teach`` was given (or the default preset)."""
    extra = env.get(ENV_SCENARIO)
    catalogue = presets(extra=Path(extra) if extra else None)
    key = Path(extra).stem if extra else DEFAULT_PRESET
    key = key if key in catalogue else next(iter(catalogue))
    return Session(key, int(env.get(ENV_SEED, "1")), catalogue)


class Room:
    """One named run: every change goes through :meth:`apply`, which saves and tells the tabs."""

    def __init__(self, name: str, session: Session, path: Path | None, code: str = "") -> None:
        self.name = name
        self.session = session
        self.path = path
        self.code = code or new_code()  # what participants type to join (saved with the room)
        self.limiter = Limiter()  # participants' actions per person (this server's, never replayed)
        self.wrong_seats = Limiter(SEAT_GUESSES, KEY_SECONDS)  # wrong seat codes per client address
        self.note = ""  # why a saved room could not be restored, shown once on the page
        self._changed = threading.Condition()
        self._cached: View | None = None

    @property
    def version(self) -> int:
        return self.session.version

    def apply(self, action: Action) -> str:
        """Apply ``action`` to the room's session, append it to the room file, wake the tabs.

        A participant's action beyond their rate limit is refused before it is applied; a refused
        action (there, or by the session) is not written to the file."""
        with self._changed:  # one at a time, so that the file's order is the order applied
            if action.op in OPS and action.name and not self.limiter.allow(action.name):
                return "too many choices at once: wait a few seconds and try again"
            err = self.session.apply(action)
            if self.path is not None and not err:  # a refused action is not kept
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(_line(action))
            self._changed.notify_all()
        return err

    def admits(self, code: str | None) -> bool:
        """Whether ``code`` is this room's participant code (any case, spaces ignored)."""
        given = "".join(str(code or "").split()).upper()
        return secrets.compare_digest(given.encode(), self.code.encode())

    def rejoin(self, client: str, code: str | None = None, name: str | None = None,
               org: str | None = None) -> tuple[str, str]:
        """(the token of the seat asked for, or "" and why not): by seat ``code``, at most
        :data:`SEAT_GUESSES` wrong codes per client address a minute; or by ``name`` and ``org``."""
        with self._changed:
            if code is not None and self.wrong_seats.full(client):
                return "", (f"more than {SEAT_GUESSES} wrong seat codes from your address within a minute: "
                            "wait a minute, or ask the facilitator")
            token = self.session.cast.rejoin(code, name, org, self.session.model.state.world.org_name)
        if token:
            return token, ""
        if code is not None:
            self.wrong_seats.allow(client)
            return "", "no seat of this room has that seat code: it is on your seat card (5 letters)"
        return "", f"nobody called {' '.join(str(name or '').split())} plays {org} in this room"

    def wait(self, seen: int, timeout: float) -> int:
        """The room's version, once it differs from ``seen`` or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.session.version != seen, timeout)
            return self.session.version

    def view(self) -> View:
        """The room's snapshot, shared by all its tabs until the next change."""
        with self._changed:
            if self._cached is None or self._cached.version != self.session.version:
                self._cached = self.session.view()
            return self._cached

    def record(self) -> tuple[View, dict, list[Action]]:
        """The room's view, its file's header and its actions, taken together (for the export)."""
        with self._changed:
            return self.view(), self._head(), list(self.session.actions)

    def _head(self) -> dict:
        s = self.session
        return {"drumbeat_room": FORMAT, "room": self.name, "preset": s.preset.key,
                "scenario": str(s.preset.path), "seed": s.seed, "code": self.code}

    def save(self) -> None:
        """Write the whole room file: header, then every action so far."""
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._head()) + "\n" + "".join(_line(a) for a in self.session.actions),
                       encoding="utf-8")
        os.replace(tmp, self.path)


def _line(action: Action) -> str:
    return json.dumps(asdict(action)) + "\n"


def read_actions(path: Path) -> list[Action]:
    """The actions of a room file, in order (a line cut short by a crash is skipped)."""
    return read_room(path)[1]


def read_room(path: Path) -> tuple[dict, list[Action]]:
    """The header and the actions of a room file."""
    return parse_room(path.read_text(encoding="utf-8"), str(path))


def parse_room(text: str, where: str = "the file") -> tuple[dict, list[Action]]:
    """The header and the actions of a room file's text (``where``: what to call it in an error)."""
    lines = text.splitlines()
    try:
        head = json.loads(lines[0]) if lines else {}
    except json.JSONDecodeError:
        head = {}
    if not isinstance(head, dict) or head.get("drumbeat_room") != FORMAT:
        raise ConfigError(f"{where}: not a Drumbeat room file (format {FORMAT})")
    out = []
    for line in lines[1:]:
        try:
            out.append(Action(**json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return head, out


class Rooms:
    """The server's rooms by name, created on first use or restored from their files."""

    def __init__(self, folder: Path | None, factory: Callable[[], Session] = new_session) -> None:
        self.folder = folder
        self.factory = factory
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def get(self, name: str, create: bool = True) -> Room:
        """The room called ``name``: held, restored from its file, or (with ``create``) made.

        ConfigError for a bad name, for a room that does not exist when ``create`` is false (a
        page without the facilitator's key), and once the server holds :data:`MAX_ROOMS`."""
        name = check_name(name)
        with self._lock:
            room = self._rooms.get(name)
            if room is None:
                if not create and not self._saved(name):
                    raise ConfigError(f"there is no room '{name}' on this server: only the facilitator "
                                      "can open a new room; check the address you were given")
                if len(self._rooms) >= MAX_ROOMS:
                    raise ConfigError(f"this server already holds {MAX_ROOMS} rooms, the most it keeps: "
                                      f"use one of them, or restart the server to free them (a saved "
                                      f"room comes back when it is next opened)")
                room = self._rooms[name] = self._open(name)
            return room

    def by_code(self, code: str) -> Room | None:
        """The open room whose participant code is ``code`` (any case), or None."""
        with self._lock:
            return next((room for room in self._rooms.values() if room.admits(code)), None)

    def _saved(self, name: str) -> bool:
        return self.folder is not None and (self.folder / f"{name}.jsonl").is_file()

    def _open(self, name: str) -> Room:
        path = None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{name}.jsonl"
        note = ""
        if path is not None and path.is_file():
            fresh = self.factory()
            try:
                head, actions = read_room(path)
                session = Session.replay(actions, fresh.presets)
                if not hasattr(session, "model"):
                    raise ConfigError(session.error or "its first action did not load a preset")
                room = Room(name, session, path, str(head.get("code") or ""))
                if room.code != head.get("code"):
                    room.save()  # a file from before room codes: keep the new code
                return room
            except (ConfigError, OSError) as exc:
                os.replace(path, path.with_suffix(".unreadable"))
                note = f"room '{name}' could not be restored ({exc}); a new run was started"
        room = Room(name, self.factory(), path)
        room.note = note
        room.save()
        return room


def open_at_start(name: str, env: Mapping[str, str]) -> Room:
    """The room ``name`` as the server started with ``env`` will find it: restored from its file
    or made and saved now, so that ``drumbeat teach`` can print its code before serving."""
    return Rooms(rooms_dir(env), lambda: new_session(env)).get(name)


_REGISTRY: Rooms | None = None
_REGISTRY_LOCK = threading.Lock()


def registry() -> Rooms:
    """This server process's rooms (made on first use, saved under :func:`rooms_dir`)."""
    global _REGISTRY
    with _REGISTRY_LOCK:
        if _REGISTRY is None:
            _REGISTRY = Rooms(rooms_dir())
        return _REGISTRY

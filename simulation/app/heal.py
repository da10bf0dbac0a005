"""Pages that heal: what the teaching app's pages do when their server goes away and comes back.

Solara runs no script put into a page as HTML, but every page it serves runs the
``custom.js`` of its asset folders before it connects. ``drumbeat teach`` adds this
package's ``assets/`` folder to them (:func:`use_assets`), so every page of the app runs
``assets/custom.js``:

* it notices a lost connection within about a second (Solara's own connection to the page's
  kernel closed or reconnecting, Solara's verdict that the page cannot be restored, or the
  browser offline), or within a few seconds by its heartbeat (``/readyz`` asked every 2
  seconds: two answers missing or later than 2 seconds, as from a frozen server or a network
  that dropped without closing the socket), and says so on top of the page: "Connection lost
  - reconnecting";
* it then asks the server every second whether it is up (``/readyz``) and, once it answers,
  carries on if its connection is sound (the heartbeat's case), else loads the page again at
  the same address: the room comes back from its file
  (``rooms.py``), the facilitator's and the projector's pages with it, and a participant's
  page in the same seat (its address carries the seat's token);
* it keeps a participant's seat (room, join code, token) in the browser's ``localStorage``,
  so that the join link opened again in that browser lands in the same seat (the address
  gets ``&kept=1``, and the page offers "not you? join as someone else").

A participant on another device, or whose browser lost it all, rejoins with the seat code on
their seat card or with their name and organisation (``participants.seat_code``,
``Participants.rejoin``, ``Room.rejoin``).
"""

from __future__ import annotations

from pathlib import Path

#: The folder whose ``custom.js`` every page of the app runs.
ASSETS = Path(__file__).parent / "assets"


def use_assets(assets_settings) -> None:
    """Add :data:`ASSETS` to Solara's asset folders (``solara.server.settings.assets``), first
    among the extra ones, so that its ``custom.js`` is the one pages run."""
    extra = [str(ASSETS)] + [x for x in assets_settings.extra_locations if x != str(ASSETS)]
    assets_settings.extra_locations = extra

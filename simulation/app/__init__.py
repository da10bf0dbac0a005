"""The teaching app: a Solara page that a facilitator drives live in front of a room.

``page`` holds the Solara components (served by ``drumbeat teach`` as
``simulation.app.page``; its panels' text in ``page_html``, its style sheet in ``page_style``);
``rooms`` the server's named runs that every tab of a room shares, saved and replayed, with
``limiter`` their rate limits; ``session`` a run the page drives, and ``view`` the snapshot
(``View``) every redraw reads; ``effects`` what each facilitator action changed against the
same months without it; ``story`` the plain-language story of each month and the debrief;
``export`` the tables; ``netlayout``, ``svg``, ``svgcharts`` and ``figures`` the network and
the charts; ``catalog`` the presets, levers and event buttons; ``participants`` (with
``arising``, the choices that can come up) and ``play_page`` the participatory mode;
``heal`` (with ``assets/custom.js``) pages that heal when the server goes and comes back;
``replay`` and ``replay_page`` the session month by month after it.

Importing this package imports nothing from Solara: only ``page`` does. The model never
imports the app.
"""

#: Environment variables through which ``drumbeat teach`` hands the page its scenario and seed.
ENV_SCENARIO = "DRUMBEAT_TEACH_SCENARIO"
ENV_SEED = "DRUMBEAT_TEACH_SEED"
#: Folder in which the server saves its rooms (``drumbeat teach --rooms DIR``).
ENV_ROOMS = "DRUMBEAT_ROOMS"
#: The facilitator's key: when set (a server listening beyond this machine), only a page opened
#: with ``&key=`` this value shows the controls; every other page is a presenter view.
ENV_KEY = "DRUMBEAT_FACILITATOR_KEY"

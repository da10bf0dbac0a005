"""The teaching app: a Solara page that a facilitator drives live in front of a room.

``page`` holds the Solara components (served by ``drumbeat teach`` as
``simulation.app.page``); ``session`` a run the page drives, and the snapshot (``View``)
every redraw reads; ``story`` the plain-language story of each month; ``figures`` and
``svg`` the charts and the network; ``catalog`` the presets, levers and event buttons.

Importing this package imports nothing from Solara: only ``page`` does. The model never
imports the app.
"""

#: Environment variables through which ``drumbeat teach`` hands the page its scenario and seed.
ENV_SCENARIO = "DRUMBEAT_TEACH_SCENARIO"
ENV_SEED = "DRUMBEAT_TEACH_SEED"
#: Folder in which the server saves its rooms (``drumbeat teach --rooms DIR``).
ENV_ROOMS = "DRUMBEAT_ROOMS"

"""The style sheet of the facilitator's and the presenter's page (``page.py``).

One grid that owns the whole window (a projector has no room to spare), larger text in the
presenter's view, and the full-screen debrief. A participant's page has its own
(``play_page.PLAY_CSS``).
"""

#: The facilitator's and the presenter's page: a grid that fills the window.
PAGE_CSS = """
html, body { overflow: hidden; }
.db-app { display: grid; box-sizing: border-box; height: 100vh; width: 100vw; padding: 6px 8px;
  gap: 6px 8px; font-size: 15px; line-height: 1.3;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) minmax(260px, 0.6fr);
  grid-template-rows: auto minmax(0, 1fr) 132px;
  grid-template-areas: "top top side" "net charts side" "story story side"; }
.db-app.presenter { font-size: 19px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  grid-template-rows: auto minmax(0, 1fr) 150px;
  grid-template-areas: "top top" "net charts" "story story"; }
.db-top { grid-area: top; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.db-run { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; }
.db-app .v-btn { text-transform: none; letter-spacing: normal; }
.db-status { font-size: 20px; font-weight: bold; }
.presenter .db-status { font-size: 26px; }
.db-net { grid-area: net; min-height: 0; }
.db-charts { grid-area: charts; min-height: 0; }
.db-net svg, .db-charts svg { width: 100%; height: 100%; display: block; }
.db-net-inner { width: 100%; height: 100%; }
.db-story { grid-area: story; overflow-y: auto; border-top: 1px solid #ccc; }
.db-story .line { padding: 2px 0; border-bottom: 1px solid #eee; }
.db-story .facilitator { font-weight: bold; color: #8b0000; }
.db-story .compared { color: #555; font-style: italic; }
.db-story .tally { font-weight: bold; color: #0b4f9c; }
.db-side { grid-area: side; display: flex; flex-direction: column; min-height: 0; gap: 4px; }
.db-events { flex: none; }
.db-events .v-btn { width: 100%; justify-content: flex-start; margin: 1px 0; text-transform: none; }
.db-more { flex: 1 1 auto; overflow-y: auto; min-height: 0; border-top: 1px solid #ccc; padding-top: 4px; }
.db-help { font-size: 14px; color: #555; margin: -4px 0 8px 0; line-height: 1.25; }
.db-label { font-size: 15px; margin-top: 4px; }
.db-h { font-weight: bold; font-size: 16px; margin: 6px 0 2px 0; }
.db-app .v-btn { font-size: 14px; }
.db-room { font-size: 14px; color: #444; }
.db-timer { font-size: 20px; font-weight: bold; color: #0b4f9c; margin-left: 8px; }
.db-timer.over { color: #b00020; }
.presenter .db-timer { font-size: 30px; }
.db-timer-set { display: inline-flex; gap: 4px; align-items: center; }
.db-join { position: fixed; right: 10px; bottom: 10px; z-index: 5; background: white;
  border: 1px solid #bbb; border-radius: 4px; padding: 6px; text-align: center; }
.db-join svg { display: block; width: 130px; height: 130px; margin: 0 auto; }
.db-join .db-short { font-size: 16px; font-weight: bold; color: #0b4f9c; }
.presenter .db-join svg { width: 190px; height: 190px; }
.presenter .db-join .db-short { font-size: 22px; }
.presenter .db-room .join-address { font-size: 24px; color: #0b4f9c; }
.db-runs { font-size: 14px; border-collapse: collapse; }
.db-runs td, .db-runs th { padding: 2px 4px; border-bottom: 1px solid #ddd; vertical-align: top; }
.db-run-row { font-size: 14px; padding: 3px 0; border-bottom: 1px solid #ddd; }
.db-run-values { display: flex; flex-wrap: wrap; gap: 0 10px; }
.db-run-values span, .db-wide td.num, .db-wide th { white-space: nowrap; }
.db-app .v-label { font-size: 15px !important; }
.db-app .v-label--active { transform: translateY(-20px) scale(1) !important; }
.db-app .v-select__selection, .db-app input { font-size: 15px !important; }
.db-debrief { position: fixed; inset: 0; z-index: 10; background: white; overflow-y: auto;
  padding: 16px 28px; box-sizing: border-box; font-size: 20px; line-height: 1.4; }
.presenter .db-debrief { font-size: 24px; }
.db-debrief h1 { font-size: 1.4em; margin: 0 0 10px 0; }
.db-debrief p { margin: 6px 0; }
.db-debrief ol { margin: 4px 0 8px 0; }
.db-wide { border-collapse: collapse; font-size: 0.85em; margin-top: 8px; }
.db-wide td, .db-wide th { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left;
  vertical-align: top; }
"""

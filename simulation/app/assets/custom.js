/* Drumbeat teaching app: pages that heal (served by `drumbeat teach` as Solara's custom.js,
   which every page runs before it connects; see simulation/app/heal.py).

   1. The seat: a participant's address (?room=R&join=CODE&me=TOKEN) is kept in this browser's
      localStorage under the room's name; an address of that room without its seat (the join
      link opened again, the tab closed) gets the kept seat back before the page starts,
      with &kept=1 so that the page can say so ("not you?").
   2. The connection: twice a second the page's connection to its server is looked at (Solara's
      own kernel connection, its "could not restore" verdict, the browser's online flag, and a
      heartbeat: every 2 seconds the server is asked /readyz, and two answers missing or later
      than 2 seconds mean it is lost even while the socket looks open - a frozen server, a
      network that dropped without closing it). Lost for a second: a banner says "Connection
      lost - reconnecting" on top of everything; the server is then asked every second whether
      it is up (/readyz), and once it answers the page carries on if its connection is sound,
      else it is loaded again at the same address, so it comes back in its room and seat. */
(function () {
  if (window.drumbeatHeal) return;
  var SEAT = 'drumbeat-seat:';
  var heal = window.drumbeatHeal = {state: 'starting', lostAt: 0, restored: false, probes: 0};
  var loadedAt = Date.now(), nextProbe = 0, probing = false, reloading = false;
  var BEAT_MS = 2000, MISSES = 2, missed = 0, beating = false, nextBeat = 0;

  function norm(code) { return String(code || '').replace(/\s+/g, '').toUpperCase(); }
  function roomOf(q) { return String(q.get('room') || 'main').trim().toLowerCase(); }
  function store() { try { return window.localStorage; } catch (e) { return null; } }

  (function restoreSeat() {
    var q = new URLSearchParams(location.search), ls = store();
    if (!ls || q.get('join') === null || q.get('me') || q.get('new')) return;
    try {
      var seat = JSON.parse(ls.getItem(SEAT + roomOf(q)) || 'null');
      if (seat && seat.me && norm(seat.join) === norm(q.get('join'))) {
        q.set('me', seat.me);
        q.set('kept', '1');
        history.replaceState(history.state, '', location.pathname + '?' + q.toString());
        heal.restored = true;
      }
    } catch (e) { /* a broken entry: join as new */ }
  })();

  function keepSeat() {
    var q = new URLSearchParams(location.search), ls = store();
    if (!ls || q.get('join') === null || !q.get('me')) return;
    var seat = JSON.stringify({join: norm(q.get('join')), me: q.get('me')});
    try {
      if (ls.getItem(SEAT + roomOf(q)) !== seat) ls.setItem(SEAT + roomOf(q), seat);
    } catch (e) { /* private mode: the address alone keeps the seat */ }
  }

  function connection() {
    var d = window.solara && window.solara.debug;
    var k = d && typeof d.kernel === 'function' ? d.kernel() : null;
    if (!k) return 'starting';
    var root = window.app && window.app.$data;
    if (root && root.needsRefresh) return 'lost';  // Solara gave this page up
    if (k.connectionStatus !== 'connected' || k.status === 'dead') return 'lost';
    if (navigator.onLine === false) return 'lost';
    if (missed >= MISSES) return 'lost';  // the heartbeat: no answer from the server
    return 'ok';
  }

  function readyz(timeoutMs) {
    var root = (window.solara && window.solara.rootPath) || '';
    var ctl = window.AbortController ? new AbortController() : null;
    var late = setTimeout(function () { if (ctl) ctl.abort(); }, timeoutMs);
    return fetch(root + '/readyz?t=' + Date.now(), {cache: 'no-store', credentials: 'same-origin',
                                                    signal: ctl ? ctl.signal : undefined})
      .then(function (r) { clearTimeout(late); return r.ok; },
            function () { clearTimeout(late); return false; });
  }

  function heartbeat() {
    if (beating || Date.now() < nextBeat) return;
    beating = true;
    heal.beats = (heal.beats || 0) + 1;
    readyz(BEAT_MS).then(function (ok) {
      missed = ok ? 0 : missed + 1;
      beating = false;
      nextBeat = Date.now() + BEAT_MS;
    });
  }

  function banner(text, state) {
    var el = document.getElementById('drumbeat-heal');
    if (!el && document.body) {
      // the whole window, greyed: a tap or a press that could not reach the server is not lost
      // without a sign; the message on top
      el = document.createElement('div');
      el.id = 'drumbeat-heal';
      el.setAttribute('role', 'alert');
      el.setAttribute('data-testid', 'connection');
      el.style.cssText = 'position:fixed;inset:0;z-index:100010;background:rgba(255,255,255,0.6);';
      var box = document.createElement('div');
      box.style.cssText = 'padding:12px;background:#9c1c1c;color:#fff;font:bold 20px/1.3 sans-serif;' +
        'text-align:center;';
      el.appendChild(box);
      document.body.appendChild(el);
    }
    if (!el) return;
    el.style.display = text ? 'block' : 'none';
    el.firstChild.textContent = text;
    el.setAttribute('data-state', state);
  }

  function probe() {
    if (probing || reloading || Date.now() < nextProbe) return;
    probing = true;
    heal.probes += 1;
    readyz(5000).then(function (ok) {
      if (ok) missed = 0;  // it answers: the heartbeat's verdict is over
      if (ok && connection() !== 'ok') {  // up, and Solara did not ride it out meanwhile
        reloading = true;
        heal.state = 'reloading';
        banner('The server is back - reloading this page', 'reloading');
        setTimeout(function () { location.reload(); }, 300);
      }
      probing = false;
      nextProbe = Date.now() + 1000;
    });
  }

  function tick() {
    keepSeat();
    var now = Date.now(), s = connection();
    if (s === 'starting' && now - loadedAt < 30000) return;  // a slow first load is not a loss
    if (s === 'ok') {
      heartbeat();
      if (heal.state !== 'ok') banner('', 'ok');
      heal.state = 'ok';
      heal.lostAt = 0;
      return;
    }
    if (!heal.lostAt) heal.lostAt = now;
    if (now - heal.lostAt < 1000 || reloading) return;  // a blip Solara rides out by itself
    heal.state = 'lost';
    banner('Connection lost - reconnecting\u2026 (this page comes back by itself)', 'lost');
    probe();
  }

  window.addEventListener('offline', tick);
  setInterval(tick, 500);
})();

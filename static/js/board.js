// The price board (挂牌价格表) of a land lot updates itself: whenever the live channel says the board changed (or,
// with the channel down, every 1.5 seconds) the page reads board.json and redraws the current price, the offers (by
// paddle number) and the countdown, which also ticks every second from the platform's time. The land authority's reserve is sealed here, in the browser:
// only the SHA-256 commitment of "reserve|<lot code>|<price>|<salt>" is sent; the price and the random salt stay on
// the slip the page shows, to be revealed after the listing ends.
(function () {
  var root = document.getElementById('price-board');
  if (!root) return;
  var url = root.getAttribute('data-url');
  var phases = JSON.parse(root.getAttribute('data-phases'));
  var clock = document.getElementById('board-countdown');
  var endsAt = null, offset = 0, lastSeen = null, lastPhase = null, lastOutcome;

  function text(value) { var span = document.createElement('span'); span.textContent = value == null ? '' : value; return span.innerHTML; }
  function local(iso) {
    var d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);  // Beijing time, as the page shows times
    return d.toISOString().slice(0, 19).replace('T', ' ');
  }
  function tick() {
    if (!endsAt) { clock.textContent = '—'; return; }
    var left = Math.max(0, Math.floor((endsAt - (Date.now() + offset)) / 1000));
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    clock.textContent = (d ? d + root.getAttribute('data-days-label') + ' ' : '') + (d || h ? String(h).padStart(2, '0') + ':' : '') +
      String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
  }
  function draw(data) {
    offset = new Date(data.now).getTime() - Date.now();
    endsAt = data.ends_at ? new Date(data.ends_at).getTime() : null;
    document.getElementById('board-phase').textContent = phases[data.phase] || data.phase;
    document.getElementById('board-price').textContent = data.current_price_shown || '—';
    document.getElementById('board-paddle').textContent = data.current_paddle ?
      root.getAttribute('data-paddle-label') + ' ' + data.current_paddle : '';
    var next = document.getElementById('board-next-amount');
    if (next && data.next_minimum_shown) next.textContent = data.next_minimum_shown;
    document.getElementById('board-ends').textContent = data.ends_at ?
      root.getAttribute('data-ends-label') + ' ' + local(data.ends_at).slice(0, 16) : '';
    if (data.offers.length) {
      document.getElementById('board-offers').innerHTML = data.offers.map(function (o) {
        return '<tr><td>' + o.seq + '</td><td>' + text(o.paddle) + '</td><td class="text-end">' + text(o.amount_shown) +
          '</td><td class="d-none d-sm-table-cell">' + text(phases[o.phase] || o.phase) + '</td><td>' + text(local(o.at).slice(0, 16)) + '</td></tr>';
      }).join('');
    }
    var amount = document.getElementById('offer-amount');
    var top = data.offers.length ? data.offers[0].seq : 0;
    if (amount && data.next_minimum && lastSeen !== null && top !== lastSeen && document.activeElement !== amount) {
      amount.value = data.next_minimum;
    }
    // the controls change with the phase, and with the outcome (a deal voided when its land contract is not signed)
    if (lastPhase !== null && (data.phase !== lastPhase || data.outcome !== lastOutcome)) window.location.reload();
    lastSeen = top; lastPhase = data.phase; lastOutcome = data.outcome;
    tick();
  }
  var reading = false, again = false;
  function read() {  // one board.json read at a time; a change announced meanwhile reads again after it
    if (reading) { again = true; return; }
    reading = true;
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {})
      .then(function () { reading = false; if (again) { again = false; read(); } });
  }
  // js/live.js follows the board's channel: 'board' (a change) or 'reset' (events missed) means read board.json;
  // when the channel is down it polls board.json itself and hands over what it read ('poll').
  root.addEventListener('live:event', function (e) {
    if (e.detail.event === 'poll') draw(e.detail.data); else read();
  });
  clock.setAttribute('data-ready', '1');
  if (clock.getAttribute('data-ends')) {
    endsAt = new Date(clock.getAttribute('data-ends')).getTime();
    offset = new Date(clock.getAttribute('data-now')).getTime() - Date.now();
  }
  tick();
  setInterval(tick, 1000);
  read();

  var form = document.getElementById('reserve-form');
  if (!form) return;
  var sealed = false;
  form.addEventListener('submit', function (event) {
    if (sealed) return;  // the seal is ready and the slip kept: send the commitment alone
    event.preventDefault();
    var raw = document.getElementById('reserve-price').value.replace(/[,\s，元¥]/g, '');
    var match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(raw);
    if (!match || !window.crypto || !window.crypto.subtle) { alert(form.getAttribute('data-invalid')); return; }
    var price = String(BigInt(match[1])) + '.' + ((match[2] || '') + '00').slice(0, 2);
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var salt = Array.from(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
    var message = 'reserve|' + form.getAttribute('data-code') + '|' + price + '|' + salt;
    window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(message)).then(function (digest) {
      document.getElementById('reserve-commitment').value =
        Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
      var slip = document.getElementById('reserve-slip');
      slip.textContent = form.getAttribute('data-slip-title') + '\n' + form.getAttribute('data-code') + '\n' +
        price + '\n' + salt;
      slip.classList.remove('d-none');
      document.getElementById('reserve-price').disabled = true;
      document.getElementById('reserve-button').textContent = form.getAttribute('data-confirm');
      sealed = true;
    });
  });
})();

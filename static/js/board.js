// The price board (挂牌价格表) of a land lot updates itself. It reads board.json once when the page opens; then each
// event of the live channel carries the board's public figures (phase, current price and paddle number, next valid
// offer, the countdown's end, the newest accepted offer: services/auctions.py board_event), which the page draws
// without asking the server again. After a 'reset' (events missed) it reads board.json again; with the channel down
// it polls board.json every 1.5 seconds. The countdown ticks every second from the platform's time. The land authority's reserve is sealed here, in the browser:
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
  // Money as the server's yuan filter shows it (web/filters.py): 万元/亿元 with the exact 元 behind (zh), or millions
  // of yuan (en); exact, from the amount's text ("61700000.00"), with BigInt.
  var lang = root.getAttribute('data-money');
  function grouped(hundredths) {
    var text = hundredths.toString().padStart(3, '0');
    return text.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + text.slice(-2);
  }
  function scaled(fen, divisor, halfEven) {  // hundredths of (amount / divisor yuan): fen / divisor, rounded
    var d = BigInt(divisor), q = fen / d, r = fen % d;
    if (r * 2n > d || (r * 2n === d && (!halfEven || q % 2n === 1n))) q += 1n;
    return q;
  }
  function shown(amount) {
    if (amount == null || amount === '') return '';
    var fen = BigInt(String(amount).replace('.', ''));
    if (lang === 'en') {
      var exact = grouped(fen) + ' yuan';
      return fen >= 100000000n ? grouped(scaled(fen, 1000000, true)) + ' million yuan (' + exact + ')' : exact;
    }
    var exactZh = grouped(fen) + ' 元';
    if (fen >= 10000000000n) return grouped(scaled(fen, 100000000, false)) + ' 亿元（' + exactZh + '）';
    if (fen >= 1000000n) return grouped(scaled(fen, 10000, false)) + ' 万元（' + exactZh + '）';
    return exactZh;
  }
  function row(o, amountText) {
    return '<tr><td>' + o.seq + '</td><td>' + text(o.paddle) + '</td><td class="text-end">' + text(amountText) +
      '</td><td class="d-none d-sm-table-cell">' + text(phases[o.phase] || o.phase) + '</td><td>' + text(local(o.at).slice(0, 16)) + '</td></tr>';
  }
  // One event's figures: the same fields as board.json's, with the newest accepted offer alone.
  function apply(ev) {
    if (!ev || !ev.phase || lastSeen === null) { read(); return; }  // not yet drawn, or an event without figures
    if (ev.phase !== lastPhase || ev.outcome !== lastOutcome) { window.location.reload(); return; }
    offset = new Date(ev.now).getTime() - Date.now();
    endsAt = ev.ends_at ? new Date(ev.ends_at).getTime() : null;
    document.getElementById('board-price').textContent = ev.current_price ? shown(ev.current_price) : '—';
    document.getElementById('board-paddle').textContent = ev.current_paddle ?
      root.getAttribute('data-paddle-label') + ' ' + ev.current_paddle : '';
    var next = document.getElementById('board-next-amount');
    if (next && ev.next_minimum) next.textContent = shown(ev.next_minimum);
    document.getElementById('board-ends').textContent = ev.ends_at ?
      root.getAttribute('data-ends-label') + ' ' + local(ev.ends_at).slice(0, 16) : '';
    if (ev.offer && ev.offer.seq > lastSeen) {
      var body = document.getElementById('board-offers');
      if (!lastSeen) body.innerHTML = '';  // the "no offer yet" line
      body.insertAdjacentHTML('afterbegin', row(ev.offer, shown(ev.offer.amount)));
      var amount = document.getElementById('offer-amount');
      if (amount && ev.next_minimum && document.activeElement !== amount) amount.value = ev.next_minimum;
      lastSeen = ev.offer.seq;
    }
    tick();
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
        return row(o, o.amount_shown);
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
  // js/live.js follows the board's channel: 'board' (a change, with its figures) is drawn as it comes; 'reset'
  // (events missed) means read board.json; when the channel is down it polls board.json itself and hands over what it
  // read ('poll').
  root.addEventListener('live:event', function (e) {
    if (e.detail.event === 'poll') draw(e.detail.data);
    else if (e.detail.event === 'board') apply(e.detail.data);
    else read();
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

// The opening record updates itself without reloading the page (static/js/live.js brings the events): the opening
// room's live channel says when a share is released, how far the opening job is and when the record is written or an
// objection made; on each the page fetches the opening's state and redraws the parts that change (shares, the job's
// progress, entries decrypted, objections). Without the channel the page polls that state every 3 seconds (every
// second while the bids are opening).
(function () {
  var root = document.getElementById('opening');
  if (!root) return;
  var url = root.getAttribute('data-live-poll');
  function text(value) { var span = document.createElement('span'); span.textContent = value == null ? '' : value; return span.innerHTML; }
  function drawProgress(p) {
    var box = document.getElementById('progress');
    if (!box) return;
    var bar = document.getElementById('progress-bar');
    box.classList.toggle('d-none', !p);
    if (p && p.total) {
      document.getElementById('progress-text').textContent =
        box.getAttribute('data-running').replace('{done}', p.done).replace('{total}', p.total);
      bar.max = p.total; bar.value = p.done;
    } else if (p) {
      document.getElementById('progress-text').textContent = box.getAttribute('data-queued');
      bar.removeAttribute('value');
    }
    root.setAttribute('data-live-every', p ? '1000' : '3000');  // the fallback polls faster while the bids open
  }
  function draw(data) {
    var bids = document.getElementById('bids');
    if (bids && data.bids != null) bids.textContent = data.bids;
    if (!bids && data.bids != null) window.location.reload();
    if (data.entries.length) {
      document.getElementById('entries').innerHTML = data.entries.map(function (e) {
        var fields = Object.keys(e.fields).map(function (k) { return text(k) + ': ' + text(e.fields[k]); }).join('；');
        return '<tr><td>' + e.position + '</td><td>' + text(e.bidder) + '</td><td class="text-end">' + text(e.price_shown) +
          '</td><td>' + text(e.duration) + '</td><td class="small">' + fields + '</td><td>' + text(e.status_name) +
          (e.reason ? '<div class="small text-danger">' + text(e.reason) + '</div>' : '') + '</td></tr>';
      }).join('');
    }
    document.getElementById('shares').innerHTML = data.shares.map(function (s) {
      var label = s.revoked ? root.getAttribute('data-revoked') :
        s.released ? root.getAttribute('data-released') : root.getAttribute('data-not-yet');
      return '<li class="list-inline-item badge ' + (s.released ? 'bg-success' : 'text-bg-light border') + '">' +
        text(s.role) + ' · ' + text(s.holder) + ': ' + text(label) + '</li>';
    }).join('');
    drawProgress(data.progress);
    if (data.state !== 'opening' && window.__openingState === 'opening') { window.location.reload(); }
    window.__openingState = data.state;
  }
  function refresh() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {});
  }
  root.addEventListener('live:event', function (e) {
    window.__liveEvents = (window.__liveEvents || 0) + 1;
    if (e.detail.event === 'poll') draw(e.detail.data);
    else if (e.detail.event === 'progress') drawProgress(e.detail.data);
    else refresh();  // share, opened, state, objection, reset: what changed is read from the page's JSON
  });
  window.__openingState = 'opening';
})();

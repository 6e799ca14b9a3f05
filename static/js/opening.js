// The opening record updates itself: every 3 seconds (every second while the bids are opening) the page asks for
// the opening's state and redraws the parts that change (shares released, the opening job's progress, entries
// decrypted, objections), without reloading the page.
(function () {
  var root = document.getElementById('opening');
  if (!root) return;
  var url = root.getAttribute('data-url');
  function text(value) { var span = document.createElement('span'); span.textContent = value == null ? '' : value; return span.innerHTML; }
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
    var box = document.getElementById('progress');
    if (box) {
      var p = data.progress, bar = document.getElementById('progress-bar');
      box.classList.toggle('d-none', !p);
      if (p && p.total) {
        document.getElementById('progress-text').textContent =
          box.getAttribute('data-running').replace('{done}', p.done).replace('{total}', p.total);
        bar.max = p.total; bar.value = p.done;
      } else if (p) {
        document.getElementById('progress-text').textContent = box.getAttribute('data-queued');
        bar.removeAttribute('value');
      }
      window.__hadProgress = !!p;
    }
    if (data.state !== 'opening' && window.__openingState === 'opening') { window.location.reload(); }
    window.__openingState = data.state;
  }
  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {})
      .finally(function () { setTimeout(poll, window.__hadProgress ? 1000 : 3000); });
  }
  window.__openingState = 'opening';
  setTimeout(poll, 3000);
})();

// The opening record updates itself: every 3 seconds the page asks for the opening's state and redraws the
// parts that change (shares released, entries decrypted, objections), without reloading the page.
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
    if (data.state !== 'opening' && window.__openingState === 'opening') { window.location.reload(); }
    window.__openingState = data.state;
  }
  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 3000); });
  }
  window.__openingState = 'opening';
  setTimeout(poll, 3000);
})();

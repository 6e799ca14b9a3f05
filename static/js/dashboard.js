// The supervisor's dashboard (实时监控) redraws itself: whenever the supervision channel (js/live.js) says lots
// changed, or events were missed, it reads dashboard.json (with the page's filters) and puts the body it renders in
// place; with the channel down, live.js polls dashboard.json itself and hands over what it read ('poll').
(function () {
  var root = document.getElementById('dashboard');
  if (!root) return;
  var body = document.getElementById('dashboard-body');
  var status = document.getElementById('dashboard-status');
  var url = root.getAttribute('data-live-poll');
  var reading = false, again = false;

  function draw(data) { if (data && typeof data.html === 'string') body.innerHTML = data.html; }
  function read() {  // one read at a time; a change announced meanwhile reads again after it
    if (reading) { again = true; return; }
    reading = true;
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(draw)
      .catch(function () {})
      .then(function () { reading = false; if (again) { again = false; read(); } });
  }
  function showStatus() {
    var state = root.getAttribute('data-live-status') || 'connecting';
    status.textContent = status.getAttribute('data-' + state) || '';
  }
  root.addEventListener('live:event', function (e) {
    if (e.detail.event === 'poll') draw(e.detail.data); else read();
  });
  new MutationObserver(showStatus).observe(root, {attributes: true, attributeFilter: ['data-live-status']});
  showStatus();
})();

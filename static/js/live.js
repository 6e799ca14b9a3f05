// The live channel in the browser (trading/live.py, trading/web/live.py). Every element with data-live-url follows
// that event stream (EventSource) and dispatches each event on itself as
//   new CustomEvent('live:event', {detail: {event: <name>, id: <event id or null>, data: <object>}})
// for the event names listed in data-live-events (space-separated; 'reset', sent when events were missed, always).
// If the browser has no EventSource, or the stream fails for good (an error answer such as the 503 of a channel whose
// store is down, or three failed connections in a row), it polls data-live-poll (a JSON URL) every data-live-every ms
// (default 3000; the page may change the attribute as it goes) and dispatches {event: 'poll', data: <the JSON>}.
// While the stream is open it also polls every data-live-idle ms, if set: a safety net for changes no event announces.
// data-live-status says where it stands: connecting, open or polling. No inline script: it runs under the site's CSP.
(function () {
  function emit(el, detail) { el.dispatchEvent(new CustomEvent('live:event', {detail: detail})); }

  function fetchState(el) {
    var url = el.getAttribute('data-live-poll');
    if (!url) return Promise.resolve();
    return fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) emit(el, {event: 'poll', id: null, data: data}); })
      .catch(function () {});
  }

  function poll(el) {
    el.setAttribute('data-live-status', 'polling');
    if (!el.getAttribute('data-live-poll')) return;
    (function tick() {
      fetchState(el).finally(function () {
        setTimeout(tick, parseInt(el.getAttribute('data-live-every') || '3000', 10));
      });
    })();
  }

  function follow(el) {
    if (!window.EventSource) { poll(el); return; }
    var failures = 0, source = new EventSource(el.getAttribute('data-live-url'));
    el.setAttribute('data-live-status', 'connecting');
    function handle(message) {
      var data = {};
      try { data = JSON.parse(message.data || '{}'); } catch (error) { /* not ours: an empty event */ }
      emit(el, {event: message.type, id: message.lastEventId || null, data: data});
    }
    (el.getAttribute('data-live-events') || '').split(/\s+/).filter(Boolean).concat(['reset'])
      .forEach(function (name) { source.addEventListener(name, handle); });
    source.addEventListener('open', function () { failures = 0; el.setAttribute('data-live-status', 'open'); });
    source.addEventListener('error', function () {
      // A stream that reached its lifetime ends too: the browser reconnects (CONNECTING) and carries on.
      if (source.readyState === EventSource.CLOSED || ++failures >= 3) { source.close(); poll(el); }
      else { el.setAttribute('data-live-status', 'connecting'); }
    });
    var idle = parseInt(el.getAttribute('data-live-idle') || '0', 10);
    if (idle > 0) {
      (function safety() {
        setTimeout(function () {
          if (el.getAttribute('data-live-status') === 'polling') return;  // the fallback polls already
          fetchState(el).finally(safety);
        }, idle);
      })();
    }
  }

  document.querySelectorAll('[data-live-url]').forEach(follow);
})();

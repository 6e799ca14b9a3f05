// Print buttons: <button data-print> prints the page (the Content-Security-Policy allows no onclick= attribute).
(function () {
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
})();

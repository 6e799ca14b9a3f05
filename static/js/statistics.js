// Charts of the statistics page (Chart.js, served from /static/vendor): no animation, so print shows them drawn.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const common = { animation: false, devicePixelRatio: 2, plugins: { legend: { display: false } } };
  const bar = (id, labels, values, color, extra) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, { type: extra.type || "bar", data: { labels, datasets: [{ data: values, backgroundColor: color,
      borderColor: color, spanGaps: true }] }, options: Object.assign({}, common, extra.options || {}) });
  };
  bar("chart-savings", data.months, data.savings_rate, "#0d6efd",
      { type: "line", options: { scales: { y: { ticks: { callback: (v) => v + "%" } } } } });
  bar("chart-amounts", data.types, data.amounts, "#198754", {});
  bar("chart-premium", data.parcels, data.premiums, "#fd7e14", { options: { indexAxis: "y" } });
})();

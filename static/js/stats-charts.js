// The overview's trend charts, drawn by the vendored Chart.js from the same numbers as the trend table.
(function () {
  "use strict";
  var source = document.getElementById("stats-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var byslug = {};
  data.series.forEach(function (s) { byslug[s.slug] = s; });
  function numbers(slug) {
    return (byslug[slug] ? byslug[slug].values : []).map(function (v) { return v === null ? null : Number(v); });
  }
  function draw(id, datasets) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    // A second axis (on the right) only where a series needs one: counts beside amounts.
    var scales = { y: { beginAtZero: true } };
    if (datasets.some(function (d) { return d.yAxisID === "y2"; })) {
      scales.y2 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    new Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, animation: false, interaction: { mode: "index", intersect: false }, scales: scales }
    });
  }
  var loans = [];
  if (byslug.loans_disbursed) { loans.push({ type: "bar", label: byslug.loans_disbursed.label, data: numbers("loans_disbursed"), yAxisID: "y" }); }
  if (byslug.amount_disbursed) { loans.push({ type: "line", label: byslug.amount_disbursed.label, data: numbers("amount_disbursed"), yAxisID: "y2" }); }
  draw("chart-loans", loans);
  if (byslug.balance) {
    draw("chart-balance", [{ type: "line", label: byslug.balance.label, data: numbers("balance"), yAxisID: "y", fill: true }]);
  }
}());

// Sortable tables (click a header) and the metric chart of the versions / runs tabs.
(function () {
  "use strict";

  function sortKey(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    var n = Number(raw);
    return raw !== "" && isFinite(n) ? { num: n } : { text: raw.toLowerCase() };
  }

  function compare(a, b) {
    if ("num" in a && "num" in b) return a.num - b.num;
    if ("num" in a) return -1;
    if ("num" in b) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(sortKey(r1.cells[index]), sortKey(r2.cells[index]));
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  var data = document.getElementById("chart-data");
  var canvas = document.getElementById("metric-chart");
  var select = document.getElementById("metric-select");
  if (!data || !canvas || !select || typeof Chart === "undefined") return;
  var chartData = JSON.parse(data.textContent);
  // Versions are a sequence (a line); runs are side by side (bars, from zero).
  var bars = chartData.kind === "bar";
  var chart = new Chart(canvas, {
    type: bars ? "bar" : "line",
    data: { labels: chartData.labels, datasets: [] },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: true } },
      elements: { point: { radius: 5 } },
      scales: { y: { beginAtZero: bars, grace: bars ? 0 : "10%" } }
    }
  });
  function show(metric) {
    chart.data.datasets = [{
      label: metric, data: chartData.series[metric] || [],
      backgroundColor: "rgba(47,111,222,0.55)", borderColor: "#2f6fde", borderWidth: 1.5
    }];
    chart.update();
    canvas.setAttribute("data-metric", metric);
  }
  select.addEventListener("change", function () { show(select.value); });
  show(select.value);
  window.mlgraphChart = chart;
})();

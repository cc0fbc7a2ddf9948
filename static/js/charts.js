// Draws every <canvas data-chart='{type, labels, datasets}'> with the vendored Chart.js.
// The server builds the data; this file only knows how to show it.
(function () {
  "use strict";

  function compact(value) {
    if (Math.abs(value) >= 1000) return (value / 1000).toFixed(value % 1000 === 0 ? 0 : 1) + "k";
    return String(value);
  }

  function draw(canvas) {
    if (!window.Chart || window.Chart.getChart(canvas)) return;
    var spec = JSON.parse(canvas.dataset.chart);
    var muted = getComputedStyle(document.body).getPropertyValue("--pico-muted-color") || "#6b7280";
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = Number(item.raw).toLocaleString();
                var statuses = item.dataset.statuses;
                if (!statuses) return item.dataset.label + ": " + value;
                // Steps bars: the day's status first, and what already counts when it differs.
                var status = statuses[item.dataIndex];
                var credited = item.dataset.credited[item.dataIndex];
                var text = status + ": " + value + " steps";
                if (credited && credited !== item.raw) text += " (" + Number(credited).toLocaleString() + " credited)";
                return text;
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted, maxRotation: 0, autoSkipPadding: 8 } },
          y: { beginAtZero: true, ticks: { color: muted, callback: compact, maxTicksLimit: 5 } },
        },
      },
    });
  }

  function drawAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.Chart) return;
    event.detail.target.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
})();

// Draws every <canvas data-chart='{"type", "labels", "series": [{label, data, axis?}], "horizontal"?}'>
// with the vendored Chart.js. The numbers are also on the page as tables; charts only add a picture.
(function () {
  var COLOURS = ["#1f9d55", "#3c71f7", "#d93526", "#c77c02", "#8e44ad"];

  function draw(canvas) {
    if (!window.Chart || canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    var spec = JSON.parse(canvas.dataset.chart);
    var twoAxes = spec.series.some(function (s) { return s.axis === "y1"; });
    var scales = { y: { beginAtZero: true } };
    if (twoAxes) scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label,
            data: s.data,
            yAxisID: s.axis || "y",
            borderColor: COLOURS[i % COLOURS.length],
            backgroundColor: COLOURS[i % COLOURS.length],
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: spec.series.length > 1 } },
        scales: spec.horizontal ? { x: { beginAtZero: true } } : scales,
      },
    });
  }

  function drawAll(root) { root.querySelectorAll("canvas[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();

// Fraud queue: keyboard triage (j/k move, e/Enter evidence, a approve, r reject, x select,
// ? help) and the evidence chart. Everything here also works by mouse and without JS.
(function () {
  "use strict";

  function rows() { return Array.from(document.querySelectorAll("tr.case-row")); }
  function current() {
    var focused = document.activeElement && document.activeElement.closest("tr.case-row");
    return focused || rows()[0] || null;
  }
  function focusRow(row) { if (row) { row.focus(); row.scrollIntoView({ block: "nearest" }); } }
  function move(step) {
    var all = rows(), row = current(), index = all.indexOf(row);
    focusRow(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }
  function typing(event) {
    var t = event.target;
    return t && (["INPUT", "TEXTAREA", "SELECT", "BUTTON", "A"].indexOf(t.tagName) >= 0 || t.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event)) {
      if (event.key === "Escape") { var row = event.target.closest("tr.case-row"); focusRow(row); }
      return;
    }
    var row = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "e": case "Enter":
        if (row) { var cell = document.getElementById("evidence-" + row.closest("tbody").dataset.case);
          if (cell && cell.innerHTML.trim()) { cell.innerHTML = ""; } else { row.querySelector("[data-expand]").click(); } }
        break;
      case "a": if (row) { var approve = row.querySelector("[data-approve]"); if (approve) approve.click(); } break;
      case "r": if (row) { var note = row.querySelector("[data-reject-note]"); if (note) { note.focus(); } } break;
      case "x": if (row) { var box = row.querySelector("input[type=checkbox]"); box.checked = !box.checked; } break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  function toggleHelp() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) return;
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-toggle]")) toggleHelp();
    if (event.target.closest("[data-help-close]")) toggleHelp();
  });

  // When a case leaves the queue, the next one takes the focus: one key per case.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("case")) {
      var next = target.nextElementSibling;
      while (next && !next.classList.contains("case")) next = next.nextElementSibling;
      window.__fkNextCase = next ? next.querySelector("tr.case-row") : null;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (window.__fkNextCase !== undefined) { focusRow(window.__fkNextCase); window.__fkNextCase = undefined; }
    drawCharts(event.target);
  });

  function drawCharts(root) {
    if (!window.Chart) return;
    (root || document).querySelectorAll("canvas.evidence-chart").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      var values = JSON.parse(canvas.dataset.values);
      var colours = values.map(function (_, i) { return i === values.length - 1 ? "#d93526" : "#1f9d55"; });
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: JSON.parse(canvas.dataset.labels), datasets: [{ label: "Steps", data: values, backgroundColor: colours }] },
        options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); focusRow(rows()[0]); });
})();

// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Register: preselect the browser's time zone unless the member already chose one.
  function detectTimezone() {
    var select = document.querySelector("select[data-detect-timezone]");
    if (!select || select.dataset.touched) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (select.value === "UTC" && zone && select.querySelector('option[value="' + zone + '"]')) {
      select.value = zone;
    }
  }

  // Buttons with data-copy="text": copy to the clipboard and say so.
  function onCopy(event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied!";
      setTimeout(function () { button.textContent = label; }, 1800);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  }

  // Buttons with data-share: the phone's share sheet when there is one.
  function onShare(event) {
    var button = event.target.closest("[data-share]");
    if (!button || !navigator.share) return;
    event.preventDefault();
    navigator.share({ title: "FitKart", text: button.getAttribute("data-share-text") || "", url: button.getAttribute("data-share") })
      .catch(function () {});
  }

  // Forms with data-confirm ask before they submit (without JavaScript they just submit).
  function onSubmit(event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // Forms with data-busy-on-submit show their button as working while the page loads.
    if (form.hasAttribute && form.hasAttribute("data-busy-on-submit")) {
      var button = form.querySelector("button");
      if (button) button.setAttribute("aria-busy", "true");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    detectTimezone();
    // Phones: the current tab of the sideways-scrolling menu is in view.
    var current = document.querySelector(".tabs [aria-current=page]");
    if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest", inline: "center" });
    document.querySelectorAll("[data-share]").forEach(function (b) { if (navigator.share) b.hidden = false; });
    document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-detect-timezone]")) event.target.dataset.touched = "1";
    // Filters with data-submit-on-change apply as soon as they change (no inline handlers: CSP).
    if (event.target.matches && event.target.matches("[data-submit-on-change]") && event.target.form) {
      event.target.form.requestSubmit();
    }
  });
  document.addEventListener("click", function (event) { onCopy(event); onShare(event); });
  document.addEventListener("submit", onSubmit, true);

  // After an htmx swap, move focus to what the swap asked for (keyboard users keep their place).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target.querySelector && event.target.querySelector("[data-autofocus]");
    if (target) target.focus();
  });
})();

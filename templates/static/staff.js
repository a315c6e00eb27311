// Staff console progressive enhancement: the pages work without it.
(function () {
  "use strict";
  // Move focus to an error summary so screen reader users hear it first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Refresh a locker's compartments without reloading the page.
  var live = document.getElementById("locker-live");
  if (live && window.fetch) {
    live.setAttribute("aria-live", "polite");
    setInterval(function () {
      fetch(live.getAttribute("data-refresh"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { live.innerHTML = html; } })
        .catch(function () {});
    }, 3000);
  }
})();

// Keeps the tracking page current: re-reads this page every few seconds and swaps the
// status and timeline in place, so a citizen watching sees red turn yellow then green.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 15;

  function poll() {
    if (document.hidden) return;
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (fresh && fresh.innerHTML !== live.innerHTML) live.innerHTML = fresh.innerHTML;
      })
      .catch(function () {
        // Offline for a moment: try again on the next tick.
      });
  }

  setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", poll);
})();

// Keeps an export job's page current: asks the job's status every few seconds, moves
// the progress bar, and shows the download link (or the error) when the worker is done.
// Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 2;
  var timer = null;

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  function apply(job) {
    box.setAttribute("data-status", job.status);
    document.getElementById("export-status").textContent = job.status_label;
    document.getElementById("export-progress-text").textContent = job.progress;
    var bar = document.getElementById("export-progress");
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    if (job.download_url) document.getElementById("export-download").href = job.download_url;
    show("export-ready", job.status === "done");
    var error = document.getElementById("export-error");
    if (job.status === "failed") error.textContent = job.error;
    show("export-error", job.status === "failed");
    if (job.finished) {
      show("export-wait", false);
      clearInterval(timer);
    }
  }

  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job) apply(job);
      })
      .catch(function () {
        // The network blinked: the next tick tries again.
      });
  }

  timer = setInterval(poll, seconds * 1000);
  poll();
})();

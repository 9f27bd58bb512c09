// Keyboard shortcuts for the staff pages; "?" lists them (templates/dashboard/_keyboard_help.html).
// Every shortcut has a button or link too: this file only adds speed, never a feature.
// Queue: j/k move, Enter opens, x ticks, / searches, n/p page.
// Complaint: a main action, r reject, f forward, m merge, c note, u back to the queue.
(function () {
  "use strict";
  var help = document.getElementById("keyboard-help");
  var opener = document.getElementById("keyboard-help-open");
  var list = document.querySelector("[data-keyboard-list]");
  var rows = list ? Array.prototype.slice.call(list.querySelectorAll("tbody tr[data-href]")) : [];
  var current = -1;

  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close();
    else if (help.showModal) help.showModal();
  }
  if (opener) opener.addEventListener("click", toggleHelp);

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0) rows[current].classList.remove("is-current");
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    row.setAttribute("aria-selected", "true");
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function follow(selector) {
    var el = document.querySelector(selector);
    if (!el) return false;
    window.location.href = el.getAttribute("href");
    return true;
  }

  // Open a collapsible action (a <details>) or focus an always-open one.
  function openAction(name) {
    var box = document.getElementById("action-" + name);
    if (!box) return false;
    if (box.tagName === "DETAILS") box.open = true;
    box.scrollIntoView({ block: "nearest" });
    var field = box.querySelector("select, textarea, input:not([type=hidden])");
    var target = field || box.querySelector("button[type=submit]");
    if (target) target.focus();
    return true;
  }

  var MAIN_ACTIONS = ["accept", "start", "resolve", "provide_info", "assign"];

  function onQueue(key) {
    if (key === "j") select(current + 1);
    else if (key === "k") select(current < 0 ? 0 : current - 1);
    else if (key === "Enter" && current >= 0) window.location.href = rows[current].getAttribute("data-href");
    else if (key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    } else if (key === "/") {
      var search = document.getElementById("id_q");
      if (search) search.focus();
    } else if (key === "n") return follow("#page-next");
    else if (key === "p") return follow("#page-previous");
    else return false;
    return true;
  }

  function onComplaint(key) {
    if (key === "a") {
      for (var i = 0; i < MAIN_ACTIONS.length; i++) if (openAction(MAIN_ACTIONS[i])) return true;
      return false;
    }
    if (key === "r") return openAction("reject");
    if (key === "f") return openAction("forward");
    if (key === "c") return openAction("note");
    if (key === "u") return follow(".staff-back a");
    if (key === "m") {
      var merge = document.querySelector("#duplicates form[action$='/merge/'] button");
      if (merge) merge.focus();
      return !!merge;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
      if (event.key === "Escape" && target.blur) target.blur();
      return;
    }
    var handled = false;
    if (event.key === "?") {
      toggleHelp();
      handled = true;
    } else if (list) {
      // Enter on a focused link already opens it; only take Enter for the selected row.
      if (event.key === "Enter" && target && target.tagName === "A") return;
      handled = onQueue(event.key);
    } else if (document.getElementById("status-badge")) {
      handled = onComplaint(event.key);
    }
    if (handled) event.preventDefault();
  });

  // The rejection reason template fills in the text the citizen reads (still editable).
  document.querySelectorAll("select[data-reason-target]").forEach(function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var area = document.getElementById(select.getAttribute("data-reason-target"));
      if (area && option && option.getAttribute("data-text")) area.value = option.getAttribute("data-text");
    });
  });
})();

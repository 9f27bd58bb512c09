// Quick entry at the hotline: Ctrl+Enter (or Cmd+Enter) saves from any field, so the
// operator never leaves the keyboard during a call.
(function () {
  "use strict";
  var form = document.getElementById("quick-entry-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      var save = document.getElementById("save-entry");
      if (form.requestSubmit) form.requestSubmit(save);
      else save.click();
    }
  });
})();

// The complaint form's small helps: focus the error summary after a failed submit, show
// the chosen photos before sending, and warn early when there are too many.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  var input = document.getElementById("id_photos");
  var list = document.getElementById("photo-preview");
  if (!input || !list || !window.URL) return;
  input.addEventListener("change", function () {
    list.innerHTML = "";
    var max = parseInt(input.getAttribute("data-max"), 10);
    var kept = parseInt(input.getAttribute("data-kept"), 10) || 0;
    var files = Array.prototype.slice.call(input.files || []);
    var tooMany = files.length + kept > max;
    input.setCustomValidity(tooMany ? input.getAttribute("data-too-many") : "");
    if (tooMany && input.reportValidity) input.reportValidity();
    files.forEach(function (file) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.alt = file.name;
      img.width = 120;
      img.height = 90;
      img.src = URL.createObjectURL(file);
      var name = document.createElement("span");
      name.className = "thumb-name";
      name.textContent = file.name;
      item.appendChild(img);
      item.appendChild(name);
      list.appendChild(item);
    });
  });
})();

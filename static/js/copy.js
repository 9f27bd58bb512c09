// Copy buttons: <button data-copy-text="..." data-copied="Copied">.
(function () {
  "use strict";
  function fallback(text) {
    // Plain http (a local deployment) has no clipboard API; a hidden textarea still copies.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    document.body.removeChild(area);
  }
  document.querySelectorAll("[data-copy-text]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy-text");
      var done = function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () {
          button.textContent = label;
        }, 2500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {
          fallback(text);
          done();
        });
      } else {
        fallback(text);
        done();
      }
    });
  });
})();

// Dependent area selects (provinsi > kota > kecamatan > kelurahan) fed by the areas API.
// Without JavaScript the "Show area choices" button re-renders the form on the server;
// if the API cannot answer, we fall back to that same button.
(function () {
  "use strict";
  var fieldset = document.getElementById("area-fieldset");
  if (!fieldset || !window.fetch) return;
  var form = fieldset.closest("form");
  var refresh = document.getElementById("refresh-area");
  var url = fieldset.getAttribute("data-areas-url");
  var selects = Array.prototype.slice.call(fieldset.querySelectorAll("select[data-area-level]"));
  fieldset.classList.add("area-enhanced");

  function reset(select, text) {
    select.innerHTML = "";
    var option = document.createElement("option");
    option.value = "";
    option.textContent = text;
    select.appendChild(option);
  }

  function fetchAll(next, found) {
    return fetch(next, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("areas API " + response.status);
        return response.json();
      })
      .then(function (body) {
        // The API may answer a bare list or a DRF page ({"results": [...], "next": ...}).
        var items = Array.isArray(body) ? body : body.results || [];
        found = found.concat(items);
        return !Array.isArray(body) && body.next ? fetchAll(body.next, found) : found;
      });
  }

  function serverFallback() {
    // A form whose submit would act (send to an agency) is never submitted for this:
    // its per-level "show the next list" buttons come back instead.
    if (fieldset.hasAttribute("data-no-fallback")) {
      fieldset.classList.remove("area-enhanced");
      return;
    }
    if (form.requestSubmit) form.requestSubmit(refresh);
    else refresh.click();
  }

  selects.forEach(function (select, index) {
    select.addEventListener("change", function () {
      var below = selects.slice(index + 1);
      below.forEach(function (s) {
        reset(s, s.getAttribute("data-empty"));
      });
      if (!below.length || !select.value) return;
      var child = below[0];
      reset(child, child.getAttribute("data-loading"));
      child.disabled = true;
      fetchAll(url + "?parent=" + encodeURIComponent(select.value), [])
        .then(function (areas) {
          reset(child, child.getAttribute("data-placeholder"));
          areas.forEach(function (area) {
            var option = document.createElement("option");
            option.value = area.code;
            option.textContent = area.name;
            child.appendChild(option);
          });
          child.disabled = false;
          if (areas.length) child.focus();
        })
        .catch(function () {
          child.disabled = false;
          serverFallback();
        });
    });
  });
})();

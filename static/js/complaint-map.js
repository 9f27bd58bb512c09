// Public and staff complaint maps: asks the server for grid clusters of the visible box
// (never all points), draws them as coloured circles with counts; a single complaint
// opens on click. Without MAP_TILE_URL the clusters sit on a plain background.
(function () {
  "use strict";
  var el = document.getElementById("complaint-map");
  if (!el || !window.L) return;
  el.hidden = false;
  var center = (el.dataset.center || "-6.914,107.609,12").split(",").map(Number);
  var map = L.map(el, { preferCanvas: true }).setView([center[0], center[1]], center[2] || 12);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  } else {
    el.classList.add("complaint-map-plain");
  }
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function openUrl(code) {
    return el.dataset.openUrl.replace("XXXX-XXXX", code);
  }

  function draw(data) {
    layer.clearLayers();
    data.features.forEach(function (f) {
      var p = f.properties;
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var size = p.count === 1 ? 18 : Math.min(56, 24 + 6 * Math.log(p.count));
      var icon = L.divIcon({
        className: "map-cluster map-cluster-" + p.colour,
        html: p.count === 1 ? "" : String(p.count),
        iconSize: [size, size]
      });
      var marker = L.marker(ll, { icon: icon, keyboard: true, title: p.code || (p.count + " " + el.dataset.labelCount) });
      if (p.code) {
        marker.on("click", function () { window.location.href = openUrl(p.code); });
      } else {
        marker.on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 19)); });
      }
      marker.addTo(layer);
    });
    el.dataset.loaded = String(data.features.length);
  }

  function load() {
    var b = map.getBounds();
    var box = [
      Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
      Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)
    ].map(function (v) { return v.toFixed(5); }).join(",");
    var url = el.dataset.url + "?bbox=" + box + "&zoom=" + map.getZoom() +
      (el.dataset.query ? "&" + el.dataset.query : "");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url, { signal: pending.signal, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(draw)
      .catch(function () {});
  }

  map.on("moveend", load);
  load();
})();

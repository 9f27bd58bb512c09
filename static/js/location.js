// "Use my location" and the map pin. Both only fill the latitude/longitude inputs, which
// also work typed by hand; with no tiles reachable (offline) the map is blank but clickable.
(function () {
  "use strict";
  var box = document.getElementById("location");
  if (!box) return;
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  var status = document.getElementById("location-status");
  var button = document.getElementById("use-my-location");
  var marker = null;
  var map = null;

  function say(key) {
    status.textContent = box.getAttribute("data-msg-" + key) || "";
  }

  function current() {
    var a = parseFloat(lat.value);
    var b = parseFloat(lon.value);
    return isNaN(a) || isNaN(b) ? null : [a, b];
  }

  function place(point, zoom) {
    if (!map) return;
    if (!marker) {
      marker = window.L.marker(point, { draggable: true, icon: icon() }).addTo(map);
      marker.on("dragend", function () {
        fill(marker.getLatLng().lat, marker.getLatLng().lng, false);
      });
    } else {
      marker.setLatLng(point);
    }
    map.setView(point, zoom || Math.max(map.getZoom(), 16));
  }

  function fill(a, b, move) {
    lat.value = a.toFixed(6);
    lon.value = b.toFixed(6);
    if (move) place([a, b]);
  }

  function icon() {
    return window.L.icon({
      iconUrl: box.getAttribute("data-marker-icon"),
      iconRetinaUrl: box.getAttribute("data-marker-icon-2x"),
      shadowUrl: box.getAttribute("data-marker-shadow"),
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      shadowSize: [41, 41],
    });
  }

  function startMap() {
    var el = document.getElementById("map");
    if (!el || !window.L) {
      if (el) el.hidden = true;
      return;
    }
    var point = current();
    // Indonesia as a whole until the citizen gives a point.
    map = window.L.map(el, { scrollWheelZoom: false }).setView(point || [-2.5, 118], point ? 16 : 4);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    window.L.tileLayer(box.getAttribute("data-tile-url"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap",
    }).addTo(map);
    if (point) place(point, 16);
    map.on("click", function (e) {
      fill(e.latlng.lat, e.latlng.lng, true);
    });
  }

  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = current();
      if (point) place(point);
    });
  });

  if (button) {
    button.addEventListener("click", function () {
      if (!navigator.geolocation) return say("unsupported");
      say("locating");
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          fill(pos.coords.latitude, pos.coords.longitude, true);
          say("found");
        },
        function () {
          say("denied");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  startMap();
})();

// Fills the hidden latitude/longitude from the phone's location when the inspector asks for it.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function () {
    var status = document.getElementById("locate-status");
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = pos.coords.latitude.toFixed(6) + ", " + pos.coords.longitude.toFixed(6);
    }, function (err) { status.textContent = err.message; }, {enableHighAccuracy: true, timeout: 15000});
  });
})();

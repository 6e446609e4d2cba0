// Enlace CETPRO: the little behaviour htmx does not give us. No inline scripts (CSP).
(function () {
  "use strict";
  var notices = function () { return document.getElementById("notices"); };

  // Show a server message ("notice" event from HX-Trigger) in the aria-live area.
  function show(message, kind) {
    var area = notices();
    if (!area || !message) return;
    var p = document.createElement("p");
    p.className = "notice " + (kind || "success");
    p.textContent = message;
    area.appendChild(p);
    setTimeout(function () { p.remove(); }, 8000);
  }

  document.addEventListener("notice", function (event) {
    var detail = event.detail || {};
    if (typeof detail === "string") show(detail);
    else show(detail.message || detail.value, detail.kind);
  });

  // A failed request (network down on a weak 3G link) must not fail silently.
  document.addEventListener("htmx:error", function () {
    show("No pudimos conectar con el portal. Revisa tu conexión e inténtalo de nuevo.", "error");
  });
})();

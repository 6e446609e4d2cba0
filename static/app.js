// Enlace CETPRO: the little behaviour htmx does not give us. No inline scripts (CSP).
(function () {
  "use strict";
  var notices = function () { return document.getElementById("notices"); };

  // Show a server message ("notice-posted" event from HX-Trigger, see portal/htmx.py) in the aria-live area.
  function show(message, kind) {
    var area = notices();
    if (!area || !message) return;
    var p = document.createElement("p");
    p.className = "notice " + (kind || "success");
    p.textContent = message;
    area.appendChild(p);
    setTimeout(function () { p.remove(); }, 8000);
  }

  document.addEventListener("notice-posted", function (event) {
    var detail = event.detail || {};
    if (typeof detail === "string") show(detail);
    else show(detail.message || detail.value, detail.kind);
  });

  // Results swapped in while focus stays in the search box: say how many there are now.
  document.addEventListener("htmx:after:swap", function () {
    var live = document.getElementById("results-status");
    var heading = document.getElementById("results-title");
    if (live && heading && live.textContent !== heading.textContent) live.textContent = heading.textContent;
  });

  // A failed request (network down on a weak 3G link) must not fail silently.
  document.addEventListener("htmx:error", function () {
    show("No pudimos conectar con el portal. Revisa tu conexión e inténtalo de nuevo.", "error");
  });

  // The header badge polls every minute (templates/notifications/_badge.html). A hidden tab
  // asks nothing; when it is shown again, or comes back from the back/forward cache, the
  // badge catches up at once.
  var badgeSkipped = false;
  function refreshBadge() {
    badgeSkipped = false;
    document.body.dispatchEvent(new CustomEvent("notifications-changed", { bubbles: true }));
  }
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    var source = ctx && ctx.sourceElement;
    if (document.hidden && source && source.id === "notification-badge") {
      badgeSkipped = true;
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && badgeSkipped) refreshBadge();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) refreshBadge();
  });
})();

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

  // Error summary links (templates/_macros/forms.html). Without JavaScript the browser
  // scrolls the field to the top of the screen and focuses it, which hides its label; here
  // the field is focused with its whole box (label, hint, error) in view, as GOV.UK does.
  // Focus on the summary after a failed submit needs nothing here: `autofocus`, which htmx
  // also honours in what it swaps in.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    for (var box = field.closest("details"); box; box = box.parentElement && box.parentElement.closest("details")) {
      box.open = true;
    }
    (field.closest(".field") || field.closest("fieldset") || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  // «Imprimir» (the generated CV's page): the browser's print dialog, where only the CV prints
  // (static/cv.css). Without JavaScript the button stays hidden (app.css shows it under html.js)
  // and the page offers the PDF and the browser's own «Imprimir».
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
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

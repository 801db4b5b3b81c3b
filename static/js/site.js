// Progressive enhancements only: every page works without this file (CSP: script-src 'self').
(function () {
  "use strict";

  // Keep the section being read (e.g. #reviews) when switching language.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".language-switch a");
    if (!link || !window.location.hash) return;
    var url = new URL(link.href, window.location.href);
    var next = url.searchParams.get("next");
    if (next && next.indexOf("#") === -1) {
      url.searchParams.set("next", next + window.location.hash);
      link.href = url.toString();
    }
  });
})();

// Search page enhancements. Without JavaScript the page is a plain GET form that works fully;
// with it: filters apply as soon as they change (results swapped in place, focus kept, the new
// count announced). Suggestions as you type are suggest.js's.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var form = document.getElementById("search-form");
  if (!form) {
    return;
  }
  var status = document.getElementById("search-status");
  var pending = null;

  function stateUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value === "" || (name === "sort" && value === "relevance")) {
        return;
      }
      params.append(name, value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  // On narrow screens the filters start folded, so the results come first.
  var narrow = window.matchMedia("(max-width: 55.99em)");
  var panel = form.querySelector(".search-filters__panel");
  if (panel && narrow.matches) {
    panel.open = false;
  }

  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old) {
      var oldPanel = old.querySelector("details");
      var freshPanel = fresh.querySelector("details");
      if (oldPanel && freshPanel) {
        freshPanel.open = oldPanel.open;
      }
      old.replaceWith(document.adoptNode(fresh));
    }
  }

  function update(url) {
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var focusedId = document.activeElement ? document.activeElement.id : "";
    form.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "text/html" }, signal: pending.signal })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        url = response.url || url; // after a redirect, show where we landed
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        swap(doc, "search-filters");
        swap(doc, "search-results");
        document.title = doc.title;
        history.pushState({ search: true }, "", url);
        var again = focusedId && document.getElementById(focusedId);
        if (again) {
          again.focus();
        }
        var count = document.getElementById("search-count");
        if (status && count) {
          status.textContent = count.textContent.trim();
        }
        form.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          window.location.assign(url); // let the server page handle it
        }
      });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[type="checkbox"], input[type="radio"], select')) {
      update(stateUrl());
    }
  });

  // Submitting navigates to the same clean URL the server would build (no empty fields).
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.location.assign(stateUrl());
  });

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.search) {
      window.location.reload();
    }
  });
})();

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

  // Below 960 px the filters are a drawer over the page, folded at first so the results come
  // first; from 960 px a sidebar, always open. Without this file the drawer is an ordinary
  // <details>, open, above the results.
  var narrow = window.matchMedia("(max-width: 59.99em)");

  function drawer() {
    return form.querySelector(".search-drawer");
  }

  function fit() {
    var panel = drawer();
    if (panel) {
      panel.open = !narrow.matches;
    }
    document.documentElement.classList.remove("search-drawer-open");
  }
  fit();
  narrow.addEventListener("change", fit);

  function closeDrawer(focusTarget) {
    var panel = drawer();
    if (!panel || !narrow.matches || !panel.open) {
      return;
    }
    panel.open = false;
    var target = focusTarget || panel.querySelector("summary");
    if (target) {
      target.focus();
    }
  }

  // "toggle" does not bubble: listen in the capture phase so the swapped-in drawer is heard.
  form.addEventListener(
    "toggle",
    function (event) {
      var panel = event.target;
      if (!panel.classList || !panel.classList.contains("search-drawer") || !narrow.matches) {
        return;
      }
      document.documentElement.classList.toggle("search-drawer-open", panel.open);
      if (panel.open) {
        var title = document.getElementById("search-filters-title");
        if (title) {
          title.focus();
        }
      }
    },
    true
  );

  form.addEventListener("click", function (event) {
    if (event.target.closest(".search-drawer__close")) {
      closeDrawer();
    } else if (event.target.closest(".search-drawer__apply") && narrow.matches) {
      // Filters already applied as they changed: the button only shows the results.
      event.preventDefault();
      closeDrawer(document.getElementById("search-results"));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawer() && drawer().open && narrow.matches) {
      closeDrawer();
    }
  });

  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old) {
      var oldPanel = old.querySelector("details");
      var freshPanel = fresh.querySelector("details");
      if (oldPanel && freshPanel) {
        freshPanel.open = oldPanel.open;
      }
      // Keep the drawer's scroll position: the visitor is still choosing filters.
      var oldBody = old.querySelector(".search-drawer__panel");
      var scrolled = oldBody ? oldBody.scrollTop : 0;
      old.replaceWith(document.adoptNode(fresh));
      var freshBody = fresh.querySelector(".search-drawer__panel");
      if (freshBody) {
        freshBody.scrollTop = scrolled;
      }
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

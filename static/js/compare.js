// "Add to compare" toggles and the comparison tray (progressive enhancement, docs/public.md).
// Without this file every toggle is a plain link to the comparison page. The shortlist is kept
// in local storage only: no cookie, no account. The words come from the <script> element's
// data-label-* attributes, written by the server in the page's language.
(function () {
  "use strict";

  var KEY = "directory.compare";
  var script = document.currentScript || document.querySelector("script[data-compare-url]");
  var data = (script && script.dataset) || {};
  var max = parseInt(data.compareMax, 10) || 4;
  var tray = null;

  function read() {
    try {
      var items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      if (!Array.isArray(items)) return [];
      return items.filter(function (item) {
        return item && typeof item.slug === "string" && /^[a-z0-9-]{2,80}$/.test(item.slug);
      }).slice(0, max);
    } catch (error) {
      return [];  // storage disabled or corrupt: start over rather than break the page
    }
  }

  function write(items) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(items.slice(0, max)));
    } catch (error) {
      // Private mode or full storage: the toggles still work until the page is left.
    }
  }

  function words(name, values) {
    var text = data[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function compareHref(items) {
    var url = new URL(data.compareUrl || "compare", window.location.href);
    items.forEach(function (item) { url.searchParams.append("a", item.slug); });
    return url.pathname + url.search;
  }

  function buildTray() {
    var region = document.createElement("div");
    region.className = "compare-tray";
    region.setAttribute("role", "region");
    region.setAttribute("aria-label", words("labelRegion"));
    region.hidden = true;
    var status = document.createElement("p");
    status.className = "compare-tray__status visually-hidden";
    status.setAttribute("aria-live", "polite");
    var open = document.createElement("a");
    open.className = "button compare-tray__open";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "button button-secondary compare-tray__clear";
    clear.textContent = words("labelClear");
    clear.addEventListener("click", function () {
      write([]);
      render();
      announce(words("labelCleared"));
    });
    region.appendChild(status);
    region.appendChild(open);
    region.appendChild(clear);
    document.body.appendChild(region);
    return { region: region, status: status, open: open };
  }

  function announce(message) {
    if (!tray) return;
    // Emptied first so the same message twice is read twice.
    tray.status.textContent = "";
    window.setTimeout(function () { tray.status.textContent = message; }, 50);
  }

  function render() {
    var items = read();
    var chosen = items.map(function (item) { return item.slug; });
    document.querySelectorAll("a.compare-toggle[data-compare-slug]").forEach(function (toggle) {
      toggle.setAttribute("aria-pressed", chosen.indexOf(toggle.dataset.compareSlug) === -1 ? "false" : "true");
    });
    if (!tray) return;
    tray.region.hidden = items.length === 0;
    document.body.classList.toggle("has-compare-tray", items.length > 0);
    tray.open.textContent = words("labelOpen", { count: items.length });
    tray.open.href = compareHref(items);
  }

  function toggle(link) {
    var items = read();
    var slug = link.dataset.compareSlug;
    var name = link.dataset.compareName || slug;
    var index = items.map(function (item) { return item.slug; }).indexOf(slug);
    if (index !== -1) {
      items.splice(index, 1);
      write(items);
      render();
      announce(words("labelRemoved", { name: name }));
      return;
    }
    if (items.length >= max) {
      announce(words("labelFull", { max: max }));
      return;
    }
    items.push({ slug: slug, name: name });
    write(items);
    render();
    announce(words("labelAdded", { name: name, count: items.length, max: max }));
  }

  function enhanceToggles() {
    document.querySelectorAll("a.compare-toggle[data-compare-slug]:not([role])").forEach(function (link) {
      // A toggle button from now on: Space activates it like any button.
      link.setAttribute("role", "button");
      var text = link.querySelector(".compare-toggle__text");
      if (text && data.labelToggle) text.textContent = data.labelToggle;
    });
    render();
  }

  function listen() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.compare-toggle[data-compare-slug]");
      if (!link) return;
      event.preventDefault();
      toggle(link);
    });
    document.addEventListener("keydown", function (event) {
      var link = event.target.closest && event.target.closest("a.compare-toggle[role=button]");
      if (!link || event.key !== " ") return;
      event.preventDefault();
      toggle(link);
    });
    // Another tab changed the shortlist: show the same one here.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) render();
    });
    // Search results replaced in place (static/js/search.js) bring new toggles.
    new MutationObserver(function () {
      if (document.querySelector("a.compare-toggle[data-compare-slug]:not([role])")) enhanceToggles();
    }).observe(document.body, { childList: true, subtree: true });
  }

  function syncFromComparisonPage(page) {
    // The page shows what its address says: that becomes the shortlist.
    var slugs = (page.dataset.compareCurrent || "").split(",").filter(Boolean);
    var known = {};
    read().forEach(function (item) { known[item.slug] = item.name; });
    page.querySelectorAll("th.compare-agency").forEach(function (cell, index) {
      var link = cell.querySelector(".compare-agency__name");
      if (link && slugs[index]) known[slugs[index]] = link.textContent.trim();
    });
    write(slugs.map(function (slug) { return { slug: slug, name: known[slug] || slug }; }));
  }

  var page = document.querySelector("[data-compare-page]");
  if (page) syncFromComparisonPage(page);
  if (document.querySelector("a.compare-toggle[data-compare-slug]")) {
    tray = buildTray();
    enhanceToggles();
    listen();
  }
})();

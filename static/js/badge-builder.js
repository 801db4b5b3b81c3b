/*
 * Badge snippet builder: live preview and a copy button over a plain GET form.
 *
 * Progressive enhancement: without JavaScript the form submits and the server renders the
 * preview and snippet (badges.builder_context). With it, every change updates the preview image
 * and the snippet in place, and a copy button appears. The markup contract is in docs/badges.md.
 * No inline script, no eval: works under the site CSP (script-src 'self').
 */
(function () {
  "use strict";

  var DEFAULTS = { layout: "rating", theme: "light", size: "medium", lang: "en" };
  var ORDER = ["layout", "theme", "size", "lang"];

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#x27;");
  }

  function readJson(element, name, fallback) {
    try {
      return JSON.parse(element.getAttribute(name) || "");
    } catch (error) {
      return fallback;
    }
  }

  function field(form, name) {
    var element = form.elements.namedItem(name);
    if (!element) return null;
    if (element.type === "checkbox") return element.checked ? element.value || "1" : null;
    return element.value;
  }

  // Same canonical query as badges.snippet.query(): defaults left out, fixed order.
  function badgeUrl(base, choice) {
    var params = [];
    ORDER.forEach(function (name) {
      if (choice[name] && choice[name] !== DEFAULTS[name]) {
        params.push(name + "=" + encodeURIComponent(choice[name]));
      }
    });
    if (choice.cta) params.push("cta=1");
    if (choice.format === "png" && choice.scale === "2") params.push("scale=2");
    return base + "." + choice.format + (params.length ? "?" + params.join("&") : "");
  }

  // Same markup as badges.snippet.snippet(): with a call to action, an image map whose strip
  // opens the review form and whose rest opens the profile's reviews.
  function snippet(profileUrl, url, size, alt, cta, name) {
    var href = escapeHtml(profileUrl.split("#")[0] + "#reviews");
    var img = '<img src="' + escapeHtml(url) + '" width="' + size[0] + '" height="' + size[1] +
      '" alt="' + escapeHtml(alt) + '"';
    if (!cta) return '<a href="' + href + '">' + img + "></a>";
    var map = escapeHtml(name);
    return (
      img + ' usemap="#' + map + '"><map name="' + map + '">' +
      '<area shape="rect" coords="0,0,' + size[0] + "," + size[2] + '" href="' + href +
      '" alt="' + escapeHtml(alt) + '">' +
      '<area shape="rect" coords="0,' + size[2] + "," + size[0] + "," + size[1] + '" href="' +
      escapeHtml(cta.url) + '" alt="' + escapeHtml(cta.label) + '"></map>'
    );
  }

  function setup(form) {
    var base = form.getAttribute("data-badge-base");
    var dimensions = readJson(form, "data-dimensions", {});
    var alts = readJson(form, "data-alts", {});
    var profiles = readJson(form, "data-profile-urls", {});
    var reviews = readJson(form, "data-review-urls", {});
    var ctaLabels = readJson(form, "data-cta-labels", {});
    var name = form.getAttribute("data-badge-name") || "badge";
    var preview = form.querySelector("[data-badge-preview]");
    var output = form.querySelector("[data-badge-snippet]");
    var copy = form.querySelector("[data-badge-copy]");
    var status = form.querySelector("[data-badge-status]");
    var submit = form.querySelector("[data-badge-submit]");
    if (!base || !preview || !output) return;

    function update() {
      var choice = {
        layout: field(form, "layout") || DEFAULTS.layout,
        theme: field(form, "theme") || DEFAULTS.theme,
        size: field(form, "size") || DEFAULTS.size,
        lang: field(form, "lang") || DEFAULTS.lang,
        format: field(form, "format") === "png" ? "png" : "svg",
        cta: field(form, "cta") !== null,
        scale: field(form, "scale")
      };
      var size = dimensions[choice.layout + ":" + choice.size + ":" + (choice.cta ? 1 : 0)];
      if (!size) return;
      var url = badgeUrl(base, choice);
      var alt = alts[choice.lang] || alts.en || "";
      var profile = profiles[choice.lang] || profiles.en || form.getAttribute("data-profile-url");
      preview.src = url;
      preview.width = size[0];
      preview.height = size[1];
      preview.alt = alt;
      var review = reviews[choice.lang] || reviews.en;
      var cta = choice.cta && review ? { url: review, label: ctaLabels[choice.lang] || "" } : null;
      output.value = snippet(profile, url, size, alt, cta, name);
      if (status) status.textContent = "";
    }

    function announce(key) {
      if (status) status.textContent = status.getAttribute(key) || "";
    }

    function copySnippet() {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(output.value).then(
          function () { announce("data-copied"); },
          function () { output.select(); announce("data-copy-failed"); }
        );
        return;
      }
      output.select();
      var done = false;
      try {
        done = document.execCommand("copy");
      } catch (error) {
        done = false;
      }
      announce(done ? "data-copied" : "data-copy-failed");
    }

    form.addEventListener("change", update);
    form.addEventListener("input", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    if (submit) submit.hidden = true;
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", copySnippet);
    }
    update();
  }

  function init() {
    var forms = document.querySelectorAll("[data-badge-builder]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

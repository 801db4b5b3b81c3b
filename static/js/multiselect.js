/*
 * Searchable multi-select: progressive enhancement of long choice lists in the dashboard editor.
 *
 * - <select multiple data-multiselect> (languages, 180 entries): the native select stays in the
 *   form, hidden, and remains what is submitted; a filter box, a list of checkboxes and the
 *   chosen items as removable chips are drawn next to it and kept in step with its options.
 * - A checkbox group marked by a fieldset holding more than FILTER_FROM checkboxes (services,
 *   industries) gets the same filter box and chips; its checkboxes are the submitted fields.
 *
 * Without JavaScript the plain select (Ctrl/⌘-click) and the plain checkboxes work as before.
 * Texts come from data-* attributes written by the server in the interface language.
 * Keyboard: Down from the filter goes to the first shown choice; Escape clears the filter;
 * a chip is a button ("Remove French") and focus moves to the next chip, or the filter.
 */
(function () {
  "use strict";

  var FILTER_FROM = 15;
  var counter = 0;

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)[sd]/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /* One widget over a list of "items": {label, checked(), set(bool), box (checkbox)}. */
  function build(host, items, texts, groupLabelId, before, fieldName) {
    var id = "multiselect-" + (++counter);
    var wrap = element("div", { "class": "multiselect" });
    var chips = element("ul", { "class": "multiselect__chips", "aria-label": texts.chosen });
    var filterLabel = element("label", { "for": id + "-filter", "class": "multiselect__filter-label" },
      format(texts.filter, { field: fieldName }));
    var filter = element("input", {
      type: "search", id: id + "-filter", "class": "multiselect__filter",
      autocomplete: "off", spellcheck: "false", "aria-controls": id + "-list",
      "aria-describedby": id + "-count"
    });
    var count = element("p", { id: id + "-count", "class": "multiselect__count", "aria-live": "polite" });
    var list = items.listElement;
    list.id = id + "-list";
    list.classList.add("multiselect__list");
    var empty = element("p", { "class": "multiselect__empty", hidden: "" }, texts.none);
    host.insertBefore(wrap, before); // first: the list may be moved out of ``host`` below
    [chips, filterLabel, filter, count, list, empty].forEach(function (el) { wrap.appendChild(el); });

    function renderChips() {
      chips.textContent = "";
      items.all.forEach(function (item, index) {
        if (!item.checked()) return;
        var li = element("li");
        var button = element("button", {
          type: "button", "class": "multiselect__chip", "data-index": String(index),
          "aria-label": format(texts.remove, { item: item.label })
        });
        button.appendChild(element("span", {}, item.label));
        button.appendChild(element("span", { "class": "multiselect__chip-x", "aria-hidden": "true" }, "×"));
        li.appendChild(button);
        chips.appendChild(li);
      });
      chips.hidden = !chips.children.length;
    }

    function applyFilter() {
      var query = fold(filter.value);
      var shown = 0;
      items.all.forEach(function (item) {
        var match = !query || item.folded.indexOf(query) !== -1;
        item.row.hidden = !match;
        if (match) shown += 1;
      });
      empty.hidden = shown > 0;
      count.textContent = query ? format(texts.count, { shown: shown, total: items.all.length }) : "";
    }

    chips.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-index]");
      if (!button) return;
      var index = Number(button.getAttribute("data-index"));
      var position = Array.prototype.indexOf.call(chips.querySelectorAll("button"), button);
      items.all[index].set(false);
      renderChips();
      var rest = chips.querySelectorAll("button");
      (rest[Math.min(position, rest.length - 1)] || filter).focus();
    });

    list.addEventListener("change", function (event) {
      var item = items.byBox.get(event.target);
      if (item) { item.set(event.target.checked); renderChips(); }
    });

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && filter.value) {
        filter.value = "";
        applyFilter();
        event.preventDefault();
      } else if (event.key === "ArrowDown") {
        var first = items.all.filter(function (item) { return !item.row.hidden; })[0];
        if (first) { first.box.focus(); event.preventDefault(); }
      } else if (event.key === "Enter") {
        event.preventDefault(); // Enter in the filter must not submit the whole profile
      }
    });

    if (groupLabelId) list.setAttribute("aria-labelledby", groupLabelId);
    renderChips();
    applyFilter();
    return { filter: filter };
  }

  function texts(element) {
    var source = element.closest("[data-filter-label]") || element;
    return {
      filter: source.getAttribute("data-filter-label") || "Filter",
      chosen: source.getAttribute("data-chosen-label") || "Chosen",
      remove: source.getAttribute("data-remove-label") || "Remove %(item)s",
      count: source.getAttribute("data-count-label") || "%(shown)d of %(total)d shown",
      none: source.getAttribute("data-none-label") || "No match."
    };
  }

  /* <select multiple data-multiselect>: checkboxes mirror the options. */
  function enhanceSelect(select) {
    var label = document.querySelector("label[for='" + select.id + "']");
    var list = element("div", { role: "group" });
    var all = [];
    var byBox = new Map();
    Array.prototype.forEach.call(select.options, function (option, index) {
      var boxId = select.id + "-choice-" + index;
      var row = element("div", { "class": "multiselect__choice" });
      var box = element("input", { type: "checkbox", id: boxId, value: option.value });
      box.checked = option.selected;
      row.appendChild(box);
      row.appendChild(element("label", { "for": boxId }, option.textContent));
      list.appendChild(row);
      var item = {
        label: option.textContent, folded: fold(option.textContent + " " + option.value),
        row: row, box: box,
        checked: function () { return option.selected; },
        set: function (on) { option.selected = on; box.checked = on; }
      };
      all.push(item);
      byBox.set(box, item);
    });
    var labelId = label ? (label.id || (label.id = select.id + "-label")) : null;
    var words = texts(select);
    var name = label ? label.textContent.trim() : "";
    var widget = build(select.parentNode, { all: all, byBox: byBox, listElement: list },
      words, labelId, select.nextSibling, name);
    // Still submitted (a hidden control keeps its value), no longer shown or focusable.
    select.hidden = true;
    select.tabIndex = -1;
    var hint = document.getElementById(select.id + "-hint");
    var jsHint = (select.closest("[data-hint-label]") || select).getAttribute("data-hint-label");
    if (hint && jsHint) hint.textContent = jsHint; // "Ctrl-click" no longer applies
    var described = select.getAttribute("aria-describedby");
    if (described) {
      widget.filter.setAttribute("aria-describedby",
        widget.filter.getAttribute("aria-describedby") + " " + described);
    }
  }

  /* A long checkbox group: a filter box and chips over the existing checkboxes. */
  function enhanceGroup(fieldset, source) {
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    var container = boxes[0].closest(".checkboxes, ul") || boxes[0].parentNode.parentNode;
    var all = [];
    var byBox = new Map();
    Array.prototype.forEach.call(boxes, function (box) {
      var row = box.closest("li, label") || box.parentNode;
      var text = (row.textContent || "").trim();
      var item = {
        label: text, folded: fold(text), row: row, box: box,
        checked: function () { return box.checked; },
        set: function (on) { box.checked = on; }
      };
      all.push(item);
      byBox.set(box, item);
    });
    var legend = fieldset.querySelector("legend");
    build(container.parentNode, { all: all, byBox: byBox, listElement: container },
      texts(source), null, container, legend ? legend.textContent.trim() : "");
  }

  function init() {
    document.querySelectorAll("select[multiple][data-multiselect]").forEach(enhanceSelect);
    document.querySelectorAll("form[data-multiselect-groups]").forEach(function (form) {
      form.querySelectorAll("fieldset").forEach(function (fieldset) {
        if (fieldset.querySelector("fieldset")) return; // only innermost groups
        if (fieldset.querySelectorAll("input[type=checkbox]").length > FILTER_FROM) {
          enhanceGroup(fieldset, form);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

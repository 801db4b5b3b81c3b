// Dashboard enhancements. Optional: every form works without JavaScript (the server handles
// "Add an office" and "Remove this office" as ordinary submit buttons).
(function () {
  "use strict";

  // Buttons with data-confirm ask before submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // "Add an office" without a round trip: clone the last row with the next index.
  function renumber(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && /(^| )offices-\d+-/.test(value)) {
          el.setAttribute(attr, value.replace(/(^| )offices-\d+-/g, "$1offices-" + index + "-"));
        }
      });
    });
    var radio = row.querySelector("input[name=headquarters]");
    if (radio) { radio.value = String(index); radio.checked = false; }
    var remove = row.querySelector("button[name=remove_office]");
    if (remove) { remove.value = String(index); }
    var title = row.querySelector("h2, h3");
    if (title) { title.textContent = title.textContent.replace(/\d+/, String(index + 1)); }
  }

  function addOffice(event) {
    var editor = event.target.closest(".offices-editor");
    var rows = editor.querySelectorAll(".office-row");
    var last = rows[rows.length - 1];
    var next = 0;
    editor.querySelectorAll("[name^='offices-']").forEach(function (el) {
      var n = parseInt(el.name.split("-")[1], 10);
      if (n >= next) { next = n + 1; }
    });
    var row = last.cloneNode(true);
    // Every typed value (city, coordinates by hand) starts empty; a new office is not "off the map".
    row.querySelectorAll("input:not([type=radio]):not([type=checkbox]):not([type=hidden])").forEach(
      function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
    row.querySelectorAll("details").forEach(function (el) { el.open = false; });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll(".field-errors").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    renumber(row, next);
    last.insertAdjacentElement("afterend", row);
    var first = row.querySelector("select, input[type=text]");
    if (first) { first.focus(); }
    event.preventDefault();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var add = document.querySelector(".offices-editor button[name=add_office]");
    if (add) { add.addEventListener("click", addOffice); }

    // The description field shows how many characters are left.
    var field = document.getElementById("description");
    if (!field) { return; }
    var max = 5000;
    var counter = document.createElement("p");
    counter.className = "hint";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var update = function () { counter.textContent = (max - field.value.length) + " / " + max; };
    field.addEventListener("input", update);
    update();
  });
})();

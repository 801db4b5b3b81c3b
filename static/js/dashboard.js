// Dashboard enhancements (optional: every form works without JavaScript).
// - Buttons with data-confirm ask before submitting.
// - The description field shows how many characters are left.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("description");
    if (!field) return;
    var max = 5000;
    var counter = document.createElement("p");
    counter.className = "hint";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var update = function () {
      counter.textContent = (max - field.value.length) + " / " + max;
    };
    field.addEventListener("input", update);
    update();
  });
})();

// Get matched, step 2: say how many agencies are ticked and keep it to the limit (the server
// checks it too). Without this file the form works the same; a fourth tick is then refused
// with a field message after sending.
(function () {
  "use strict";

  var fieldset = document.querySelector("fieldset[data-max-chosen]");
  if (!fieldset) return;
  var max = parseInt(fieldset.dataset.maxChosen, 10) || 3;
  var status = fieldset.querySelector(".lead-proposals__count");
  var boxes = fieldset.querySelectorAll("input[type=checkbox][name=agencies]");

  function words(name, values) {
    var text = (status && status.dataset[name]) || "";
    Object.keys(values).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function chosen() {
    return Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
  }

  function show(message) {
    if (status) status.textContent = message;
  }

  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", function () {
      if (box.checked && chosen() > max) {
        // Refused rather than disabling the others: every proposal stays reachable and readable.
        box.checked = false;
        show(words("labelFull", { max: max }));
        return;
      }
      show(words("labelCount", { count: chosen(), max: max }));
    });
  });
  if (chosen()) show(words("labelCount", { count: chosen(), max: max }));
})();

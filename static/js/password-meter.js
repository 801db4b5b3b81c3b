// Password strength meter: a progressive enhancement of the sign-up, reset and settings forms.
// The verdict comes from the server's own check (POST .../password-check, the same zxcvbn rules
// the form applies on submit), so the meter never calls "strong" a password the form refuses.
// Without this file the forms work the same; the server still refuses weak passwords.
(function () {
  "use strict";

  var DELAY_MS = 350;

  function setup(meter) {
    var form = meter.closest("form");
    var input = form && form.querySelector("input[data-password-meter]");
    var token = form && form.querySelector("input[name=csrf_token]");
    if (!input || !token) return;
    var bar = meter.querySelector(".password-meter__bar span");
    var text = meter.querySelector(".password-meter__text");
    var min = parseInt(input.getAttribute("minlength") || "12", 10);
    var timer = null;
    var sent = 0;
    meter.hidden = false;

    function show(level, message) {
      // The words carry the verdict; the bar's width and colour only repeat it.
      meter.setAttribute("data-level", String(level));
      bar.style.width = (level * 25) + "%";
      text.textContent = message;
    }

    function field(name) {
      var el = form.querySelector("input[name=" + name + "]");
      return el ? el.value : "";
    }

    function check() {
      var password = input.value;
      var ticket = ++sent;
      fetch(meter.getAttribute("data-check-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
        body: JSON.stringify({ password: password, email: field("email"), name: field("name") })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (verdict) {
        if (ticket !== sent || input.value !== password) return;
        if (!verdict) {
          unavailable();
        } else if (verdict.ok) {
          show(4, meter.getAttribute("data-strong"));
        } else if (verdict.problem !== "short") {
          show(1, meter.getAttribute("data-weak") + " " + (verdict.message || ""));
        }
      }).catch(unavailable);
    }

    function unavailable() {
      // No verdict (offline, too many checks): say nothing rather than "checking" forever;
      // the form still checks the password when it is sent.
      if (input.value.length >= min) show(0, "");
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var length = input.value.length;
      if (length === 0) {
        show(0, "");
        return;
      }
      if (length < min) {
        show(0, meter.getAttribute("data-short").replace("%(count)s", String(length)));
        return;
      }
      show(2, meter.getAttribute("data-checking"));
      timer = window.setTimeout(check, DELAY_MS);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".password-meter"), setup);
})();

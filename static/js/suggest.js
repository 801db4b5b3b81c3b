// Suggestions as you type, as a WAI-ARIA combobox ("list autocomplete with manual selection").
// Without JavaScript the box is a plain search field of a GET form. With it: a listbox of
// services, places and agencies overlays the page under the box (no layout shift); Down/Up
// move through it, Enter picks, Escape closes (then clears), and a polite live region says
// how many suggestions there are. A service or place becomes a filter of the search; an
// agency opens its profile.
(function () {
  "use strict";

  var DELAY_MS = 120;
  var MIN_LENGTH = 2;

  function hasWhere(form) {
    var where = form.elements.namedItem("where");
    return Boolean(where && where.value && where.value.trim());
  }

  function setUp(input) {
    var listbox = document.getElementById(input.getAttribute("data-suggest-listbox"));
    var status = document.getElementById(input.getAttribute("data-suggest-status"));
    if (!listbox || !status) {
      return;
    }
    var form = input.form;
    var fill = input.hasAttribute("data-suggest-fill");
    var cache = new Map();
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.removeAttribute("list"); // the listbox replaces the browser's datalist

    function message(name, count) {
      var text = input.getAttribute("data-msg-" + name) || "";
      return text.replace("{count}", String(count));
    }

    function setActive(index) {
      var options = listbox.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      setActive(-1);
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (items.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function render(found) {
      items = found;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      listbox.replaceChildren();
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "combobox__option";
        var kind = document.createElement("span");
        kind.className = "combobox__kind";
        kind.textContent = message("kind-" + item.kind, 0);
        var label = document.createElement("span");
        label.className = "combobox__label";
        label.textContent = item.label;
        option.append(label, " ");
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "combobox__detail";
          detail.textContent = item.detail;
          option.append(detail, " ");
        }
        option.append(kind);
        listbox.appendChild(option);
      });
      if (found.length) {
        open();
      } else {
        close();
      }
      var count = found.length;
      status.textContent = count === 0 ? message("none", 0) : message(count === 1 ? "one" : "many", count);
    }

    function targetOf(item) {
      // On a results page a service or place joins the filters already chosen.
      if (!item.filters || !form || form.id !== "search-form") {
        return item.url;
      }
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (value === "" || name === "q" || name === "page" || (name === "sort" && value === "relevance")) {
          return;
        }
        params.append(name, value);
      });
      Object.keys(item.filters).forEach(function (name) {
        item.filters[name].forEach(function (value) {
          if (params.getAll(name).indexOf(value) < 0) {
            params.append(name, value);
          }
        });
      });
      var query = params.toString();
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    function choose(index) {
      var item = items[index];
      if (!item) {
        return;
      }
      input.value = item.label;
      close();
      if (fill) {
        return; // a "where" box: the place is part of the form, sent with the "what"
      }
      if (item.kind !== "agency" && form && hasWhere(form)) {
        form.requestSubmit(); // keep the place typed in the form's "where" box
        return;
      }
      window.location.assign(targetOf(item));
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        render([]);
        status.textContent = "";
        return;
      }
      if (cache.has(text)) {
        render(cache.get(text));
        return;
      }
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      var url = new URL(input.getAttribute("data-suggest-url"), window.location.href);
      url.searchParams.set("q", text);
      fetch(url.toString(), { headers: { Accept: "application/json" }, signal: pending.signal })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) {
            return;
          }
          cache.set(text, data.suggestions);
          if (input.value.trim() === text) {
            render(data.suggestions);
          }
        })
        .catch(function () {
          /* suggestions are a convenience: the form still works without them */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!expanded) {
            open();
            if (!event.altKey && items.length) {
              setActive(0);
            }
          } else {
            setActive(active + 1 >= items.length ? 0 : active + 1);
          }
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!expanded) {
            open();
          }
          if (items.length) {
            setActive(active <= 0 ? items.length - 1 : active - 1);
          }
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            render([]);
            status.textContent = "";
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    // Keep the focus in the box while the pointer picks an option.
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) {
        choose(Array.prototype.indexOf.call(listbox.children, option));
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(setUp);
})();

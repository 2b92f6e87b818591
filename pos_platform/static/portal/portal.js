// The back office's few behaviours; every page works without them (progressive enhancement).
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function closest(node, selector) {
    return node && node.closest ? node.closest(selector) : null;
  }

  // The menu button on narrow screens.
  document.addEventListener("click", function (event) {
    var toggle = closest(event.target, ".menu-toggle");
    if (toggle) {
      var nav = document.getElementById("nav");
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      if (nav) nav.classList.toggle("open", open);
      return;
    }
    if (closest(event.target, "#nav a")) closeMenu();
    var print = closest(event.target, "[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
    }
    var add = closest(event.target, "[data-add-line]");
    if (add) {
      event.preventDefault();
      addLine(add);
    }
  });

  function closeMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("nav");
    if (toggle) toggle.setAttribute("aria-expanded", "false");
    if (nav) nav.classList.remove("open");
  }

  // "Add a line" in forms with several lines: a copy of the <template> with the next index.
  function addLine(button) {
    var form = closest(button, "form");
    var prefix = button.getAttribute("data-add-line");
    var total = form.querySelector("input[name=" + prefix + "-TOTAL_FORMS]");
    var template = form.querySelector("template[data-line=" + prefix + "]");
    if (!total || !template) return;
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var line = holder.firstElementChild;
    button.parentNode.insertBefore(line, button);
    total.value = String(index + 1);
    syncPayments(line);
    var first = line.querySelector("input, select");
    if (first) first.focus();
  }

  // A form that writes money or stock is sent once: its buttons wait for the answer. (The server
  // refuses a second copy anyway, through the form's idempotency key.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-once]")) return;
    if (form.getAttribute("data-sent") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "true");
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.setAttribute("aria-busy", "true");
    });
  }, true);

  // A payment line shows the details its method needs (mobile money: provider and reference;
  // card: last digits and authorisation code); a field already filled in stays visible.
  function syncPayment(select) {
    var kinds = {};
    try { kinds = JSON.parse(select.getAttribute("data-kinds") || "{}"); } catch (e) { kinds = {}; }
    var kind = kinds[select.value] || "";
    var line = closest(select, ".line");
    if (!line) return;
    line.querySelectorAll("[data-only]").forEach(function (input) {
      var field = closest(input, ".field");
      if (field) field.hidden = input.getAttribute("data-only") !== kind && input.value === "";
    });
  }
  function syncPayments(root) {
    (root || document).querySelectorAll("select[data-kinds]").forEach(syncPayment);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-kinds]")) syncPayment(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { syncPayments(); });
  document.addEventListener("htmx:load", function (event) { syncPayments(event.target); });

  // After htmx swaps a page into <main>: move the focus there, close the menu, reset the forms'
  // sent state (a refused form comes back to be corrected).
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "main") {
      closeMenu();
      event.detail.target.focus({ preventScroll: true });
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = closest(event.target, "form[data-once]");
    if (form && event.detail && !event.detail.successful) {
      form.removeAttribute("data-sent");
      form.querySelectorAll("[aria-busy]").forEach(function (b) { b.removeAttribute("aria-busy"); });
    }
  });
})();

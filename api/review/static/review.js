// Keyboard shortcuts for the review pages (progressive: every action also works without JavaScript).
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox" ||
      el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function go(link) { if (link) { window.location.href = link.getAttribute("href"); } }

  function views(key) {
    var target = { f: "flagged", u: "uncertain", x: "escalated" }[key];
    if (target) { window.location.href = "/review?view=" + target; return true; }
    return false;
  }

  function queuePage() {
    var items = Array.prototype.slice.call(document.querySelectorAll(".queue .item"));
    var current = items.length ? 0 : -1;
    function select(i) {
      if (!items.length) { return; }
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (item, n) { item.classList.toggle("selected", n === current); });
      items[current].scrollIntoView({ block: "nearest" });
    }
    select(0);
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "j") { select(current + 1); }
      else if (event.key === "k") { select(current - 1); }
      else if ((event.key === "Enter" || event.key === "o") && current >= 0) {
        window.location.href = items[current].getAttribute("data-href");
      } else if (!views(event.key)) { return; }
      event.preventDefault();
    });
  }

  function listingPage() {
    var form = document.getElementById("decision-form");
    if (!form) { return; }
    var groups = Array.prototype.slice.call(form.querySelectorAll(".reasons-for"));
    var decided = null;
    function choose(decision) {
      decided = decision;
      form.querySelector("input[name=decision][value=" + decision + "]").checked = true;
      groups.forEach(function (group) {
        var on = group.getAttribute("data-decision") === decision;
        group.hidden = !on;
        Array.prototype.forEach.call(group.querySelectorAll("input"), function (input) {
          input.disabled = !on;
          if (!on) { input.checked = false; }
        });
      });
      form.classList.add("decided");
    }
    form.classList.add("js");
    groups.forEach(function (group) { group.hidden = true; });
    Array.prototype.forEach.call(form.querySelectorAll("input[name=decision]"), function (input) {
      input.addEventListener("change", function () { choose(input.value); });
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { form.requestSubmit(); event.preventDefault(); }
    });
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) {
        if (event.key === "Escape") { event.target.blur(); }
        return;
      }
      var key = event.key;
      var byKey = { c: "confirmed", d: "dismissed", e: "escalated" };
      if (byKey[key]) { choose(byKey[key]); }
      else if (/^[1-9]$/.test(key) && decided) {
        var options = form.querySelectorAll(".reasons-for[data-decision=" + decided + "] input");
        var option = options[parseInt(key, 10) - 1];
        if (!option) { return; }
        option.checked = true;
        form.requestSubmit();
      } else if (key === "n") { document.getElementById("note").focus(); }
      else if (key === "j") { go(document.getElementById("next")); }
      else if (key === "k") { go(document.getElementById("prev")); }
      else if (!views(key)) { return; }
      event.preventDefault();
    });
  }

  function undoKey() {  // z: take the last decision back (the flash's Undo button)
    var form = document.getElementById("undo-form");
    if (!form) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.key !== "z" || typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      event.preventDefault();
      form.requestSubmit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    undoKey();
    if (page === "queue") { queuePage(); }
    if (page === "listing") { listingPage(); }
  });
}());

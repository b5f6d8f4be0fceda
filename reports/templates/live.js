"use strict";
// Refresh a live stream's figures in place: poll the small live.json beside the page and
// update the text and the chart, never reloading (a reader keeps their place).
(function () {
  var box = document.getElementById("state");
  if (!box || !box.dataset.live) return;
  var every = 1000 * (parseInt(box.dataset.refreshS, 10) || 60);
  var last = document.getElementById("generated").textContent;
  function set(id, value) {
    var el = document.getElementById(id);
    if (el && typeof value === "string" && el.textContent !== value) el.textContent = value;
  }
  function apply(d) {
    set("state-label", d.state_label);
    set("state-detail", d.state_detail);
    set("generated", d.generated);
    Object.keys(d.figures || {}).forEach(function (k) {
      var dd = document.querySelector("#fig-" + k + " dd");
      if (dd && dd.textContent !== d.figures[k]) dd.textContent = d.figures[k];
    });
    if (d.generated !== last) {
      last = d.generated;
      document.getElementById("chart").src =
        box.dataset.chart + "?v=" + encodeURIComponent(d.generated);
    }
    if (!d.live) {
      box.classList.remove("live");
      box.classList.add("ended");
    }
    return d.live;
  }
  function poll() {
    fetch(box.dataset.live, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (!d || apply(d)) setTimeout(poll, every); })
      .catch(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
})();

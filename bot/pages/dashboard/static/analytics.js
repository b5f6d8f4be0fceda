// Chat analytics pages, without inline script (the dashboard's CSP allows only this origin's files).
// 1. Autocomplete: an <input data-complete="/api/v1/.../search"> fills its <datalist> with the
//    chatters whose login or earlier name starts with what was typed (a small JSON request,
//    at most one in flight, a short pause after typing).
// 2. Live figures: an element with data-poll="/api/v1/.../chat/now" asks for its figures every
//    data-every seconds and writes them into its [data-field] children: no page reload.
"use strict";
(function () {
  // Numbers as the page's language writes them (<html lang>), as the server wrote them.
  const lang = document.documentElement.lang || "en";
  const number = new Intl.NumberFormat(lang === "en" ? "en-US" : lang);

  async function getJson(url) {
    const resp = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (resp.status === 429) {
      const wait = Number(resp.headers.get("Retry-After")) || 2;
      throw Object.assign(new Error("slow down"), { wait: wait });
    }
    if (!resp.ok) throw new Error(String(resp.status));
    return (await resp.json()).data;
  }

  function complete(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    let timer = 0;
    let asked = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(async function () {
        const typed = input.value.trim().replace(/^@/, "").toLowerCase();
        if (!typed || typed === asked) return;
        asked = typed;
        try {
          const found = await getJson(input.dataset.complete + "?q=" + encodeURIComponent(typed));
          if (asked !== typed) return;  // a newer request is on its way
          list.replaceChildren(...found.map(function (m) {
            const option = document.createElement("option");
            option.value = m.login;
            option.label = m.earlier_name ? m.login + " (was " + m.earlier_name + ")" : m.login;
            option.textContent = option.label;
            return option;
          }));
        } catch (err) {
          asked = "";  // try again on the next key
        }
      }, 120);
    });
  }

  function poll(box) {
    const every = 1000 * (Number(box.dataset.every) || 5);
    let delay = every;
    async function tick() {
      try {
        const data = await getJson(box.dataset.poll);
        delay = every;
        box.querySelectorAll("[data-field]").forEach(function (el) {
          const key = el.dataset.field;
          if (key === "updated") {
            // On the channel's clock, as every time on the page.
            const time = new Date(data.at).toLocaleTimeString(lang === "en" ? "en-GB" : lang, {
              timeZone: box.dataset.tz || "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit",
            });
            // The page's translated sentence, with "{at}" where the time goes.
            const at = time + " " + (box.dataset.tzLabel || "");
            el.textContent = (box.dataset.updated || "Updated {at}").replace("{at}", at);
          } else if (key in data) {
            const text = data[key] === null ? "–" : number.format(data[key]);
            if (el.textContent !== text) el.textContent = text;
          }
        });
        if (!data.live) return;  // the stream ended: stop asking
      } catch (err) {
        delay = err.wait ? 1000 * err.wait : Math.min(delay * 2, 60000);
      }
      window.setTimeout(tick, delay);
    }
    window.setTimeout(tick, delay);
  }

  document.querySelectorAll("input[data-complete]").forEach(complete);
  document.querySelectorAll("[data-poll]").forEach(poll);
})();

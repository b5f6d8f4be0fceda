// Follow a running check without reloading the page: poll running.json about once a second,
// update the sentence and the bar, open the check's page when it is done. Without JavaScript
// the page refreshes itself instead (<noscript> in running.html).
"use strict";
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const url = box.dataset.poll;
  const text = document.getElementById("progress-text");
  const bar = document.getElementById("progress-bar");
  let delay = 1000;

  async function poll() {
    try {
      const resp = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (resp.status === 429) {
        delay = 1000 * Math.max(1, Number(resp.headers.get("Retry-After")) || 2);
      } else if (resp.ok) {
        delay = 1000;
        const state = await resp.json();
        if (state.done) {
          window.location.assign(state.done);
          return;
        }
        if (text.textContent !== state.text) text.textContent = state.text;
        if (state.total) {
          bar.max = state.total;
          bar.value = state.chatters_seen || 0;
          bar.textContent = String(state.chatters_seen || 0);
          bar.hidden = false;
        }
      } else if (resp.status === 401 || resp.status === 404) {
        window.location.reload();  // signed out or no longer allowed: the server says what
        return;
      }
    } catch (err) {
      delay = Math.min(delay * 2, 10000);  // the server is away: back off, keep trying
    }
    window.setTimeout(poll, delay);
  }
  window.setTimeout(poll, delay);
})();

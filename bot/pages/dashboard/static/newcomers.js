// Keep the newcomer list current without a reload: poll newcomers.json every few seconds and
// rebuild the rows (text only, never HTML from the server). Without JavaScript the page still
// shows the list as it was when loaded.
"use strict";
(function () {
  const box = document.getElementById("newcomers");
  if (!box) return;
  const url = box.dataset.poll;
  const base = box.dataset.base;
  const every = Number(box.dataset.every) || 5000;
  const rows = document.getElementById("newcomers-rows");
  const status = document.getElementById("newcomers-status");
  let delay = every;

  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(list) {
    const body = document.createElement("tbody");
    body.id = "newcomers-rows";
    for (const n of list) {
      const tr = document.createElement("tr");
      tr.dataset.user = n.user_id;
      const who = cell(tr, "");
      const link = document.createElement("a");
      link.href = base + "/chatters/" + encodeURIComponent(n.user_id);
      link.textContent = n.login;
      who.appendChild(link);
      cell(tr, (box.dataset.age || "{n} d").replace("{n}", n.account_age_days));
      cell(tr, n.first_message === null ? box.dataset.removed || "(text removed)" : n.first_message);
      const when = cell(tr, "");
      const time = document.createElement("time");
      time.dateTime = n.first_at;
      time.textContent = n.first_at;
      when.appendChild(time);
      body.appendChild(tr);
    }
    const current = document.getElementById("newcomers-rows");
    current.replaceWith(body);
    // The page's translated sentences come in data- attributes, "{n}" where the number goes.
    const listed = box.dataset.listed || "{n} listed. This list follows the chat without a reload.";
    status.textContent = listed.replace("{n}", list.length);
  }

  async function poll() {
    try {
      const resp = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (resp.status === 429) {
        delay = 1000 * Math.max(1, Number(resp.headers.get("Retry-After")) || 5);
      } else if (resp.ok) {
        delay = every;
        const body = await resp.json();
        render(body.data.newcomers);
      } else if (resp.status === 401 || resp.status === 404) {
        window.location.reload();  // signed out or no longer allowed: the server says what
        return;
      }
    } catch (err) {
      delay = Math.min(delay * 2, 60000);  // the server is away: back off, keep trying
    }
    window.setTimeout(poll, delay);
  }
  window.setTimeout(poll, delay);
})();

// Job history: every run and batch of this page session, with its live state and a Cancel button
// while it is still running. Kept in memory only.

import { $, h, fmt, stateLabel } from "./dom.js";

const ACTIVE = new Set(["SUBMITTING", "QUEUED", "RUNNING"]);
const MAX_ROWS = 50;

export function createHistory() {
  const body = $("history-body");
  const empty = $("history-empty");
  const clear = $("history-clear");
  const entries = [];
  let seq = 0;

  function duration(e) {
    const end = e.endedAt ?? (ACTIVE.has(e.state) ? Date.now() : null);
    if (end === null) return "";
    const ms = end - e.startedAt;
    return ms < 1000 ? `${ms} ms` : `${fmt(ms / 1000, 1)} s`;
  }

  function row(e) {
    const actions = h("td", { class: "actions" });
    if (e.cancel && ACTIVE.has(e.state)) {
      const b = h("button", { type: "button", class: "small danger", dataset: { action: "cancel" } }, e.cancelling ? "Cancelling…" : "Cancel");
      b.disabled = Boolean(e.cancelling);
      b.addEventListener("click", async () => {
        e.cancelling = true;
        render();
        try { await e.cancel(); } finally { e.cancelling = false; render(); }
      });
      actions.append(b);
    }
    if (e.view && !ACTIVE.has(e.state)) {
      const b = h("button", { type: "button", class: "small", dataset: { action: "view" } }, "Show");
      b.addEventListener("click", () => e.view());
      actions.append(b);
    }
    return h("tr", { dataset: { entry: String(e.id), state: e.state } },
      h("td", { class: "num" }, String(e.id)),
      h("td", { class: "time" }, new Date(e.startedAt).toLocaleTimeString([], { hour12: false })),
      h("td", {}, e.label, e.detail ? h("div", { class: "detail" }, e.detail) : null),
      h("td", { class: "mono", title: e.jobId ?? "" }, e.jobId ? e.jobId.slice(0, 8) : e.jobs ? `${e.jobs} jobs` : "–"),
      h("td", { class: "num" }, e.shots ? fmt(e.shots) : ""),
      h("td", {}, h("span", { class: "chip", dataset: { state: e.state } }, e.progress ?? stateLabel(e.state))),
      h("td", { class: "num" }, duration(e)),
      actions,
    );
  }

  // Rows are rebuilt only when what they show changes, so a button is never replaced under the
  // pointer; the ticking duration cell is updated in place.
  const rows = new Map();
  function render() {
    const wanted = entries.map((e) => {
      const sig = JSON.stringify([e.state, e.progress, e.cancelling, e.detail, e.jobId, Boolean(e.view)]);
      let r = rows.get(e.id);
      if (!r || r.sig !== sig) {
        r = { sig, tr: row(e) };
        rows.set(e.id, r);
      }
      r.tr.querySelector("td:nth-child(7)").textContent = duration(e);
      return r.tr;
    });
    for (const id of rows.keys()) if (!entries.some((e) => e.id === id)) rows.delete(id);
    const current = [...body.children];
    if (current.length !== wanted.length || current.some((tr, i) => tr !== wanted[i])) body.replaceChildren(...wanted);
    empty.hidden = entries.length > 0;
    clear.disabled = !entries.some((e) => !ACTIVE.has(e.state));
  }

  clear.addEventListener("click", () => {
    for (let i = entries.length - 1; i >= 0; i--) if (!ACTIVE.has(entries[i].state)) entries.splice(i, 1);
    render();
  });
  // Durations of running entries tick.
  setInterval(() => { if (entries.some((e) => ACTIVE.has(e.state))) render(); }, 1000);
  render();

  return {
    /** Adds an entry ({ label, shots, state, cancel?, view? }); returns its id. */
    add(fields) {
      const e = { id: ++seq, state: "SUBMITTING", startedAt: Date.now(), endedAt: null, ...fields };
      entries.unshift(e);
      if (entries.length > MAX_ROWS) entries.length = MAX_ROWS;
      render();
      return e.id;
    },
    /** Updates an entry; a terminal state stamps its end time. */
    update(id, patch) {
      const e = entries.find((x) => x.id === id);
      if (!e) return;
      Object.assign(e, patch);
      if (patch.state && !ACTIVE.has(patch.state) && e.endedAt === null) e.endedAt = Date.now();
      render();
    },
  };
}

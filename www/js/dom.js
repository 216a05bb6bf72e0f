// Tiny DOM helpers. Text always goes in through textContent / text nodes, never as HTML:
// everything the server or the user wrote is safe to pass as a child.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.setAttribute("class", value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) throw new Error(`no inline handlers: use addEventListener (${name})`);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  return node;
}

/** An HTML element: h("button", { class: "primary" }, "Run"). */
export function h(tag, attrs, ...children) {
  return append(setAttrs(document.createElement(tag), attrs), children);
}

/** An SVG element (same shape as h). */
export function svg(tag, attrs, ...children) {
  return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}

/** The element with this id (throws if the page lacks it: a bug, not a runtime condition). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

/** Formats a number with thin grouping (100 000) and at most `digits` decimals. */
export function fmt(n, digits = 0) {
  return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits }).replace(/,/g, "\u202f");
}

/** 0.5012 → "50.1%". */
export function pct(p) {
  return `${(p * 100).toFixed(p >= 0.9995 || p === 0 ? 0 : 1)}%`;
}

/** A job state as shown to people: "COMPLETED" → "completed", "CANCELED" → "cancelled". */
export function stateLabel(state) {
  return { CANCELED: "cancelled", RESULT_EXPIRED: "result expired" }[state] ?? state.toLowerCase();
}

/** Bitstring → ket label "|01⟩". */
export function ket(bits) {
  return `|${bits}\u27e9`;
}

/** Saves text as a file download (blob URL; fine under the page's CSP). */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

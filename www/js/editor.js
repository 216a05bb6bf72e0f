// The OpenQASM editor: a plain <textarea> with a line-number gutter and an error-line marker.
// No dependencies; the gutter and the marker follow the textarea's scroll position.

/**
 * @param {{ textarea: HTMLTextAreaElement, gutter: HTMLElement, mark: HTMLElement,
 *           onChange?: () => void, onEdit?: () => void, onRun?: () => void }} parts
 * `onChange` follows every change of the text; `onEdit` only the user's typing.
 */
export function createEditor({ textarea, gutter, mark, onChange, onEdit, onRun }) {
  let lineCount = 0;
  let markedLine = null;

  const lineHeight = () => parseFloat(getComputedStyle(textarea).lineHeight) || 20;
  const padTop = () => parseFloat(getComputedStyle(textarea).paddingTop) || 0;

  function renderGutter() {
    const n = textarea.value.split("\n").length;
    if (n !== lineCount) {
      const rows = [];
      for (let i = 1; i <= n; i++) {
        const row = document.createElement("div");
        row.textContent = String(i);
        rows.push(row);
      }
      gutter.replaceChildren(...rows);
      lineCount = n;
    }
    gutter.querySelectorAll(".error").forEach((row) => row.classList.remove("error"));
    if (markedLine !== null) gutter.children[markedLine - 1]?.classList.add("error");
  }

  function syncScroll() {
    gutter.scrollTop = textarea.scrollTop;
    if (markedLine !== null) {
      const y = padTop() + (markedLine - 1) * lineHeight() - textarea.scrollTop;
      mark.style.transform = `translateY(${y}px)`;
    }
  }

  /** Highlights 1-based `line` (clamped to the text); the marker clears on the next edit. */
  function markLine(line) {
    if (!Number.isInteger(line) || line < 1) return clearMark();
    markedLine = Math.min(line, textarea.value.split("\n").length);
    mark.hidden = false;
    mark.style.height = `${lineHeight()}px`;
    renderGutter();
    syncScroll();
  }

  function clearMark() {
    markedLine = null;
    mark.hidden = true;
    renderGutter();
  }

  /** Puts the caret at the start of `line` and scrolls it into view. */
  function focusLine(line) {
    const lines = textarea.value.split("\n");
    const target = Math.max(1, Math.min(line, lines.length));
    const offset = lines.slice(0, target - 1).reduce((sum, l) => sum + l.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(offset, offset + lines[target - 1].length);
    const y = (target - 1) * lineHeight();
    if (y < textarea.scrollTop || y > textarea.scrollTop + textarea.clientHeight - 2 * lineHeight()) {
      textarea.scrollTop = Math.max(0, y - textarea.clientHeight / 3);
    }
    syncScroll();
  }

  // Tab indents by two spaces, so the key is useful in code; Escape first lets Tab leave the editor.
  let escaped = false;
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { escaped = true; return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun?.();
      return;
    }
    if (e.key === "Tab" && !e.shiftKey && !escaped && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input"));
    }
    escaped = false;
  });
  textarea.addEventListener("input", () => {
    if (markedLine !== null) clearMark();
    renderGutter();
    onChange?.();
    onEdit?.();
  });
  textarea.addEventListener("scroll", syncScroll);
  window.addEventListener("resize", syncScroll);

  renderGutter();
  return {
    get value() { return textarea.value; },
    set value(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      clearMark();
      onChange?.();
    },
    get markedLine() { return markedLine; },
    markLine,
    clearMark,
    focusLine,
  };
}

/** The qubit count the program declares (sum of `qubit[n] name;` / `qubit name;`), or null. */
export function declaredQubits(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  let total = 0;
  let found = false;
  for (const m of code.matchAll(/\bqubit\s*(?:\[\s*(\d+)\s*\])?\s+[A-Za-z_]\w*\s*;/g)) {
    total += m[1] === undefined ? 1 : Number(m[1]);
    found = true;
  }
  return found ? total : null;
}

/** Whether the program uses the `theta` parameter (filled in before submission). */
export function usesTheta(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return /\btheta\b/.test(code);
}

/** The program with every `theta` (outside comments) replaced by `(value)`. */
export function withTheta(source, value) {
  // Split off comments so a `theta` mentioned in a comment is left alone.
  return source.replace(/(\/\*[\s\S]*?\*\/|\/\/[^\n]*)|\btheta\b/g, (all, comment) =>
    comment !== undefined ? comment : `(${value})`);
}

/**
 * `withTheta`, and a map from indices of the result back to indices of `source` (so diagnostics of
 * the filled-in program land on the editor's text; inside a replaced `theta` → its start).
 */
export function withThetaMapped(source, value) {
  const pieces = []; // [start in result, start in source, length in result, length in source]
  let text = "";
  let last = 0;
  const re = /(\/\*[\s\S]*?\*\/|\/\/[^\n]*)|\btheta\b/g;
  for (const m of source.matchAll(re)) {
    if (m[1] !== undefined) continue;
    text += source.slice(last, m.index);
    const replaced = `(${value})`;
    pieces.push([text.length, m.index, replaced.length, m[0].length]);
    text += replaced;
    last = m.index + m[0].length;
  }
  text += source.slice(last);
  const toOriginal = (i) => {
    let shift = 0;
    for (const [at, from, len, srcLen] of pieces) {
      if (i < at) break;
      if (i < at + len) return from + (i === at ? 0 : srcLen);
      shift = from + srcLen - (at + len);
    }
    return i + shift;
  };
  return { text, toOriginal };
}

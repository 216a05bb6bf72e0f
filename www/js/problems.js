// Turns a rejected call into something a person can act on: a title, the server's message as text,
// the source line it points at (if any) and a hint. Titles come from the package's error classes
// (`ArvakError.title`, declared with each error kind); hints go by `name`, which the classes set.

const HINTS = {
  UnavailableError: "Check the server URL in the connection panel, and that the server is running.",
  UnauthenticatedError: "Set the server's API key in the connection panel.",
  RateLimitedError: "Wait a moment and run again.",
  BackendNotFoundError: "Pick a backend from the list (reconnect to refresh it).",
  CircuitOpenError: "Too many server failures in a row; the client will probe the server again shortly.",
};

/** The 1-based line a parser message names ("… at line 5: …"), or null. */
export function lineOf(message) {
  const m = /\bline (\d+)\b/.exec(message ?? "");
  return m ? Number(m[1]) : null;
}

/**
 * For messages that name an identifier but no line ("Undefined identifier: r", "Unknown gate: foo"),
 * the first source line using that name outside comments, or null.
 */
export function lineOfName(message, source) {
  const m = /(?:Undefined identifier|Unknown gate): ([A-Za-z_]\w*)/.exec(message ?? "");
  if (!m) return null;
  const word = new RegExp(`(^|[^\\w])${m[1]}([^\\w]|$)`, "i");
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i].replace(/\/\/.*$/, "");
    if (word.test(code)) return i + 1;
  }
  return null;
}

/** { title, message, code, attempts, hint } of any thrown value. */
export function describe(err) {
  const name = err?.name ?? "Error";
  const message = String(err?.message ?? err ?? "unknown error");
  return {
    name,
    title: typeof err?.constructor?.title === "string" ? err.constructor.title : name,
    message,
    code: err?.codeName ?? null,
    rpc: err?.rpc ?? null,
    attempts: typeof err?.attempts === "number" ? err.attempts : null,
    hint: HINTS[name] ?? null,
  };
}

/** Whether the error ended a wait because the job was cancelled (not a failure to report loudly). */
export function isCancel(err) {
  return err?.name === "JobCancelledError";
}

/** Whether the error came from our own AbortController. */
export function isAbort(err) {
  return err?.name === "AbortError";
}

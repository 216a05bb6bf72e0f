// The HTTP version of a client's calls, from the browser's resource timing: the newest entry whose
// URL starts with `base` and names its protocol ("h2", "h3", "http/1.1"); "" when there is none
// (no entry yet, a full timing buffer, or a cross-origin server without Timing-Allow-Origin).
export function nextHopProtocol(base) {
  try {
    const entries = globalThis.performance?.getEntriesByType?.('resource') ?? [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.name.startsWith(base) && e.nextHopProtocol) return e.nextHopProtocol;
    }
  } catch {
    // no Performance API here
  }
  return '';
}

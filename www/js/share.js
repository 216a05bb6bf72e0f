// Share links: the circuit, shots (and θ when the circuit uses it) in the URL hash — never the API
// key or the server URL. The hash is not sent to any server.

/** The link that reopens this circuit. */
export function shareLink({ source, shots, theta }) {
  const params = new URLSearchParams();
  params.set("shots", String(shots));
  if (theta !== undefined && theta !== null && theta !== "") params.set("theta", String(theta));
  params.set("qasm", source);
  return `${window.location.origin}${window.location.pathname}#${params}`;
}

/** What the current URL hash shares, or null. */
export function readShared() {
  const hash = window.location.hash.replace(/^#/, "");
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  const source = params.get("qasm");
  if (source === null) return null;
  const shots = Number(params.get("shots"));
  return {
    source,
    shots: Number.isInteger(shots) && shots > 0 ? shots : null,
    theta: params.get("theta"),
  };
}

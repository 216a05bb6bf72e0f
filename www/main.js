// Lists the backends of the dev server this page came from, through the wasm client.
// Server text is always inserted as text (textContent), never as HTML.
import init, { ArvakClient } from "./pkg/arvak_grpc_wasm.js";

const statusEl = document.getElementById("status");
const table = document.getElementById("backends");

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = String(text);
  row.appendChild(td);
}

async function main() {
  await init();
  const client = new ArvakClient(window.location.origin);
  statusEl.textContent = "Listing backends…";
  const backends = await client.listBackends();
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const b of backends) {
    const row = document.createElement("tr");
    row.dataset.backendId = b.backendId;
    cell(row, b.backendId);
    cell(row, b.isAvailable ? "yes" : "no");
    cell(row, b.maxQubits);
    cell(row, b.maxShots);
    cell(row, b.supportedGates.join(" "));
    body.appendChild(row);
  }
  table.hidden = false;
  statusEl.textContent = `${backends.length} backend(s) at ${window.location.origin}`;
}

main().catch((err) => {
  statusEl.className = "error";
  statusEl.textContent = `${err && err.name ? err.name + ": " : ""}${err && err.message ? err.message : err}`;
});

// The page side shared by the browser fixtures: runs `run(server)` with the dev server's URL from
// `?server=` and leaves the outcome in `window.__result` (and on the page) for the test to read.
export function runOnPage(run) {
  const server = new URLSearchParams(location.search).get('server');
  const out = document.getElementById('out');
  run(server).then(
    (result) => {
      out.textContent = JSON.stringify(result);
      window.__result = result;
    },
    (e) => {
      out.textContent = 'error: ' + e;
      window.__result = { error: String(e?.stack ?? e) };
    },
  );
}

// End-to-end test of the playground (www/) in a headless browser: Chromium (playwright-core) by default,
// Firefox (selenium-webdriver through geckodriver) with E2E_BROWSER=firefox — same steps, see browsers.mjs.
//
//   PLAYGROUND_URL=http://127.0.0.1:PORT/ [E2E_BROWSER=firefox] node --test tests/e2e/playground.test.mjs
//
// The URL must be an arvak-dev-server started with `--www www --csp --seed 1` (scripts/e2e.sh does
// that). The server's control endpoints (/__faults, /__stats) make a job long (Cancel) and make the
// server answer with HTML in an error message. Screenshots go to tests/output/screenshots/ (Chromium)
// and tests/output/screenshots/firefox/.
// Every test fails on a page error or a console error (CSP violations are console errors).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launch } from "./browsers.mjs";

const BASE = process.env.PLAYGROUND_URL;
if (!BASE) throw new Error("set PLAYGROUND_URL to the dev server serving www/ (see scripts/e2e.sh)");
const ENGINE = process.env.E2E_BROWSER || "chromium";
const SHOTS_DIR = fileURLToPath(new URL(`../output/screenshots/${ENGINE === "chromium" ? "" : `${ENGINE}/`}`, import.meta.url));
mkdirSync(SHOTS_DIR, { recursive: true });

const XSS_QASM = 'OPENQASM 3.0;\nqubit[1] q;\n// The server echoes the offending token in its message.\nh "<img src=x onerror=window.__xss=1>";\n';

let browser;

before(async () => {
  browser = await launch(ENGINE);
});

after(async () => {
  await browser?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

async function control(method, path, body) {
  const res = await fetch(new URL(path, BASE), {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: HTTP ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

const stats = () => control("GET", "/__stats");

/** A fresh page on the playground, ready (client loaded, backends listed); collects page problems. */
async function openPlayground(t, hash = "") {
  const { page, problems, close } = await browser.newPage({
    viewport: { width: 1360, height: 1000 },
    // Records every <img> that ever enters the document (an injected one removed later still counts).
    initScript: () => {
      window.__imgSeen = 0;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) {
          if (n.nodeType === 1 && (n.nodeName === "IMG" || n.querySelector?.("img"))) window.__imgSeen += 1;
        }
      }).observe(document, { childList: true, subtree: true });
    },
  });
  t.after(close);
  const response = await page.goto(new URL(hash, BASE).href);
  assert.equal(response.status(), 200);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  return { page, problems, response };
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS_DIR}${name}.png`, fullPage: true });
}

/** The histogram's bars as { key, probability, count, label }. */
function bars(page, selector = "#histogram") {
  return page.$$eval(`${selector} g.bar`, (gs) => gs.map((g) => ({
    key: g.dataset.key,
    probability: Number(g.dataset.probability),
    count: Number(g.dataset.count),
    label: g.querySelector("text.label")?.textContent,
    value: g.querySelector("text.value")?.textContent ?? null,
  })));
}

async function runAndWait(page, state = "COMPLETED") {
  await page.click("#run");
  await page.waitForSelector(`#job-state[data-state=${state}]`, { timeout: 20000 });
  // The state shows as soon as the client reports it; the histogram follows when the result is in.
  if (state === "COMPLETED") await page.waitForSelector("#histogram g.bar", { timeout: 20000 });
}

// ---- tests ---------------------------------------------------------------------------------------

test("the page loads under the CSP and lists the backend", { timeout: 60000 }, async (t) => {
  const { page, problems, response } = await openPlayground(t);
  const csp = response.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, "the dev server must send the playground's CSP");
  assert.equal(await page.inputValue("#backend"), "simulator");
  const info = await page.textContent("#backend-info");
  assert.match(info, /20\s*qubits max/);
  assert.match(info, /100\u202f000\s*shots max/);
  assert.match(info, /32 gates/);
  assert.equal(await page.isEnabled("#run"), true);
  assert.match(await page.textContent("#conn-status"), /Connected to http:\/\/127\.0\.0\.1:\d+ · 1 backend/);
  assert.equal(await page.$$eval("#gutter div", (d) => d.length), (await page.inputValue("#code")).split("\n").length);
  await shot(page, "01-loaded");
  assert.deepEqual(problems, []);
});

test("Bell with 1000 shots: exactly |00⟩ and |11⟩, each 40–60%; CSV export", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.selectOption("#examples", "bell");
  await page.fill("#shots", "1000");
  await runAndWait(page);
  const got = await bars(page);
  assert.deepEqual(got.map((b) => b.key), ["00", "11"]);
  assert.deepEqual(got.map((b) => b.label), ["|00⟩", "|11⟩"]);
  for (const b of got) {
    assert.ok(b.probability >= 0.4 && b.probability <= 0.6, `${b.label}: ${b.probability}`);
    assert.match(b.value, /^\d+(\.\d)?%$/, "each bar shows its probability");
  }
  assert.equal(got.reduce((s, b) => s + b.count, 0), 1000);
  const figures = await page.textContent("#result-figures");
  assert.match(figures, /execution time/i);
  // The steps list shows how the job went; the history has the job as completed.
  assert.equal(await page.$$eval("#job-steps li.done", (l) => l.length), 4);
  assert.equal(await page.getAttribute("#history-body tr:first-child", "data-state"), "COMPLETED");

  await page.click(".counts summary");
  assert.equal(await page.$$eval("#counts-body tr", (r) => r.length), 2);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.equal(csv[0], "bitstring,count,probability");
  assert.deepEqual(csv.slice(1).map((l) => l.split(",")[0]), ["00", "11"]);
  assert.equal(csv.slice(1).reduce((s, l) => s + Number(l.split(",")[1]), 0), 1000);
  await shot(page, "02-bell-histogram");
  assert.deepEqual(problems, []);
});

test("an invalid program shows the parse error and highlights its line", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.selectOption("#examples", "invalid");
  await page.click("#run");
  await page.waitForSelector("#error-box:not([hidden])", { timeout: 20000 });
  const message = await page.textContent("#error-box .error-message");
  const m = /line (\d+): expected ;, found q/.exec(message);
  assert.ok(m, `parse error with a line: ${message}`);
  const line = Number(m[1]);
  const source = (await page.inputValue("#code")).split("\n");
  assert.match(source[line - 1], /^cx q\[0\] q\[1\];/, "the server's line is the faulty statement");
  assert.equal(await page.textContent("#gutter div.error"), String(line));
  assert.equal(await page.isVisible("#line-mark"), true);
  assert.equal(await page.getAttribute("#job-state", "data-state"), "REJECTED");
  assert.equal(await page.textContent("#error-box .error-title .code"), "INVALID_ARGUMENT");
  await shot(page, "03-parse-error");
  // Editing clears the marker.
  await page.focus("#code");
  await page.keyboard.press("End");
  await page.keyboard.type(" ");
  assert.equal(await page.$$eval("#gutter div.error", (d) => d.length), 0);
  assert.equal(await page.isVisible("#line-mark"), false);
  assert.deepEqual(problems, []);
});

test("shots above the backend's max_shots are refused before submitting", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  const before = (await stats()).calls?.SubmitJob ?? 0;
  await page.fill("#shots", "100001");
  await page.click("#run");
  assert.match(await page.textContent("#shots-error"), /at most 100\u202f000 shots/);
  assert.equal(await page.getAttribute("#shots", "aria-invalid"), "true");
  assert.equal((await stats()).calls?.SubmitJob ?? 0, before, "nothing was submitted");
  assert.equal(await page.$$eval("#history-body tr", (r) => r.length), 0);
  assert.deepEqual(problems, []);
});

test("a 20-job batch reaches 100%, and a θ sweep draws P(|1⟩) vs θ", { timeout: 120000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  const created0 = (await stats()).jobsCreated;
  await page.fill("#shots", "100");
  await page.click("#tab-batch");
  await page.check('input[name="batch-mode"][value="copies"]');
  await page.fill("#batch-n", "20");
  await page.click("#batch-run");
  await page.waitForSelector('#batch-progress[aria-valuenow="100"]', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector("#batch-message")?.textContent.includes("20 of 20"), null, { timeout: 20000 });
  assert.match(await page.textContent("#batch-progress-text"), /20 \/ 20 done · 100%/);
  assert.match(await page.textContent("#batch-message"), /^completed: 20 of 20 jobs/);
  assert.equal((await stats()).jobsCreated - created0, 20, "exactly 20 jobs were created");
  const merged = await bars(page, "#batch-chart");
  assert.deepEqual(merged.map((b) => b.key), ["00", "11"]);
  assert.equal(merged.reduce((s, b) => s + b.count, 0), 2000);
  assert.equal(await page.getAttribute("#history-body tr:first-child", "data-state"), "COMPLETED");
  await shot(page, "04-batch-20-copies");

  await page.selectOption("#examples", "rotation");
  await page.check('input[name="batch-mode"][value="sweep"]');
  await page.fill("#sweep-from", "0");
  await page.fill("#sweep-to", "2");
  await page.fill("#sweep-steps", "17");
  await page.fill("#sweep-outcome", "1");
  await page.click("#batch-run");
  await page.waitForSelector("#batch-chart svg.sweep", { timeout: 60000 });
  const points = await page.$$eval("#batch-chart circle.point", (cs) => cs.map((c) => ({ theta: Number(c.dataset.theta), p: Number(c.dataset.p) })));
  assert.equal(points.length, 17);
  for (const { theta, p } of points) {
    // P(1) = sin²(θ/2); 100 shots per point.
    assert.ok(Math.abs(p - Math.sin(theta / 2) ** 2) < 0.2, `θ=${theta}: ${p}`);
  }
  assert.equal(points[8].p, 1, "rx(π)|0⟩ = |1⟩");
  await shot(page, "05-batch-sweep");

  // A single run fills `theta` from the θ field, which takes expressions the server evaluates.
  await page.click("#tab-run");
  await page.fill("#theta", "pi");
  await runAndWait(page);
  assert.deepEqual((await bars(page)).map((b) => [b.key, b.probability]), [["1", 1]]);
  assert.match(await page.textContent("#result-title"), /θ = pi$/);
  assert.deepEqual(problems, []);
});

test("Cancel stops a job kept running by the server's minimum job time", { timeout: 90000 }, async (t) => {
  await control("POST", "/__faults", { rules: {}, minJobMs: 60000 });
  t.after(() => control("DELETE", "/__faults"));
  const { page, problems } = await openPlayground(t);
  const cancels0 = (await stats()).calls?.CancelJob ?? 0;
  await page.selectOption("#examples", "bell");
  await runAndWait(page, "RUNNING");
  const row = "#history-body tr:first-child";
  assert.equal(await page.getAttribute(row, "data-state"), "RUNNING");
  await shot(page, "06-running");
  const t0 = Date.now();
  await page.click(`${row} button[data-action=cancel]`);
  await page.waitForSelector("#job-state[data-state=CANCELED]", { timeout: 15000 });
  const tookMs = Date.now() - t0;
  assert.ok(tookMs < 15000, `cancelled after ${tookMs} ms (the job would run 60 s)`);
  await page.waitForSelector(`${row}[data-state=CANCELED]`);
  assert.equal(await page.$$eval(`${row} button[data-action=cancel]`, (b) => b.length), 0, "no Cancel on a finished job");
  assert.equal(await page.isVisible("#job-cancel"), false);
  assert.equal(await page.isVisible("#error-box"), false, "a cancel is not shown as an error");
  assert.match(await page.textContent("#run-note"), /cancelled/);
  assert.equal((await stats()).calls.CancelJob - cancels0, 1);
  // The page's watch stream ends with the job (the panel shows the client's open-stream count).
  await page.waitForFunction(() => /Open watch streams\s*0/i.test(document.querySelector("#conn-stats")?.textContent ?? ""), null, { timeout: 5000 });
  assert.equal((await stats()).openStreams, 0, "no WatchJob stream left open on the server");
  await shot(page, "07-cancelled");
  assert.deepEqual(problems, []);
});

test("server text containing <img onerror> is shown as text and runs nothing", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);

  // 1. The parser echoes the token: a real server message with HTML in it.
  await page.fill("#code", XSS_QASM);
  assert.equal(await page.inputValue("#examples"), "", "typing leaves the examples menu");
  await page.click("#run");
  await page.waitForSelector("#error-box:not([hidden])", { timeout: 20000 });
  const shown = await page.textContent("#error-box .error-message");
  assert.ok(shown.includes('"<img src=x onerror=window.__xss=1>"'), shown);
  assert.match(shown, /line 4/);
  assert.equal(await page.textContent("#gutter div.error"), "4");
  const detail = await page.textContent("#history-body tr:first-child .detail");
  assert.ok(detail.includes("<img src=x onerror=window.__xss=1>"), detail);
  await shot(page, "08-html-in-error-as-text");

  // 2. An injected error status with nothing but HTML as its message.
  t.after(() => control("DELETE", "/__faults"));
  await control("POST", "/__faults", { rules: { SubmitJob: {
    failBeforeProbability: 1, failBeforeCode: "INVALID_ARGUMENT", failBeforeMessage: "<img src=x onerror=window.__xss=2><u id=xss-probe>underlined</u>" } } });
  await page.selectOption("#examples", "bell");
  await page.click("#run");
  await page.waitForFunction(() => document.querySelector("#error-box .error-message")?.textContent.includes("<u id=xss-probe>underlined</u>"), null, { timeout: 20000 });
  await page.waitForTimeout(300); // let a would-be onerror fire

  assert.equal(await page.evaluate(() => window.__xss), undefined, "no script ran");
  assert.equal(await page.evaluate(() => document.querySelectorAll("img, u, #xss-probe").length), 0, "no element was created from server text");
  assert.equal(await page.evaluate(() => window.__imgSeen), 0, "no <img> ever entered the document");
  assert.deepEqual(problems, []);
});

test("many outcomes: top-K with an 'other' bar, sorted by count", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.selectOption("#examples", "uniform");
  await page.fill("#example-size", "6");
  await page.fill("#shots", "6400");
  await runAndWait(page);
  await page.selectOption("#top-k", "16");
  await page.selectOption("#sort", "count");
  const got = await bars(page);
  assert.equal(got.length, 17);
  assert.equal(got[16].key, "other");
  assert.match(got[16].label, /^other \(48\)$/);
  const counts = got.slice(0, 16).map((b) => b.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "sorted by count");
  assert.equal(got.reduce((s, b) => s + b.count, 0), 6400);
  await page.selectOption("#sort", "bitstring");
  const keys = (await bars(page)).slice(0, 16).map((b) => b.key);
  assert.deepEqual(keys, [...keys].sort(), "sorted by bitstring");
  await shot(page, "09-top-k-other");
  assert.deepEqual(problems, []);
});

test("share link carries the circuit and shots (never the key) and reopens them", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.selectOption("#examples", "ghz");
  await page.fill("#shots", "321");
  await page.fill("#api-key", "secret-key-123");
  await page.click("#share");
  const link = await page.inputValue("#share-link");
  assert.ok(link.includes("#"), link);
  assert.ok(!link.includes("secret-key-123"), "the API key is not in the link");
  const source = await page.inputValue("#code");
  assert.equal(new URLSearchParams(new URL(link).hash.slice(1)).get("qasm"), source);
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie), "{}{}");

  const other = await openPlayground(t, new URL(link).hash);
  assert.equal(await other.page.inputValue("#code"), source);
  assert.equal(await other.page.inputValue("#shots"), "321");
  await runAndWait(other.page);
  assert.deepEqual((await bars(other.page)).map((b) => b.key), ["0000", "1111"]);
  assert.deepEqual(problems, []);
  assert.deepEqual(other.problems, []);
});

test("connection panel: a server that needs an API key, and the key kept out of the URL and storage", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  t.after(() => control("DELETE", "/__faults"));
  await control("POST", "/__faults", { rules: {}, apiKey: "k-e2e-123" });
  await page.click("#connect");
  await page.waitForSelector("#conn-pill[data-state=error]", { timeout: 20000 });
  assert.match(await page.textContent("#conn-status"), /Not authorised: .*API key/);
  // Only the browser's own backend is left; the server answered, so no "cannot be reached" notice.
  assert.deepEqual(await page.$$eval("#backend option", (o) => o.map((x) => x.value)), ["local"]);
  assert.equal(await page.isVisible("#backend-note"), false);
  assert.equal(await page.isEnabled("#batch-run"), false);
  await shot(page, "10-api-key-needed");

  await page.fill("#api-key", "k-e2e-123");
  await page.press("#api-key", "Enter");
  await page.waitForSelector("#conn-pill[data-state=ok]", { timeout: 20000 });
  assert.equal(await page.inputValue("#backend"), "simulator");
  await runAndWait(page);
  assert.match(await page.textContent("#result-job"), /^simulator · job /);
  assert.deepEqual((await bars(page)).map((b) => b.key), ["00", "11"]);
  assert.ok(!(await page.url()).includes("k-e2e-123"), "the API key is not in the URL");
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie), "{}{}");
  assert.deepEqual(problems, []);
});

test("a page reloaded in the middle of a 300-job batch offers to resume it; all 300 come back, none twice, none left unclaimed", { timeout: 180000 }, async (t) => {
  // Jobs of ≥ 100 ms, no rate limit: the batch takes seconds, long enough to be cut.
  await control("POST", "/__faults", { rules: {}, minJobMs: 100, rateLimit: 0 });
  t.after(() => control("DELETE", "/__faults"));
  const { page, problems } = await openPlayground(t);
  // The playground's service worker (sw.js, the package's journal relay) controls the page.
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), new URL("sw.js", BASE).href);
  const created0 = (await stats()).jobsCreated;
  await page.fill("#shots", "16");
  await page.click("#tab-batch");
  await page.check('input[name="batch-mode"][value="copies"]');
  await page.fill("#batch-n", "300");
  await page.click("#batch-run");
  await page.waitForFunction(() => {
    const m = /submitted (\d+)/.exec(document.querySelector("#batch-progress-text")?.textContent ?? "");
    return m && Number(m[1]) >= 100;
  }, null, { timeout: 60000 });

  // Reload mid-batch: the page offers the unfinished batch, and resuming it completes all 300.
  const response = await page.goto(new URL(BASE).href);
  assert.equal(response.status(), 200);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  await page.waitForSelector("#batch-resume", { timeout: 20000 });
  const offer = await page.textContent("#batch-message");
  const m = /Unfinished from before the reload: Batch: 300 copies on simulator — (\d+) of 300 submitted(?:, (\d+) on the wire when the page was left \(their answers were kept\))?(?:, (\d+) in flight when the page was left)?/.exec(offer);
  assert.ok(m, offer);
  // Requests the unload cut off went through the relay, which kept their answers: none is in doubt.
  const relayed = Number(m[2] ?? 0);
  const inDoubt = Number(m[3] ?? 0);
  assert.equal(inDoubt, 0, `nothing in doubt: ${offer}`);
  await shot(page, "11-batch-resume-offer");
  await page.click("#batch-resume");
  await page.waitForFunction(() => / of 300 jobs completed in .* \(resumed from the journal\)/.test(document.querySelector("#batch-message")?.textContent ?? ""), null, { timeout: 120000 });
  const done = await page.textContent("#batch-message");
  const results = Number(/(\d+) of 300 jobs completed/.exec(done)[1]);
  assert.equal(results, 300, `every input's result: ${done}`);
  const merged = await bars(page, "#batch-chart");
  assert.deepEqual(merged.map((b) => b.key), ["00", "11"]);
  assert.equal(merged.reduce((s, b) => s + b.count, 0), results * 16);
  const created = (await stats()).jobsCreated - created0;
  assert.equal(created, 300, `${created} jobs created for 300 inputs: none twice, none left unclaimed`);
  console.log(`reload mid-batch: ${m[1]} submitted at the reload, ${relayed} on the wire (answered by the relay), ${inDoubt} in doubt, ${results} results after resume, ${created} jobs created`);
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("arvak-journal:arvak-playground:")).length);
  assert.equal(left, 0, "the finished batch left the journal");
  // The relay dropped what it kept for the finished batch (told by messages: give it a moment).
  const keptNow = () => page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open("arvak-relay");
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains("answers")) { db.close(); return resolve(0); }
      const count = db.transaction("answers").objectStore("answers").count();
      count.onsuccess = () => { db.close(); resolve(count.result); };
    };
    open.onerror = () => resolve(-1);
  }));
  let kept = await keptNow();
  for (let i = 0; i < 50 && kept !== 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    kept = await keptNow();
  }
  assert.equal(kept, 0, "the relay kept nothing of the finished batch");
  await shot(page, "12-batch-resumed");
  // Firefox logs each relayed request the reload cut off in the old page (the worker goes on with
  // it, and the counts above show its answer arrived) as this error; nothing else may be logged.
  const CUT_BY_RELOAD = /^page error: Failed to load ‘’\. A ServiceWorker intercepted the request and encountered an unexpected error\.$/;
  assert.deepEqual(problems.filter((p) => !(ENGINE === "firefox" && CUT_BY_RELOAD.test(p))), []);
});

// ---- circuit tools (arvak-grpc-wasm/circuit) -------------------------------------------------------

test("diagnostics as you type: the service's words, underlined at line and column, before anything is sent", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.waitForSelector("body[data-circuit-tools=ready]", { timeout: 20000 });
  const submitted0 = (await stats()).calls.SubmitJob ?? 0;
  await page.fill("#code", "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncx q[0], r[1];\n");
  await page.waitForSelector("#diagnostics li.error", { timeout: 10000 });
  const [error] = await page.$$eval("#diagnostics li", (ls) => ls.map((l) => ({ text: l.textContent, where: l.querySelector("button").textContent })));
  assert.match(error.text, /\[permanent\] QASM parse error: Undefined identifier: r/);
  assert.equal(error.where, "4:10");
  assert.deepEqual(await page.$$eval("#squiggles .squiggle.error", (s) => s.map((x) => x.textContent)), ["r[1]"]);
  // The Run button's answer would carry the same words: the server agrees.
  await page.click("#run");
  await page.waitForSelector("#job-state[data-state=REJECTED]", { timeout: 20000 });
  assert.match(await page.textContent("#error-box"), /QASM parse error: Undefined identifier: r/);
  await shot(page, "13-diagnostics-error");

  // A program the service accepts and then fails: a warning with the FAILED job's words.
  await page.fill("#code", "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncrx(0.5) q[0], q[1];\n");
  await page.waitForFunction(() => document.querySelector("#diagnostics li.warning") !== null, null, { timeout: 10000 });
  assert.match(await page.textContent("#diagnostics"), /Unhandled gate type in simulation: CRx\(Constant\(0\.5\)\)/);
  assert.deepEqual(await page.$$eval("#squiggles .squiggle.warning", (s) => s.map((x) => x.textContent)), ["crx(0.5) q[0], q[1];"]);
  // Shots above the backend's maximum are warned about too.
  await page.fill("#shots", "100001");
  await page.waitForFunction(() => /Requested 100001 shots/.test(document.querySelector("#diagnostics")?.textContent ?? ""), null, { timeout: 10000 });
  await page.fill("#shots", "1000");
  await page.fill("#code", "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncx q[0], q[1];\n");
  await page.waitForFunction(() => document.querySelector("#diagnostics").hidden, null, { timeout: 10000 });
  assert.equal((await stats()).calls.SubmitJob ?? 0, submitted0 + 1, "only the Run press reached the server");
  assert.deepEqual(problems, []);
});

test("the circuit diagram follows the text: wires, gates with parameters, measurements", { timeout: 60000 }, async (t) => {
  const { page, problems } = await openPlayground(t);
  await page.waitForSelector("body[data-circuit-tools=ready]", { timeout: 20000 });
  const labels = () => page.$$eval("#diagram svg text", (ts) => ts.map((x) => x.textContent));
  await page.fill("#code", "OPENQASM 3.0;\nqubit[3] q;\nbit[3] c;\nh q[0];\ncx q[0], q[1];\nrz(pi/4) q[2];\nc = measure q;\n");
  await page.waitForFunction(() => /3 qubits · 3 gates/.test(document.querySelector("#diagram-note")?.textContent ?? ""), null, { timeout: 10000 });
  let texts = await labels();
  for (const l of ["q0", "q1", "q2", "c0", "c2", "H", "π/4"]) assert.ok(texts.some((x) => x.includes(l)), `${l} in ${texts.join(" ")}`);
  assert.ok(!texts.includes("q3"));
  await page.fill("#code", "OPENQASM 3.0;\nqubit[4] q;\nh q;\nccx q[0], q[1], q[3];\n");
  await page.waitForFunction(() => [...document.querySelectorAll("#diagram svg text")].some((x) => x.textContent === "q3"), null, { timeout: 10000 });
  texts = await labels();
  assert.ok(!texts.includes("c0"), "no classical wires without bits");
  // A parse error keeps the last diagram, dimmed, and says so.
  await page.fill("#code", "OPENQASM 3.0;\nqubit[4] q;\nh q\n");
  await page.waitForFunction(() => document.querySelector("#diagram").classList.contains("stale"), null, { timeout: 10000 });
  assert.match(await page.textContent("#diagram-note"), /last circuit that parsed/);
  await page.fill("#code", "OPENQASM 3.0;\nqubit[20] q;\nh q[0];\n" + Array.from({ length: 19 }, (_, i) => `cx q[${i}], q[${i + 1}];`).join("\n") + "\n");
  await page.waitForFunction(() => [...document.querySelectorAll("#diagram svg text")].some((x) => x.textContent === "q19"), null, { timeout: 10000 });
  await shot(page, "14-diagram-20-qubits");
  assert.deepEqual(problems, []);
});

/** A dev server of this test's own serving www/ (so the test can stop it): { url, stop }. */
async function ownServer() {
  const { spawn } = await import("node:child_process");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const bin = process.env.ARVAK_DEV_SERVER_BIN ?? `${root}${process.env.CARGO_TARGET_DIR ?? "target"}/debug/arvak-dev-server`;
  const child = spawn(bin, ["--addr", "127.0.0.1:0", "--www", `${root}www`, "--csp", "--seed", "3"], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /arvak-dev-server listening on (http\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`dev server exited (${code}) before listening: ${out}`)));
  });
  return { url, stop: async () => { child.kill("SIGTERM"); await exited; } };
}

test("with the server stopped, the local backend is chosen with a notice and runs in the browser; local and server results compare side by side", { timeout: 90000 }, async (t) => {
  const server = await ownServer();
  t.after(() => server.stop());
  const { page, problems: pageProblems, close } = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  t.after(close);
  const response = await page.goto(`${server.url}/`);
  assert.equal(response.status(), 200);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  assert.deepEqual(await page.$$eval("#backend option", (o) => o.map((x) => x.value)), ["simulator", "local"]);

  // A server result first, then the same circuit locally, side by side.
  await page.fill("#shots", "4000");
  await runAndWait(page);
  await page.waitForSelector("#compare", { timeout: 10000 });
  assert.match(await page.textContent("#compare"), /Compare with local/);
  await page.click("#compare");
  await page.waitForSelector("#comparison", { timeout: 20000 });
  const tvd = Number(await page.getAttribute("#comparison", "data-tvd"));
  assert.ok(tvd >= 0 && tvd < 0.05, `Bell locally and on the server: TVD ${tvd}`);
  assert.deepEqual((await bars(page, "#compare-right")).map((b) => b.key), ["00", "11"]);
  await shot(page, "15-compare-local-and-server");

  // The server goes away; reconnecting fails and the page falls back to the local backend.
  await server.stop();
  await page.click("#connect");
  await page.waitForSelector("#backend-note", { timeout: 20000 });
  assert.match(await page.textContent("#backend-note"), /cannot be reached .* local simulator in this browser/);
  assert.equal(await page.inputValue("#backend"), "local");
  await page.fill("#code", "OPENQASM 3.0;\nqubit[3] q;\nh q[0];\ncx q[0], q[1];\ncx q[1], q[2];\n");
  await page.fill("#shots", "2000");
  await runAndWait(page);
  assert.match(await page.textContent("#result-job"), /^local · job local-\d+$/);
  const local = await bars(page);
  assert.deepEqual(local.map((b) => b.key), ["000", "111"]);
  assert.equal(local.reduce((s, b) => s + b.count, 0), 2000);
  assert.equal(await page.isEnabled("#batch-run"), false, "batches need the server");
  await shot(page, "16-local-run-server-stopped");
  // The failed connection is reported on the page (expected); nothing else went wrong.
  assert.deepEqual(pageProblems.filter((p) => !/Failed to fetch|NetworkError|ERR_CONNECTION_REFUSED|fetch/i.test(p)), []);
});

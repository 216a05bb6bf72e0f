// The browsers the playground test runs in, behind one small interface:
//
//   const browser = await launch("chromium" | "firefox");
//   const { page, problems, close } = await browser.newPage({ viewport, initScript });
//   const response = await page.goto(url);   // response.status(), response.headers()
//
// Chromium: Debian's chromium driven by playwright-core; `page` is a playwright Page.
// Firefox: Debian's firefox-esr driven by selenium-webdriver through geckodriver (playwright cannot drive
// a stock Firefox): one browser profile for the run and one window per page (where playwright gives each
// page a fresh context, so storage is shared here: the storage checks only get stricter); `page` is a
// WebDriverPage, which implements the part of playwright's Page API the test uses with the same meaning
// (waitForSelector waits for a visible element, textContent is the DOM's textContent, evaluate returns
// undefined as undefined). Page errors and console errors come from
// WebDriver BiDi's log events (Firefox reports CSP violations there as "javascript" errors; checked by
// injecting an inline script, a console.error and an uncaught throw into the playground).

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const TOOLS = new URL("../../tools/node_modules/", import.meta.url);
const toolsRequire = createRequire(new URL("../../tools/package.json", import.meta.url));
const selenium = () => toolsRequire("selenium-webdriver");

export const BROWSERS = ["chromium", "firefox"];

export async function launch(name) {
  if (name === "chromium") return launchChromium();
  if (name === "firefox") return launchFirefox();
  throw new Error(`unknown browser "${name}" (one of ${BROWSERS.join(", ")})`);
}

// ---- Chromium (playwright-core) -------------------------------------------------------------------

async function launchChromium() {
  const { chromium } = await import(new URL("playwright-core/index.mjs", TOOLS));
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return {
    name: "chromium",
    async newPage({ viewport, initScript }) {
      const context = await browser.newContext({ viewport, acceptDownloads: true });
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
      if (initScript) await page.addInitScript(initScript);
      return { page, problems, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

// ---- Firefox (selenium-webdriver + geckodriver) ----------------------------------------------------

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not on PATH (scripts/setup.sh installs it into ~/.cargo/bin)`);
}

async function launchFirefox() {
  const { Builder } = selenium();
  const firefox = toolsRequire("selenium-webdriver/firefox");
  const downloads = mkdtempSync(join(tmpdir(), "arvak-e2e-downloads-"));
  const options = new firefox.Options()
    .setBinary("/usr/bin/firefox-esr")
    .addArguments("-headless")
    .enableBidi()
    // Downloads go straight to a known directory, without a dialog.
    .setPreference("browser.download.folderList", 2)
    .setPreference("browser.download.dir", downloads)
    .setPreference("browser.download.useDownloadDir", true)
    .setPreference("browser.download.always_ask_before_handling_new_types", false)
    .setPreference("browser.helperApps.neverAsk.saveToDisk", "text/csv,application/json");
  // Both paths given, so selenium-webdriver never runs Selenium Manager (which would try to download).
  const service = new firefox.ServiceBuilder(findOnPath("geckodriver"));
  const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(service).build();
  const bidi = await driver.getBidi();
  await bidi.subscribe(["log.entryAdded", "network.responseCompleted"]);
  const listeners = new Set();
  (await bidi.socket).on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === "event") for (const listener of listeners) listener(message);
  });
  // Windows are separate top-level contexts; commands go to whichever window is current.
  let current = await driver.getWindowHandle();
  const blank = current;
  const focus = async (handle) => {
    if (current !== handle) { await driver.switchTo().window(handle); current = handle; }
  };

  return {
    name: "firefox",
    async newPage({ viewport, initScript }) {
      await driver.switchTo().newWindow("window");
      const handle = await driver.getWindowHandle();
      current = handle;
      const problems = [];
      const onEvent = ({ method, params }) => {
        if (method !== "log.entryAdded" || params.source?.context !== handle || params.level !== "error") return;
        problems.push(`${params.type === "javascript" ? "page error" : "console error"}: ${params.text}`);
      };
      listeners.add(onEvent);
      if (viewport) await bidi.send({ method: "browsingContext.setViewport", params: { context: handle, viewport } });
      if (initScript) {
        await bidi.send({ method: "script.addPreloadScript", params: { functionDeclaration: String(initScript), contexts: [handle] } });
      }
      const page = new WebDriverPage({ driver, handle, focus, listeners, downloads });
      return {
        page,
        problems,
        async close() {
          listeners.delete(onEvent);
          await focus(handle);
          await driver.close();
          await focus(blank);
        },
      };
    },
    async close() {
      await driver.quit();
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const UNDEFINED = "__arvak_e2e_undefined__";
// Playwright's visibility: a non-empty box and not visibility:hidden.
const VISIBLE = "(e) => { if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }";

/** The subset of playwright's Page the playground test uses, over WebDriver (classic + BiDi). */
class WebDriverPage {
  constructor({ driver, handle, focus, listeners, downloads }) {
    Object.assign(this, { driver, handle, focusWindow: focus, listeners, downloads });
    const page = this;
    this.keyboard = {
      press: async (key) => page.#keys(key),
      type: async (text) => page.#keys(text),
    };
  }

  /** Runs `body` (a function body using `args`) in the page and returns its value (undefined kept). */
  async #run(body, ...args) {
    await this.focusWindow(this.handle);
    const value = await this.driver.executeScript(
      `const args = arguments; const v = (() => { ${body} })(); return v === undefined ? ${JSON.stringify(UNDEFINED)} : v;`, ...args);
    return value === UNDEFINED ? undefined : value;
  }

  async #keys(keys) {
    const { Key } = selenium();
    const named = { Enter: Key.ENTER, End: Key.END, Tab: Key.TAB, Escape: Key.ESCAPE };
    await this.focusWindow(this.handle);
    await this.driver.switchTo().activeElement().sendKeys(named[keys] ?? keys);
  }

  /** The first element matching `selector`, waiting up to `timeout` for it to exist (and be visible). */
  async #element(selector, { timeout = 20000, visible = false } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const ok = await this.#run(`const e = document.querySelector(args[0]); return !!e && (!args[1] || (${VISIBLE})(e));`, selector, visible);
      if (ok) {
        return this.driver.findElement(selenium().By.css(selector));
      }
      if (Date.now() > deadline) throw new Error(`waiting for ${visible ? "visible " : ""}${selector}: timed out after ${timeout} ms`);
      await sleep(50);
    }
  }

  async goto(url) {
    await this.focusWindow(this.handle);
    let response;
    const onEvent = ({ method, params }) => {
      if (method === "network.responseCompleted" && params.context === this.handle && params.navigation && !response) response = params.response;
    };
    this.listeners.add(onEvent);
    try {
      await this.driver.get(url);
      for (let i = 0; !response && i < 100; i++) await sleep(20);
    } finally {
      this.listeners.delete(onEvent);
    }
    if (!response) throw new Error(`no navigation response seen for ${url}`);
    const headers = Object.fromEntries(response.headers.map((h) => [h.name.toLowerCase(), h.value.value]));
    return { status: () => response.status, headers: () => headers };
  }

  /** Asynchronous here (playwright's is synchronous): callers `await page.url()`, which works for both. */
  url() { return this.#run("return location.href;"); }

  async waitForSelector(selector, { timeout = 30000 } = {}) {
    await this.#element(selector, { timeout, visible: true });
  }

  async waitForFunction(fn, arg, { timeout = 30000 } = {}) {
    const deadline = Date.now() + timeout;
    while (!(await this.#run(`return !!(${fn})(args[0]);`, arg))) {
      if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await sleep(50);
    }
  }

  waitForTimeout(ms) { return sleep(ms); }

  evaluate(fn, arg) { return this.#run(`return (${fn})(args[0]);`, arg); }

  $$eval(selector, fn, arg) {
    return this.#run(`return (${fn})(Array.from(document.querySelectorAll(args[0])), args[1]);`, selector, arg);
  }

  async textContent(selector) {
    await this.#element(selector);
    return this.#run("return document.querySelector(args[0]).textContent;", selector);
  }

  async inputValue(selector) {
    await this.#element(selector);
    return this.#run("return document.querySelector(args[0]).value;", selector);
  }

  async getAttribute(selector, name) {
    await this.#element(selector);
    return this.#run("return document.querySelector(args[0]).getAttribute(args[1]);", selector, name);
  }

  async isEnabled(selector) {
    await this.#element(selector);
    return this.#run("return !document.querySelector(args[0]).disabled;", selector);
  }

  isVisible(selector) {
    return this.#run(`return (${VISIBLE})(document.querySelector(args[0]));`, selector);
  }

  async click(selector) {
    await (await this.#element(selector, { visible: true })).click();
  }

  async check(selector) {
    const element = await this.#element(selector, { visible: true });
    if (!(await element.isSelected())) await element.click();
  }

  async focus(selector) {
    await this.#element(selector);
    await this.#run("document.querySelector(args[0]).focus();", selector);
  }

  /** Like playwright's fill: focus, replace the value, one `input` event. */
  async fill(selector, value) {
    await this.#element(selector, { visible: true });
    await this.#run(`const e = document.querySelector(args[0]); e.focus(); e.value = args[1];
      e.dispatchEvent(new Event("input", { bubbles: true }));`, selector, value);
  }

  /** Selects the option with this value with real input (like playwright: input and change events). */
  async selectOption(selector, value) {
    const { By } = selenium();
    const element = await this.#element(selector, { visible: true });
    const options = await element.findElements(By.css(`option[value="${value}"]`));
    if (options.length === 0) throw new Error(`${selector} has no option "${value}"`);
    await options[0].click();
  }

  async press(selector, key) {
    await this.focus(selector);
    await this.#keys(key);
  }

  /** A download started by the next action: resolves once a new, complete file is in the download dir. */
  waitForEvent(name) {
    if (name !== "download") throw new Error(`waitForEvent("${name}") is not implemented for WebDriver`);
    const before = new Set(readdirSync(this.downloads));
    const dir = this.downloads;
    return (async () => {
      const deadline = Date.now() + 20000;
      for (;;) {
        const files = readdirSync(dir).filter((f) => !before.has(f) && !f.endsWith(".part"));
        const partial = readdirSync(dir).some((f) => f.endsWith(".part"));
        if (files.length > 0 && !partial) return { path: async () => join(dir, files[0]), suggestedFilename: () => files[0] };
        if (Date.now() > deadline) throw new Error(`no download appeared in ${dir}`);
        await sleep(50);
      }
    })();
  }

  async screenshot({ path, fullPage }) {
    await this.focusWindow(this.handle);
    const png = fullPage ? await this.driver.takeFullPageScreenshot() : await this.driver.takeScreenshot();
    writeFileSync(path, Buffer.from(png, "base64"));
  }
}

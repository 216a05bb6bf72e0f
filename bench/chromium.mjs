// The headless Chromium every benchmark script drives: Debian's chromium through playwright-core
// (from tools/), with background work off and a --tls dev server's self-signed certificate accepted.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), "..", "tools", "package.json"));
const { chromium } = require("playwright-core");

/** Launches it; `extraArgs` are added to the common flags. */
export function launchBenchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--ignore-certificate-errors",
      ...extraArgs,
    ],
  });
}

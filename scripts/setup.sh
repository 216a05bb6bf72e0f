#!/usr/bin/env bash
# Installs every prerequisite for building and testing arvak-grpc-wasm on a fresh
# Debian machine of this project's kind. Idempotent: each step checks before it installs.
# Only the package registries are reachable, so nothing here downloads a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
# The second browser engine: Debian's Firefox ESR, driven through geckodriver (a Rust crate; not in Debian).
GECKODRIVER_VERSION=0.37.1
# The wasm-bindgen CLI must equal the crate version pinned in Cargo.toml / Cargo.lock,
# or wasm-pack tries to download one (which fails here).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)
: "${WASM_BINDGEN_VERSION:?could not read the pinned wasm-bindgen version from Cargo.toml}"

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  log "installing chromium + chromium-driver (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ ! -x /usr/bin/firefox-esr ]; then
  log "installing firefox-esr (Debian; ~30 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq firefox-esr >/dev/null
fi

# Read the version first: `grep -q` closing the pipe early would make geckodriver fail under pipefail.
gecko_have=$(geckodriver --version 2>/dev/null || true)
if [ "${gecko_have%%$'\n'*}" != "geckodriver $GECKODRIVER_VERSION" ]; then
  log "building geckodriver $GECKODRIVER_VERSION from crates.io (~1.5–2.5 min cold)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi

# The third engine: WebKitGTK's WebKitWebDriver (it starts WebKitGTK's MiniBrowser), which needs an X
# display: Xvfb through xvfb-run (xauth is what xvfb-run uses for the display's cookie).
if [ ! -x /usr/bin/WebKitWebDriver ] || [ ! -x /usr/bin/xvfb-run ] || ! command -v xauth >/dev/null; then
  log "installing webkit2gtk-driver + xvfb (Debian; ~60 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq webkit2gtk-driver xvfb xauth >/dev/null
fi

if ! command -v wasm-pack >/dev/null || ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  log "building wasm-pack $WASM_PACK_VERSION from crates.io (~3.5 min cold)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

if ! command -v wasm-bindgen >/dev/null || ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (~6 min cold)"
  # Not --locked: its lockfile pins a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Node tooling: binaryen (wasm-opt), esbuild, playwright-core, selenium-webdriver, typescript — from the npm registry.
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/playwright-core ] \
  || [ ! -d tools/node_modules/selenium-webdriver ] || [ ! -x tools/node_modules/.bin/tsc ] \
  || [ ! -x tools/node_modules/.bin/esbuild ]; then
  log "installing node tools (binaryen, esbuild, playwright-core, selenium-webdriver, typescript) into tools/node_modules"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian's binaryen (wasm-opt 108) silently breaks the shipped module: refuse it.
WASM_OPT="$PWD/tools/node_modules/.bin/wasm-opt"
ver=$("$WASM_OPT" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ -z "$ver" ] || [ "$ver" -lt 116 ]; then
  log "wasm-opt at $WASM_OPT is version '$ver'; need >= 116 (Debian's 108 corrupts externref tables)"
  exit 1
fi
log "ready: $(wasm-pack --version), $(wasm-bindgen --version), wasm-opt $ver, $(chromium --version 2>/dev/null | head -n1), $(firefox-esr --version 2>/dev/null | head -n1), $(geckodriver --version 2>/dev/null | head -n1), WebKitGTK $(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null)"

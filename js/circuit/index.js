// arvak-grpc-wasm/circuit: validate, draw and simulate OpenQASM 3 in the page, from the same core
// the service's rules are written in (crates/arvak-circuit). A second wasm module, loaded only
// when `loadCircuitTools()` is called: the client's own module and start-up are unchanged.
//
// Validation and drawing run on the calling thread (they take microseconds to a few ms);
// simulations run in a module Web Worker (worker.js) so the page never freezes, or on the
// calling thread where there is no Worker (Node, or `{ worker: false }`).

import initCircuit, * as wasm from './arvak_circuit.js';
import { ArvakError, InvalidCircuitError, JobFailedError, ArvakAbortError } from '../index.js';

/** Most qubits a local simulation runs (a 2^20-amplitude state vector, 16 MiB). */
export const LOCAL_MAX_QUBITS = 20;
/** Most shots a local simulation takes, as many as the service's simulator. */
export const LOCAL_MAX_SHOTS = 100000;
/** The backend id that names the in-browser simulator. */
export const LOCAL_BACKEND_ID = 'local';

const INVALID_ARGUMENT = { code: 3, codeName: 'INVALID_ARGUMENT' };

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : `a ${t}`;
}

function badArgument(message) {
  return new ArvakError(message, { ...INVALID_ARGUMENT });
}

function checkString(value, name) {
  if (typeof value !== 'string') throw badArgument(`${name} must be a string, got ${typeName(value)}`);
  return value;
}

/** Reads `options` (null/undefined: defaults); every field through one getter call. */
function readOptions(options, name) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw badArgument(`${name} must be an object, got ${typeName(options)}`);
  }
  return options;
}

function readField(options, field, name) {
  try {
    return options[field];
  } catch (cause) {
    throw new ArvakError(`${name}.${field} could not be read: ${cause}`, { ...INVALID_ARGUMENT, cause });
  }
}

function readCount(options, field, name, max) {
  const v = readField(options, field, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw badArgument(`${name}.${field} must be an integer from 0 to ${max}, got ${typeof v === 'number' ? v : typeName(v)}`);
  }
  return v;
}

/** The backend option → [kind, id, maxQubits, maxShots, gates] for the module. */
function readBackend(options, name) {
  const backend = readField(options, 'backend', name);
  if (backend === undefined || backend === null) return ['', '', 0, 0, ''];
  if (typeof backend === 'string') {
    if (backend === 'simulator') return ['simulator', backend, 0, 0, ''];
    if (backend === LOCAL_BACKEND_ID) return ['local', backend, 0, 0, ''];
    return ['described', backend, 0, 0, ''];
  }
  if (typeof backend !== 'object' || Array.isArray(backend)) {
    throw badArgument(`${name}.backend must be a backend id or a BackendInfo, got ${typeName(backend)}`);
  }
  const where = `${name}.backend`;
  const id = checkString(readField(backend, 'backendId', where), `${where}.backendId`);
  if (id === 'simulator') return ['simulator', id, 0, 0, ''];
  if (id === LOCAL_BACKEND_ID) return ['local', id, 0, 0, ''];
  const maxQubits = readCount(backend, 'maxQubits', where, 0xffffffff) ?? 0;
  const maxShots = readCount(backend, 'maxShots', where, 0xffffffff) ?? 0;
  const gates = readField(backend, 'supportedGates', where) ?? [];
  if (!Array.isArray(gates) || gates.some((g) => typeof g !== 'string')) {
    throw badArgument(`${where}.supportedGates must be an array of strings`);
  }
  return ['described', id, maxQubits, maxShots, gates.join(',')];
}

/** A module answer, `{ error }` turned into the package's error classes. */
function answer(text) {
  const value = JSON.parse(text);
  if (value.error) {
    const { kind, message } = value.error;
    if (kind === 'invalid') throw new InvalidCircuitError(message, { ...INVALID_ARGUMENT });
    throw new JobFailedError(message, { code: 10, codeName: 'ABORTED' });
  }
  return value;
}

/** A result of a local run, with the members of the client's `JobResult`. */
class LocalJobResult {
  constructor(jobId, counts, shots, executionTimeMs, metadata) {
    this.jobId = jobId;
    this.counts = Object.freeze(counts);
    this.shots = shots;
    this.executionTimeMs = executionTimeMs;
    this.metadata = metadata;
  }

  /** Bitstring → fraction of the shots (of the counts' sum when `shots` is 0). */
  probabilities() {
    const entries = Object.entries(this.counts);
    const total = this.shots > 0 ? this.shots : entries.reduce((s, [, n]) => s + n, 0);
    const out = {};
    for (const [k, n] of entries) out[k] = total > 0 ? n / total : 0;
    return out;
  }

  /** The most frequent outcome (ties: the smallest bitstring), or null without counts. */
  mostFrequent() {
    let best = null;
    for (const [bitstring, count] of Object.entries(this.counts)) {
      if (best === null || count > best.count || (count === best.count && bitstring < best.bitstring)) {
        best = { bitstring, count };
      }
    }
    if (best === null) return null;
    const p = this.probabilities()[best.bitstring];
    return { bitstring: best.bitstring, count: best.count, probability: p };
  }

  /** The plain data (what `JSON.stringify` writes). */
  toJSON() {
    const { jobId, counts, shots, executionTimeMs, metadata } = this;
    return { jobId, counts, shots, executionTimeMs, metadata };
  }

  /** Nothing to free (kept so it can stand where a `JobResult` is expected). */
  free() {}

  [Symbol.dispose]() {}
}

let localRuns = 0;

function randomSeed() {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return words[0] * 2 ** 32 + words[1];
}

function splitSeed(seed) {
  return [Math.floor(seed / 2 ** 32), seed % 2 ** 32];
}

function abortError(signal) {
  const reason = signal?.reason;
  return new ArvakAbortError(reason instanceof Error ? reason.message : 'The local simulation was aborted', {
    code: 1,
    codeName: 'CANCELLED',
    cause: reason,
  });
}

/** The loaded circuit tools. */
export class CircuitTools {
  #wasmUrl;
  #useWorker;
  #worker = null;
  #pending = new Map();
  #nextCall = 1;

  /** Use `loadCircuitTools()`. */
  constructor(key, wasmUrl, useWorker) {
    if (key !== CONSTRUCT) throw new TypeError('use loadCircuitTools() to create CircuitTools');
    this.#wasmUrl = wasmUrl;
    this.#useWorker = useWorker;
  }

  /** Checks `source` as the service would (see index.d.ts). */
  validateQasm(source, options) {
    checkString(source, 'source');
    const o = readOptions(options, 'options');
    const [kind, id, maxQubits, maxShots, gates] = readBackend(o, 'options');
    const shots = readCount(o, 'shots', 'options', 0xffffffff);
    const limits = readOptions(readField(o, 'limits', 'options'), 'options.limits');
    const limitQubits = readCount(limits, 'maxQubits', 'options.limits', 0xffffffff) ?? 0;
    const limitGates = readCount(limits, 'maxGates', 'options.limits', 0xffffffff) ?? 0;
    return JSON.parse(
      wasm.validate(source, kind, id, maxQubits, maxShots, gates, shots ?? -1, limitQubits, limitGates),
    );
  }

  /** The gates the local simulator runs: every built-in gate of the subset, by OpenQASM name. */
  localGates() {
    return JSON.parse(wasm.gateNames());
  }

  /** The circuit diagram of `source` as an SVG string; `InvalidCircuitError` if it does not parse. */
  drawCircuit(source) {
    checkString(source, 'source');
    return answer(wasm.draw(source)).svg;
  }

  /** Runs `source` in this browser (see index.d.ts). */
  simulateLocally(source, options) {
    try {
      checkString(source, 'source');
      const o = readOptions(options, 'options');
      const shots = readCount(o, 'shots', 'options', LOCAL_MAX_SHOTS) ?? 1024;
      const seed = readCount(o, 'seed', 'options', Number.MAX_SAFE_INTEGER) ?? randomSeed();
      const signal = readField(o, 'signal', 'options');
      if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
        throw badArgument(`options.signal must be an AbortSignal, got ${typeName(signal)}`);
      }
      if (signal?.aborted) return Promise.reject(abortError(signal));
      const jobId = `local-${++localRuns}`;
      const run = this.#useWorker ? this.#inWorker(source, shots, seed, signal) : this.#here(source, shots, seed);
      return run.then(({ text, ms }) => {
        const { counts } = answer(text);
        return new LocalJobResult(jobId, counts, shots, ms, { backend: LOCAL_BACKEND_ID, seed });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Stops the simulation worker (a later simulation starts a new one). Pending runs reject. */
  close() {
    this.#stopWorker(new ArvakAbortError('The circuit tools were closed', { code: 1, codeName: 'CANCELLED' }));
  }

  async #here(source, shots, seed) {
    const started = performance.now();
    const text = wasm.simulate(source, shots, ...splitSeed(seed));
    return { text, ms: Math.round(performance.now() - started) };
  }

  #inWorker(source, shots, seed, signal) {
    if (this.#worker === null) {
      // Written out literally so bundlers (Vite, webpack 5) find the worker and bundle it with its imports.
      this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'arvak-circuit' });
      this.#worker.onmessage = (event) => {
        const { call, text, ms, failure } = event.data;
        const pending = this.#pending.get(call);
        if (!pending) return;
        this.#pending.delete(call);
        pending.cleanup();
        if (failure !== undefined) pending.reject(new ArvakError(`The simulation worker failed: ${failure}`));
        else pending.resolve({ text, ms });
      };
      this.#worker.onerror = (event) => {
        event.preventDefault?.();
        this.#stopWorker(new ArvakError(`The simulation worker failed: ${event.message ?? 'could not start'}`));
      };
      this.#worker.postMessage({ init: this.#wasmUrl });
    }
    const call = this.#nextCall++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // A simulation cannot be interrupted inside the module: the worker is stopped instead.
        this.#pending.delete(call);
        reject(abortError(signal));
        this.#stopWorker(new ArvakAbortError('Another local simulation was aborted', { code: 1, codeName: 'CANCELLED' }));
      };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(call, { resolve, reject, cleanup });
      this.#worker.postMessage({ call, source, shots, seed: splitSeed(seed) });
    });
  }

  #stopWorker(error) {
    this.#worker?.terminate();
    this.#worker = null;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      p.cleanup();
      p.reject(error);
    }
  }
}

const CONSTRUCT = Symbol('CircuitTools');
let loading = null;

/**
 * Loads the circuit tools' wasm module (once per page; later calls share it) and returns the
 * tools. `options.module_or_path` loads the .wasm from elsewhere (as the client's `init()`);
 * `options.worker: false` runs simulations on the calling thread.
 */
export async function loadCircuitTools(options) {
  const o = readOptions(options, 'options');
  const source = readField(o, 'module_or_path', 'options');
  const worker = readField(o, 'worker', 'options');
  if (worker !== undefined && worker !== null && typeof worker !== 'boolean') {
    throw badArgument(`options.worker must be a boolean, got ${typeName(worker)}`);
  }
  const wasmUrl = new URL('./arvak_circuit_bg.wasm', import.meta.url);
  if (loading === null) {
    loading = initCircuit({ module_or_path: source ?? (await defaultWasm(wasmUrl)) }).catch((e) => {
      loading = null;
      throw new ArvakError(`The circuit tools' module could not be loaded: ${e?.message ?? e}`, { cause: e });
    });
  }
  await loading;
  const useWorker = worker !== false && typeof Worker === 'function';
  return new CircuitTools(CONSTRUCT, wasmForWorker(source, wasmUrl), useWorker);
}

/** What the worker loads the module from: the same source when it can be posted, else the URL. */
function wasmForWorker(source, wasmUrl) {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  return wasmUrl.href;
}

/** The .wasm next to this module: its URL, or its bytes in Node (where fetch cannot read file:). */
async function defaultWasm(url) {
  if (url.protocol === 'file:' && typeof process === 'object' && process.versions?.node) {
    // Computed, so bundlers neither resolve nor bundle node:fs for the browser (as the client's init()).
    const fsModule = ['node', 'fs/promises'].join(':');
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fsModule);
    return readFile(url);
  }
  return url;
}

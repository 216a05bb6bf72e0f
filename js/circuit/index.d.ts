// Types of arvak-grpc-wasm/circuit (the shapes js/circuit/index.js and the module's JSON answers
// have; the package tests check each declared field against real output).

import type { BackendInfo, JobResult } from '../index.js';

/** Most qubits a local simulation runs. */
export declare const LOCAL_MAX_QUBITS: 20;
/** Most shots a local simulation takes. */
export declare const LOCAL_MAX_SHOTS: 100000;
/** The backend id that names the in-browser simulator. */
export declare const LOCAL_BACKEND_ID: 'local';

/** Options of `loadCircuitTools`. */
export interface LoadCircuitToolsOptions {
  /** Where to load `arvak_circuit_bg.wasm` from (default: next to this module). */
  module_or_path?: string | URL | Response | BufferSource | WebAssembly.Module | null;
  /** `false`: run simulations on the calling thread instead of a Web Worker (default: a worker where there is one). */
  worker?: boolean | null;
}

/** Options of `validateQasm`. */
export interface ValidateOptions {
  /**
   * The backend the program is for: `"simulator"` (the service's simulator: its limits and the gates
   * it fails on), `"local"` (the in-browser simulator), another id (only the service's own checks),
   * or a `BackendInfo` from `listBackends()` (its `maxQubits`, `maxShots` and `supportedGates`).
   */
  backend?: string | Pick<BackendInfo, 'backendId'> & Partial<Pick<BackendInfo, 'maxQubits' | 'maxShots' | 'supportedGates'>> | null;
  /** Shots to be requested, checked against the backend's maximum. */
  shots?: number | null;
  /** The server's complexity limits (default: the service's, 200 qubits and 50 000 operations). */
  limits?: { maxQubits?: number | null; maxGates?: number | null } | null;
}

/** One problem in the source. */
export interface QasmDiagnostic {
  /** `"error"`: SubmitJob would reject the program; `"warning"`: the job would be accepted and fail. */
  severity: 'error' | 'warning';
  /** The service's own text: the status message (`[permanent] QASM parse error: …`) or the FAILED job's error. */
  message: string;
  /** 1-based line of the start. */
  line: number;
  /** 1-based column of the start, in UTF-16 code units. */
  column: number;
  /** 1-based line of the end. */
  endLine: number;
  /** 1-based column just after the end (equal to `column` for a point). */
  endColumn: number;
  /** String index of the start in the source (UTF-16). */
  start: number;
  /** String index just after the end. */
  end: number;
}

/** What `validateQasm` found. */
export interface ValidationReport {
  /** No errors: SubmitJob would accept it (warnings may remain). */
  ok: boolean;
  /** Qubits declared (0 when it does not parse). */
  qubits: number;
  /** Classical bits declared. */
  clbits: number;
  /** Gate operations after broadcasts are expanded. */
  gates: number;
  /** All operations, as the service's complexity limit counts them. */
  operations: number;
  /** Circuit depth (gates, measurements and resets; barriers and delays do not count). */
  depth: number;
  /**
   * Errors first (at most one: the service stops at the first), then warnings in the order the backend
   * checks them (shots, qubits, then operations in program order): a FAILED job's error is the first warning's.
   */
  diagnostics: QasmDiagnostic[];
}

/** Options of `simulateLocally`. */
export interface SimulateOptions {
  /** Shots (default 1024, at most `LOCAL_MAX_SHOTS`). */
  shots?: number | null;
  /** A seed (a safe integer) for reproducible counts; random by default. */
  seed?: number | null;
  /** Aborts the run (the worker is stopped; the promise rejects with `ArvakAbortError`). */
  signal?: AbortSignal | null;
}

/** Metadata of a local result. */
export interface LocalResultMetadata {
  backend: 'local';
  /** The seed the run used: pass it again to get the same counts. */
  seed: number;
}

/** The loaded tools. */
export declare class CircuitTools {
  private constructor();
  /**
   * Checks `source` exactly as SubmitJob would (parse errors, complexity limits) and warns of what
   * the chosen backend would fail the job for. Synchronous; never throws for any source text.
   */
  validateQasm(source: string, options?: ValidateOptions | null): ValidationReport;
  /** The gates the local simulator runs: every built-in gate of the subset, by OpenQASM name (`["x", "y", …, "cswap"]`). */
  localGates(): string[];
  /** The circuit diagram as an SVG string. Throws `InvalidCircuitError` when the program does not parse. */
  drawCircuit(source: string): string;
  /**
   * Runs `source` in this browser, in a Web Worker, and resolves to a result of the same shape as the
   * service's (`counts` with qubit 0 rightmost, `probabilities()`, `mostFrequent()`). Rejects with
   * `InvalidCircuitError` (does not parse), `JobFailedError` (symbolic angle, more than
   * `LOCAL_MAX_QUBITS` qubits or `LOCAL_MAX_SHOTS` shots) or `ArvakAbortError`.
   */
  simulateLocally(source: string, options?: SimulateOptions | null): Promise<JobResult & { metadata: LocalResultMetadata }>;
  /** Stops the simulation worker; runs in progress reject with `ArvakAbortError`. */
  close(): void;
}

/** Loads the circuit tools' wasm module (once; later calls share it). */
export declare function loadCircuitTools(options?: LoadCircuitToolsOptions | null): Promise<CircuitTools>;

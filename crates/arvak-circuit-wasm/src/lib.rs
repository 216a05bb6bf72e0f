//! The circuit tools' wasm module: thin exports over [`arvak_circuit`] for the hand-written
//! JavaScript entry `arvak-grpc-wasm/circuit` (js/circuit/), which checks every argument, builds
//! the typed errors and runs simulations in a Web Worker.
//!
//! Every export answers with JSON text (a report, an SVG, counts, or `{"error": …}`) instead
//! of JavaScript objects: one `JSON.parse` on the other side, no per-field boundary calls, and
//! nothing that can trap on a malformed value. The JSON is produced by [`json`]; its shapes are
//! declared for TypeScript in js/circuit/index.d.ts and checked against real output by the
//! package tests.

pub mod json;

use arvak_circuit::complexity::ComplexityLimits;
use arvak_circuit::validate::{self, Target};
use arvak_circuit::{draw, qasm, simulator, simulator_backend};
use rand::SeedableRng;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::wasm_bindgen;

/// Shots a local simulation accepts, as many as the service's simulator.
pub const LOCAL_MAX_SHOTS: u32 = simulator_backend::MAX_SHOTS;

/// The backend to validate for, as the JS entry describes it: `kind` is `""` (none),
/// `"simulator"` (the service's simulator), `"local"` or `"described"` (the other fields from
/// its `BackendInfo`; 0 and `""` mean unknown; `gates` is comma-separated).
pub fn target(
    kind: &str,
    id: &str,
    max_qubits: u32,
    max_shots: u32,
    gates: &str,
) -> Option<Target> {
    match kind {
        "simulator" => Some(Target::ServiceSimulator),
        "local" => Some(Target::Local),
        "described" => Some(Target::Described {
            id: id.to_string(),
            max_qubits: (max_qubits > 0).then_some(max_qubits as usize),
            max_shots: (max_shots > 0).then_some(max_shots),
            supported_gates: (!gates.is_empty())
                .then(|| gates.split(',').map(str::to_string).collect()),
        }),
        _ => None,
    }
}

/// `validateQasm`: the report as JSON. `shots < 0` means not given; limits of 0 mean the
/// service's defaults.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen)]
pub fn validate(
    source: &str,
    kind: &str,
    id: &str,
    max_qubits: u32,
    max_shots: u32,
    gates: &str,
    shots: f64,
    limit_qubits: u32,
    limit_gates: u32,
) -> String {
    let defaults = ComplexityLimits::default();
    let options = validate::Options {
        target: target(kind, id, max_qubits, max_shots, gates),
        shots: (shots >= 0.0).then_some(shots.min(u32::MAX as f64) as u32),
        limits: ComplexityLimits {
            max_qubits: if limit_qubits > 0 {
                limit_qubits as usize
            } else {
                defaults.max_qubits
            },
            max_gates: if limit_gates > 0 {
                limit_gates as usize
            } else {
                defaults.max_gates
            },
        },
    };
    json::report(&validate::validate(source, &options))
}

/// `drawCircuit`: `{"svg": …}`, or `{"error": …}` for a program the service would reject.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen)]
pub fn draw(source: &str) -> String {
    match qasm::parse(source) {
        Ok(circuit) => json::object(&[(
            "svg",
            json::string(&draw::draw_svg(&circuit, &draw::DrawOptions::default())),
        )]),
        Err(e) => json::error("invalid", &e.service_message()),
    }
}

/// The gates the local simulator runs (every built-in gate of the subset, spec §10.2), as a JSON
/// array of their OpenQASM names.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen(js_name = gateNames))]
pub fn gate_names() -> String {
    let names: Vec<String> = arvak_circuit::circuit::GateKind::ALL
        .iter()
        .map(|g| json::string(g.name()))
        .collect();
    format!("[{}]", names.join(","))
}

/// `simulateLocally` (inside the worker): `{"counts": {…}, "qubits": n}` sorted by key, or
/// `{"error": {"kind": "invalid" | "failed", "message": …}}`. The seed is two 32-bit halves.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen)]
pub fn simulate(source: &str, shots: u32, seed_high: u32, seed_low: u32) -> String {
    let circuit = match qasm::parse(source) {
        Ok(c) => c,
        Err(e) => return json::error("invalid", &e.service_message()),
    };
    if shots > LOCAL_MAX_SHOTS {
        return json::error(
            "failed",
            &format!(
                "Requested {shots} shots but the local simulator supports max {LOCAL_MAX_SHOTS}"
            ),
        );
    }
    let seed = (u64::from(seed_high) << 32) | u64::from(seed_low);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    match simulator::run(&circuit, shots, &mut rng) {
        Ok(counts) => json::object(&[
            ("counts", json::counts(&counts)),
            ("qubits", circuit.num_qubits.to_string()),
        ]),
        Err(e) => json::error("failed", &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_gate_list_names_every_built_in_gate() {
        let names = gate_names();
        assert!(
            names.starts_with("[\"x\",") && names.ends_with("\"cswap\"]"),
            "{names}"
        );
        assert_eq!(names.matches(',').count() + 1, 32);
        assert!(names.contains("\"crx\"") && names.contains("\"ecr\""));
    }
}

//! The `simulator` backend: its `BackendInfo` (spec §8.2) and the run itself; its limits and
//! run-time checks (FAILED jobs, spec §6.1) live in `arvak_circuit::simulator_backend`.

use std::collections::HashMap;
use std::time::Instant;

use rand::Rng;

use crate::circuit::Circuit;
use crate::proto::BackendInfo;
use crate::simulator;
use arvak_circuit::simulator_backend;

pub use arvak_circuit::simulator_backend::{
    ID as SIMULATOR_ID, MAX_QUBITS, MAX_SHOTS, SUPPORTED_GATES,
};

/// The `BackendInfo` of the simulator exactly as the service reports it.
pub fn simulator_info() -> BackendInfo {
    BackendInfo {
        backend_id: SIMULATOR_ID.to_string(),
        name: SIMULATOR_ID.to_string(),
        is_available: true,
        max_qubits: MAX_QUBITS as u32,
        max_shots: MAX_SHOTS,
        description: format!("{SIMULATOR_ID} ({MAX_QUBITS} qubits)"),
        supported_gates: SUPPORTED_GATES.iter().map(|g| g.to_string()).collect(),
        topology_json: fully_connected_topology(MAX_QUBITS),
    }
}

/// Looks a backend up by id.
pub fn lookup(backend_id: &str) -> Option<BackendInfo> {
    (backend_id == SIMULATOR_ID).then(simulator_info)
}

/// `{"kind":"FullyConnected","edges":[[0,1],…]}` with every pair `i < j`.
fn fully_connected_topology(n: usize) -> String {
    let edges: Vec<[usize; 2]> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| [i, j]))
        .collect();
    serde_json::json!({ "kind": "FullyConnected", "edges": edges }).to_string()
}

/// What a successful run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// Bitstring (qubit 0 rightmost) → shots.
    pub counts: HashMap<String, u64>,
    /// Wall time of the simulation in ms.
    pub execution_time_ms: u64,
}

/// Lays a circuit out on the device for `optimization_level > 0`: like the service's compiler,
/// the result spans every physical qubit, so count keys become `MAX_QUBITS` wide (spec §9).
pub fn compile_for_device(mut circuit: Circuit, optimization_level: u32) -> Circuit {
    if optimization_level > 0 && circuit.num_qubits <= MAX_QUBITS {
        circuit.num_qubits = MAX_QUBITS;
    }
    circuit
}

/// Runs a job; an `Err` is the job's FAILED message in the service's wording (the backend's
/// run-time checks first, spec §6.1).
pub fn run(circuit: &Circuit, shots: u32, rng: &mut impl Rng) -> Result<RunOutput, String> {
    if let Some(failure) = simulator_backend::run_failures(circuit, shots).first() {
        return Err(failure.to_string());
    }
    let started = Instant::now();
    let counts = simulator::run(circuit, shots, rng)
        .map_err(|e| format!("Backend submit failed: Backend error: simulation failed: {e}"))?;
    Ok(RunOutput {
        counts: counts.into_iter().collect(),
        execution_time_ms: started.elapsed().as_millis() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertises_the_service_record() {
        let info = simulator_info();
        assert_eq!(info.description, "simulator (20 qubits)");
        assert_eq!(info.supported_gates.len(), 32);
        let topology: serde_json::Value = serde_json::from_str(&info.topology_json).unwrap();
        assert_eq!(topology["kind"], "FullyConnected");
        assert_eq!(topology["edges"].as_array().unwrap().len(), 190);
        assert_eq!(info.topology_json.len(), 1365);
        assert!(lookup("nope").is_none());
    }
}

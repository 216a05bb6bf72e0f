//! `arvak.v1.ArvakService` as the Arvak server implements it (spec §6–§7): the same status codes,
//! message shapes and orders of checks, plus fault injection and call statistics for tests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use futures::Stream;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use crate::backend;
use crate::circuit::Circuit;
use crate::config::Settings;
use crate::faults::{Decision, FaultConfig, Stats};
use crate::limits::RateLimiter;
use crate::proto::arvak_service_server::ArvakService;
use crate::proto::batch_job_result::Result as BatchOutcome;
use crate::proto::circuit_payload::Format;
use crate::proto::*;
use crate::qasm;
use crate::store::{is_terminal, now_secs, CancelOutcome, JobStore, ResultError};
use arvak_circuit::complexity::ComplexityLimits;

/// The settings that `POST /__faults` can change while the server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    /// Minimum time a job stays RUNNING.
    pub min_job_ms: u64,
    /// Jobs per second per IP (0 = off).
    pub rate_limit: u32,
    /// Required `x-api-key`, if any.
    pub api_key: Option<String>,
}

impl Runtime {
    fn from_settings(settings: &Settings) -> Self {
        Runtime {
            min_job_ms: settings.min_job_ms,
            rate_limit: settings.rate_limit,
            api_key: settings.api_key.clone().filter(|k| !k.is_empty()),
        }
    }
}

/// Everything the service and the control endpoints share.
pub struct AppState {
    /// Start-up settings.
    pub settings: Settings,
    /// The jobs.
    pub store: JobStore,
    /// Per-IP job rate limit.
    pub limiter: RateLimiter,
    /// Call statistics.
    pub stats: Arc<Stats>,
    /// When the server started.
    pub started: Instant,
    /// Current fault rules.
    pub faults: RwLock<FaultConfig>,
    /// Current run-time settings.
    pub runtime: RwLock<Runtime>,
    /// When the current fault configuration was applied (the flapping cycle starts there).
    faults_since: RwLock<Instant>,
    fault_rng: Mutex<StdRng>,
    job_seq: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// Fresh state for the given settings; `shutdown` turning true ends open streams.
    pub fn new(settings: Settings, shutdown: watch::Receiver<bool>) -> Arc<Self> {
        let fault_seed = settings.seed.map_or_else(rand::random, |s| s ^ 0x5eed_fa17);
        Arc::new(AppState {
            store: JobStore::new(settings.job_capacity),
            limiter: RateLimiter::new(),
            stats: Arc::new(Stats::default()),
            started: Instant::now(),
            faults: RwLock::new(FaultConfig::default()),
            runtime: RwLock::new(Runtime::from_settings(&settings)),
            faults_since: RwLock::new(Instant::now()),
            fault_rng: Mutex::new(StdRng::seed_from_u64(fault_seed)),
            job_seq: AtomicU64::new(0),
            shutdown,
            settings,
        })
    }

    /// The current run-time settings.
    pub fn runtime(&self) -> Runtime {
        self.runtime
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies a fault configuration (rules replace the old ones; present settings change).
    pub fn apply_faults(&self, config: FaultConfig) {
        {
            let mut runtime = self.runtime.write().unwrap_or_else(|p| p.into_inner());
            if let Some(ms) = config.min_job_ms {
                runtime.min_job_ms = ms;
            }
            if let Some(limit) = config.rate_limit {
                runtime.rate_limit = limit;
            }
            if let Some(key) = &config.api_key {
                runtime.api_key = Some(key.clone()).filter(|k| !k.is_empty());
            }
        }
        *self.faults.write().unwrap_or_else(|p| p.into_inner()) = config;
        *self.faults_since.write().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Whether a flapping configuration has the server down right now.
    pub fn flap_down(&self) -> bool {
        let flap = self.faults.read().unwrap_or_else(|p| p.into_inner()).flap;
        let Some(flap) = flap else { return false };
        let since = *self.faults_since.read().unwrap_or_else(|p| p.into_inner());
        let elapsed = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
        flap.is_down(elapsed)
    }

    /// Drops every rule and returns the run-time settings to their start-up values.
    pub fn reset_faults(&self) {
        *self.faults.write().unwrap_or_else(|p| p.into_inner()) = FaultConfig::default();
        *self.runtime.write().unwrap_or_else(|p| p.into_inner()) =
            Runtime::from_settings(&self.settings);
    }

    fn rng_for_job(&self) -> StdRng {
        let seq = self.job_seq.fetch_add(1, Ordering::Relaxed);
        match self.settings.seed {
            Some(seed) => {
                StdRng::seed_from_u64(seed.wrapping_add(seq.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            }
            None => StdRng::seed_from_u64(rand::rng().next_u64()),
        }
    }
}

/// The gRPC service over the shared state.
#[derive(Clone)]
pub struct DevService {
    state: Arc<AppState>,
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

const FLAP_DOWN_MESSAGE: &str = "Injected fault: the server is down (flapping)";

const FAIL_AFTER_MESSAGE: &str =
    "Injected fault after processing: the call took effect but its response was dropped";

impl DevService {
    /// A service over `state`.
    pub fn new(state: Arc<AppState>) -> Self {
        DevService { state }
    }

    /// Common prologue: statistics, injected latency and failure, API key.
    async fn begin<T>(&self, rpc: &'static str, req: &Request<T>) -> Result<Decision, Status> {
        self.state.stats.record_call(rpc);
        if self.state.flap_down() {
            self.state.stats.record_fault();
            return Err(Status::unavailable(FLAP_DOWN_MESSAGE));
        }
        let decision = {
            let faults = self.state.faults.read().unwrap_or_else(|p| p.into_inner());
            let mut rng = self
                .state
                .fault_rng
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            Decision::roll(faults.rule_for(rpc), &mut *rng)
        };
        if decision.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
        }
        if let Some((code, message, pushback)) = &decision.fail_before {
            self.state.stats.record_fault();
            let mut metadata = MetadataMap::new();
            if let Some(ms) = pushback {
                if let Ok(value) = ms.to_string().parse() {
                    metadata.insert("grpc-retry-pushback-ms", value);
                }
            }
            return Err(Status::with_metadata(*code, message.clone(), metadata));
        }
        self.check_api_key(req.metadata())?;
        Ok(decision)
    }

    /// Common epilogue of unary calls: an injected failure after processing.
    fn finish<T>(&self, decision: &Decision, outcome: Result<T, Status>) -> Result<T, Status> {
        if decision.fail_after {
            self.state.stats.record_fault();
            return Err(Status::unavailable(FAIL_AFTER_MESSAGE));
        }
        outcome
    }

    fn check_api_key(&self, metadata: &MetadataMap) -> Result<(), Status> {
        let Some(expected) = self.state.runtime().api_key else {
            return Ok(());
        };
        let given = metadata
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(())
        } else {
            Err(Status::unauthenticated("Invalid or missing API key"))
        }
    }

    /// The time this call may take: the server timeout, shortened by the client's `grpc-timeout`.
    fn deadline(&self, metadata: &MetadataMap) -> Duration {
        let server = Duration::from_secs(self.state.settings.timeout_seconds);
        metadata
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout)
            .map_or(server, |client| client.min(server))
    }

    /// Resource checks before creating a job (spec §6.1 step 2).
    fn admit_job(&self, ip: IpAddr) -> Result<(), Status> {
        let max = self.state.settings.max_concurrent_jobs;
        let active = self.state.store.active();
        if active >= max {
            return Err(Status::resource_exhausted(format!(
                "Concurrency limit reached: {active} jobs running (limit: {max})"
            )));
        }
        let limit = self.state.runtime().rate_limit;
        self.state
            .limiter
            .admit(ip, limit, Instant::now())
            .map_err(Status::resource_exhausted)
    }

    /// The configured complexity limits (spec §6.1 step 4).
    fn complexity_limits(&self) -> ComplexityLimits {
        ComplexityLimits {
            max_qubits: self.state.settings.max_circuit_qubits,
            max_gates: self.state.settings.max_circuit_gates,
        }
    }

    /// Parse and complexity checks (spec §6.1 steps 3–4).
    fn prepare_circuit(&self, payload: Option<&CircuitPayload>) -> Result<Circuit, Status> {
        let payload = payload
            .ok_or_else(|| Status::invalid_argument("[permanent] Missing circuit payload"))?;
        let source = match &payload.format {
            None => {
                return Err(Status::invalid_argument(
                    "[permanent] No circuit format specified",
                ))
            }
            Some(Format::ArvakIrJson(_)) => {
                return Err(Status::invalid_argument(
                    "[permanent] Arvak IR JSON format not yet supported. Use OpenQASM 3 format instead.",
                ))
            }
            Some(Format::Qasm3(source)) => source,
        };
        let circuit =
            qasm::parse(source).map_err(|e| Status::invalid_argument(e.service_message()))?;
        self.complexity_limits()
            .check(&circuit)
            .map_err(|e| Status::invalid_argument(e.service_message()))?;
        Ok(circuit)
    }

    /// Creates a QUEUED job and starts its execution task; returns the id.
    fn start_job(&self, backend_id: &str, circuit: Circuit, shots: u32, level: u32) -> String {
        let state = self.state.clone();
        let id = state.store.create(backend_id, shots);
        let circuit = backend::compile_for_device(circuit, level);
        let mut rng = state.rng_for_job();
        let job_id = id.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            state.store.mark_running(&job_id);
            let min_run = Duration::from_millis(state.runtime().min_job_ms);
            let outcome =
                tokio::task::spawn_blocking(move || backend::run(&circuit, shots, &mut rng)).await;
            if let Some(rest) = min_run.checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            match outcome {
                Ok(Ok(output)) => {
                    state.store.complete(
                        &job_id,
                        JobResult {
                            job_id: job_id.clone(),
                            counts: output.counts,
                            shots,
                            execution_time_ms: output.execution_time_ms,
                            metadata_json: "null".to_string(),
                        },
                    );
                }
                Ok(Err(message)) => {
                    state.store.fail(&job_id, message);
                }
                Err(join_error) => {
                    state.store.fail(
                        &job_id,
                        format!("Backend submit failed: Backend error: simulation task failed: {join_error}"),
                    );
                }
            }
        });
        self.state.store.set_abort(&id, task.abort_handle());
        id
    }

    fn submit_job_inner(&self, ip: IpAddr, req: &SubmitJobRequest) -> Result<String, Status> {
        self.admit_job(ip)?;
        let circuit = self.prepare_circuit(req.circuit.as_ref())?;
        if backend::lookup(&req.backend_id).is_none() {
            return Err(not_found(&req.backend_id));
        }
        Ok(self.start_job(&req.backend_id, circuit, req.shots, req.optimization_level))
    }

    fn submit_batch_inner(
        &self,
        ip: IpAddr,
        req: &SubmitBatchRequest,
    ) -> Result<Vec<String>, Status> {
        if backend::lookup(&req.backend_id).is_none() {
            return Err(not_found(&req.backend_id));
        }
        // Not atomic, like the service: jobs before a failing one exist and run.
        let mut ids = Vec::with_capacity(req.jobs.len());
        for job in &req.jobs {
            self.admit_job(ip)?;
            let circuit = self.prepare_circuit(job.circuit.as_ref())?;
            ids.push(self.start_job(&req.backend_id, circuit, job.shots, job.optimization_level));
        }
        Ok(ids)
    }

    fn result_status(job_id: &str, error: ResultError) -> Status {
        match error {
            ResultError::NotFound => not_found(job_id),
            ResultError::Failed(message) => Status::aborted(format!("[permanent] {message}")),
            ResultError::NotCompleted => {
                Status::failed_precondition(format!("[transient] {job_id}"))
            }
        }
    }

    /// One submission of SubmitBatchStream: the job id, or the error text the service sends.
    fn submit_from_stream(&self, sub: &BatchJobSubmission) -> Result<String, String> {
        let source = match sub.circuit.as_ref().and_then(|c| c.format.as_ref()) {
            Some(Format::Qasm3(source)) => source,
            Some(Format::ArvakIrJson(_)) => {
                return Err("Circuit parsing failed: Arvak IR JSON format not yet supported".into())
            }
            None => return Err("Circuit parsing failed: No circuit format specified".into()),
        };
        let circuit = qasm::parse(source)
            .map_err(|e| format!("Circuit parsing failed: QASM parsing error: {e}"))?;
        self.complexity_limits()
            .check(&circuit)
            .map_err(|e| format!("Circuit rejected: {e}"))?;
        if backend::lookup(&sub.backend_id).is_none() {
            return Err(format!(
                "Backend not found: Backend not found: {}",
                sub.backend_id
            ));
        }
        Ok(self.start_job(&sub.backend_id, circuit, sub.shots, sub.optimization_level))
    }
}

/// `NOT_FOUND "[permanent] <id>"`: the service never says whether a job or a backend is missing.
fn not_found(id: &str) -> Status {
    Status::not_found(format!("[permanent] {id}"))
}

fn peer_ip<T>(req: &Request<T>) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .or_else(|| req.remote_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Runs `fut` within `limit`; expiry is reported as the service does: `CANCELLED "Timeout expired"`.
async fn within<T>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| Err(Status::cancelled("Timeout expired")))
}

/// Parses a `grpc-timeout` header value (`<1–8 digits><H|M|S|m|u|n>`).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let unit = value.chars().last()?;
    let digits = &value[..value.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(n * 3600),
        'M' => Duration::from_secs(n * 60),
        'S' => Duration::from_secs(n),
        'm' => Duration::from_millis(n),
        'u' => Duration::from_micros(n),
        'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[tonic::async_trait]
impl ArvakService for DevService {
    async fn submit_job(
        &self,
        req: Request<SubmitJobRequest>,
    ) -> Result<Response<SubmitJobResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("SubmitJob", &req).await?;
            let outcome = self
                .submit_job_inner(peer_ip(&req), req.get_ref())
                .map(|job_id| Response::new(SubmitJobResponse { job_id }));
            self.finish(&decision, outcome)
        })
        .await
    }

    async fn submit_batch(
        &self,
        req: Request<SubmitBatchRequest>,
    ) -> Result<Response<SubmitBatchResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("SubmitBatch", &req).await?;
            let outcome = self
                .submit_batch_inner(peer_ip(&req), req.get_ref())
                .map(|job_ids| Response::new(SubmitBatchResponse { job_ids }));
            self.finish(&decision, outcome)
        })
        .await
    }

    async fn get_job_status(
        &self,
        req: Request<GetJobStatusRequest>,
    ) -> Result<Response<GetJobStatusResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("GetJobStatus", &req).await?;
            let id = &req.get_ref().job_id;
            let outcome = self
                .state
                .store
                .get(id)
                .map(|job| Response::new(GetJobStatusResponse { job: Some(job) }))
                .ok_or_else(|| not_found(id));
            self.finish(&decision, outcome)
        })
        .await
    }

    async fn get_job_result(
        &self,
        req: Request<GetJobResultRequest>,
    ) -> Result<Response<GetJobResultResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("GetJobResult", &req).await?;
            let id = &req.get_ref().job_id;
            let outcome = self
                .state
                .store
                .result(id)
                .map(|result| {
                    Response::new(GetJobResultResponse {
                        result: Some(result),
                    })
                })
                .map_err(|e| Self::result_status(id, e));
            self.finish(&decision, outcome)
        })
        .await
    }

    async fn cancel_job(
        &self,
        req: Request<CancelJobRequest>,
    ) -> Result<Response<CancelJobResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("CancelJob", &req).await?;
            let id = &req.get_ref().job_id;
            let outcome = match self.state.store.cancel(id) {
                CancelOutcome::NotFound => Err(not_found(id)),
                CancelOutcome::Cancelled => Ok(CancelJobResponse {
                    success: true,
                    message: "Job cancelled successfully".into(),
                }),
                CancelOutcome::AlreadyTerminal(word) => Ok(CancelJobResponse {
                    success: false,
                    message: format!("Job already in terminal state: {word}"),
                }),
            };
            self.finish(&decision, outcome.map(Response::new))
        })
        .await
    }

    async fn list_backends(
        &self,
        req: Request<ListBackendsRequest>,
    ) -> Result<Response<ListBackendsResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("ListBackends", &req).await?;
            let outcome = Ok(Response::new(ListBackendsResponse {
                backends: vec![backend::simulator_info()],
            }));
            self.finish(&decision, outcome)
        })
        .await
    }

    async fn get_backend_info(
        &self,
        req: Request<GetBackendInfoRequest>,
    ) -> Result<Response<GetBackendInfoResponse>, Status> {
        within(self.deadline(req.metadata()), async {
            let decision = self.begin("GetBackendInfo", &req).await?;
            let id = &req.get_ref().backend_id;
            let outcome = backend::lookup(id)
                .map(|info| {
                    Response::new(GetBackendInfoResponse {
                        backend: Some(info),
                    })
                })
                .ok_or_else(|| not_found(id));
            self.finish(&decision, outcome)
        })
        .await
    }

    type WatchJobStream = BoxStream<JobStatusUpdate>;

    async fn watch_job(
        &self,
        req: Request<WatchJobRequest>,
    ) -> Result<Response<Self::WatchJobStream>, Status> {
        let decision = within(self.deadline(req.metadata()), self.begin("WatchJob", &req)).await?;
        let job_id = req.into_inner().job_id;
        let state = self.state.clone();
        let interval = Duration::from_millis(state.settings.watch_interval_ms.max(1));
        let max_life = Duration::from_secs(state.settings.watch_max_seconds);
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            let _open = state.stats.stream_opened();
            let mut shutdown = state.shutdown.clone();
            let started = Instant::now();
            let mut sent = 0u32;
            loop {
                if state.flap_down() {
                    state.stats.record_fault();
                    let _ = tx.send(Err(Status::unavailable(FLAP_DOWN_MESSAGE))).await;
                    return;
                }
                if decision.cut_after_messages.is_some_and(|cut| sent >= cut) {
                    state.stats.record_fault();
                    let cut = Status::unavailable(format!(
                        "Stream cut by fault injection after {sent} messages"
                    ));
                    let _ = tx.send(Err(cut)).await;
                    return;
                }
                let Some(job) = state.store.get(&job_id) else {
                    let missing =
                        Status::internal(format!("Failed to get job: Job not found: {job_id}"));
                    let _ = tx.send(Err(missing)).await;
                    return;
                };
                let terminal = is_terminal(job.state());
                let update = JobStatusUpdate {
                    job_id: job.job_id,
                    state: job.state,
                    timestamp: now_secs(),
                    error_message: job.error_message,
                };
                if tx.send(Ok(update)).await.is_err() {
                    return;
                }
                sent += 1;
                if terminal {
                    return;
                }
                if started.elapsed() >= max_life {
                    let expired = Status::deadline_exceeded("Watch stream timed out after 1 hour");
                    let _ = tx.send(Err(expired)).await;
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = tx.closed() => return,
                    _ = shutdown.changed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    type StreamResultsStream = BoxStream<ResultChunk>;

    async fn stream_results(
        &self,
        req: Request<StreamResultsRequest>,
    ) -> Result<Response<Self::StreamResultsStream>, Status> {
        let decision = within(
            self.deadline(req.metadata()),
            self.begin("StreamResults", &req),
        )
        .await?;
        let StreamResultsRequest { job_id, chunk_size } = req.into_inner();
        let result = self
            .state
            .store
            .result(&job_id)
            .map_err(|e| Self::result_status(&job_id, e))?;
        let chunk_size = if chunk_size == 0 {
            1000
        } else {
            chunk_size as usize
        };
        let entries: Vec<(String, u64)> = result.counts.into_iter().collect();
        let total = entries.len().div_ceil(chunk_size).max(1);
        let mut items: Vec<Result<ResultChunk, Status>> = (0..total)
            .map(|index| {
                let counts = entries
                    .iter()
                    .skip(index * chunk_size)
                    .take(chunk_size)
                    .cloned()
                    .collect();
                Ok(ResultChunk {
                    job_id: job_id.clone(),
                    counts,
                    is_final: index + 1 == total,
                    chunk_index: index as u32,
                    total_chunks: total as u32,
                })
            })
            .collect();
        if let Some(cut) = decision.cut_after_messages {
            if (cut as usize) < items.len() {
                self.state.stats.record_fault();
                items.truncate(cut as usize);
                items.push(Err(Status::unavailable(format!(
                    "Stream cut by fault injection after {cut} messages"
                ))));
            }
        }
        Ok(Response::new(Box::pin(tokio_stream::iter(items))))
    }

    type SubmitBatchStreamStream = BoxStream<BatchJobResult>;

    async fn submit_batch_stream(
        &self,
        req: Request<Streaming<BatchJobSubmission>>,
    ) -> Result<Response<Self::SubmitBatchStreamStream>, Status> {
        self.begin("SubmitBatchStream", &req).await?;
        let mut inbound = req.into_inner();
        let service = self.clone();
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            let _open = service.state.stats.stream_opened();
            let mut waiters = tokio::task::JoinSet::new();
            while let Ok(Some(sub)) = inbound.message().await {
                let request_id = sub.client_request_id.clone();
                let reply = |job_id: String, outcome: BatchOutcome| BatchJobResult {
                    job_id,
                    client_request_id: request_id.clone(),
                    result: Some(outcome),
                };
                match service.submit_from_stream(&sub) {
                    Err(text) => {
                        let _ = tx
                            .send(Ok(reply(String::new(), BatchOutcome::Error(text))))
                            .await;
                    }
                    Ok(job_id) => {
                        let submitted =
                            BatchOutcome::Submitted("Job submitted successfully".into());
                        let _ = tx.send(Ok(reply(job_id.clone(), submitted))).await;
                        let (tx, state) = (tx.clone(), service.state.clone());
                        let request_id = request_id.clone();
                        waiters.spawn(async move {
                            let Some(mut changes) = state.store.subscribe(&job_id) else {
                                return;
                            };
                            let _ = changes.wait_for(|s| is_terminal(*s)).await;
                            // Only completions are reported; execution failures send nothing.
                            if let Ok(result) = state.store.result(&job_id) {
                                let _ = tx
                                    .send(Ok(BatchJobResult {
                                        job_id,
                                        client_request_id: request_id,
                                        result: Some(BatchOutcome::Completed(result)),
                                    }))
                                    .await;
                            }
                        });
                    }
                }
            }
            while waiters.join_next().await.is_some() {}
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_values() {
        assert_eq!(parse_grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("5u"), Some(Duration::from_micros(5)));
        assert_eq!(parse_grpc_timeout("123456789m"), None);
        assert_eq!(parse_grpc_timeout("m"), None);
        assert_eq!(parse_grpc_timeout("10x"), None);
        assert_eq!(parse_grpc_timeout("-1m"), None);
        assert_eq!(parse_grpc_timeout("1é"), None);
    }

    #[test]
    fn api_key_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}

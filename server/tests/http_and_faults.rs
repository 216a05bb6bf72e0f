//! The plain-HTTP side of the dev server over real sockets: grpc-web framed by hand over
//! HTTP/1.1, CORS, static files, the control endpoints and every fault mode.

mod common;

use std::time::{Duration, Instant};

use arvak_dev_server::proto::*;
use common::*;
use prost::Message;
use reqwest::Method;
use tokio_stream::StreamExt;
use tonic::Code;

/// Splits a grpc-web body into (data frames, trailer text).
fn parse_frames(mut body: &[u8]) -> (Vec<Vec<u8>>, String) {
    let mut data = Vec::new();
    let mut trailer = String::new();
    while body.len() >= 5 {
        let flag = body[0];
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let payload = &body[5..5 + len];
        if flag & 0x80 != 0 {
            trailer = String::from_utf8(payload.to_vec()).unwrap();
        } else {
            data.push(payload.to_vec());
        }
        body = &body[5 + len..];
    }
    assert!(body.is_empty(), "no trailing bytes");
    (data, trailer)
}

fn http1() -> reqwest::Client {
    reqwest::Client::builder().http1_only().build().unwrap()
}

#[tokio::test]
async fn grpc_web_over_http1_hand_framed() {
    let (server, _client) = start(|_| {}).await;
    let resp = http1()
        .post(format!(
            "{}/arvak.v1.ArvakService/ListBackends",
            server.url()
        ))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(frame(0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_11);
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/grpc-web+proto");
    let body = resp.bytes().await.unwrap();
    let (data, trailer) = parse_frames(&body);
    assert_eq!(data.len(), 1);
    let list = ListBackendsResponse::decode(data[0].as_slice()).unwrap();
    assert_eq!(list.backends[0].backend_id, "simulator");
    assert!(
        trailer.to_ascii_lowercase().contains("grpc-status:0"),
        "{trailer:?}"
    );

    // An error travels in the trailer (trailers-only answers carry it in headers instead).
    let req = GetJobStatusRequest {
        job_id: "nope".into(),
    }
    .encode_to_vec();
    let resp = http1()
        .post(format!(
            "{}/arvak.v1.ArvakService/GetJobStatus",
            server.url()
        ))
        .header("content-type", "application/grpc-web+proto")
        .body(frame(0, &req))
        .send()
        .await
        .unwrap();
    let header_status = resp
        .headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.bytes().await.unwrap();
    let (_, trailer) = parse_frames(&body);
    let status_text = header_status.unwrap_or(trailer);
    assert!(status_text.contains('5'), "NOT_FOUND = 5: {status_text:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_method_is_unimplemented() {
    let (server, _client) = start(|_| {}).await;
    let resp = http1()
        .post(format!(
            "{}/arvak.v1.ArvakService/NoSuchMethod",
            server.url()
        ))
        .header("content-type", "application/grpc-web+proto")
        .body(frame(0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["grpc-status"], "12", "UNIMPLEMENTED");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn grpc_web_text_base64() {
    use base64_engine::encode;
    let (server, _client) = start(|_| {}).await;
    let resp = http1()
        .post(format!(
            "{}/arvak.v1.ArvakService/ListBackends",
            server.url()
        ))
        .header("content-type", "application/grpc-web-text")
        .header("accept", "application/grpc-web-text")
        .body(encode(&frame(0, &[])))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/grpc-web-text"));
    let text = resp.text().await.unwrap();
    assert!(!text.is_empty());
    server.stop().await.unwrap();
}

/// A tiny standard base64 encoder, enough for one request body.
mod base64_engine {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let (server, _client) = start(|_| {}).await;
    let url = format!("{}/arvak.v1.ArvakService/ListBackends", server.url());
    let resp = http1()
        .request(Method::OPTIONS, &url)
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-grpc-web,x-user-agent,grpc-timeout,x-api-key,x-request-id",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "content-type",
        "x-grpc-web",
        "x-user-agent",
        "grpc-timeout",
        "x-api-key",
        "x-request-id",
    ] {
        assert!(allowed.contains(name), "{name} allowed: {allowed}");
    }
    let resp = http1()
        .post(&url)
        .header("origin", "http://127.0.0.1:5555")
        .header("content-type", "application/grpc-web+proto")
        .body(frame(0, &[]))
        .send()
        .await
        .unwrap();
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "grpc-retry-pushback-ms",
    ] {
        assert!(exposed.contains(name), "{name} exposed: {exposed}");
    }
    let resp = http1()
        .request(Method::OPTIONS, &url)
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    server.stop().await.unwrap();

    let (server, _client) = start(|s| s.allow_origins = vec!["https://play.example".into()]).await;
    let resp = http1()
        .request(
            Method::OPTIONS,
            url.replace(&url[..url.find("/arvak").unwrap()], &server.url()),
        )
        .header("origin", "https://play.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://play.example"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn serves_static_files_with_optional_csp() {
    let dir = std::env::temp_dir().join(format!("arvak-www-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>playground</h1>").unwrap();
    std::fs::write(dir.join("m.wasm"), b"\0asm").unwrap();
    let www = dir.clone();
    let (server, _client) = start(move |s| {
        s.www = Some(www);
        s.csp = true;
    })
    .await;
    let resp = http1()
        .get(format!("{}/", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-security-policy"],
        "script-src 'self' 'wasm-unsafe-eval'"
    );
    assert_eq!(resp.text().await.unwrap(), "<h1>playground</h1>");
    let resp = http1()
        .get(format!("{}/m.wasm", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/wasm");
    assert!(resp.headers().get("cross-origin-embedder-policy").is_none());
    server.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn isolated_static_files_carry_coop_and_coep() {
    let dir = std::env::temp_dir().join(format!("arvak-www-isolated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>bench</h1>").unwrap();
    let www = dir.clone();
    let (server, _client) = start(move |s| {
        s.www = Some(www);
        s.isolated = true;
    })
    .await;
    let resp = http1()
        .get(format!("{}/", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cross-origin-opener-policy"], "same-origin");
    assert_eq!(
        resp.headers()["cross-origin-embedder-policy"],
        "require-corp"
    );
    assert!(resp.headers().get("content-security-policy").is_none());
    server.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn bad_endpoints_answer_broken_grpc_web() {
    let (server, _client) = start(|_| {}).await;
    for (mode, status) in [
        ("no-status", 200),
        ("truncated", 200),
        ("garbage", 200),
        ("html", 200),
        ("http-500", 500),
    ] {
        let resp = http1()
            .post(format!(
                "{}/__bad/{mode}/arvak.v1.ArvakService/ListBackends",
                server.url()
            ))
            .header("content-type", "application/grpc-web+proto")
            .body(frame(0, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{mode}");
        assert!(resp.headers().get("grpc-status").is_none(), "{mode}");
    }
    for (mode, status) in [
        ("text", None),
        ("bad-details", Some("3")),
        ("bad-message", Some("13")),
    ] {
        let resp = http1()
            .post(format!(
                "{}/__bad/{mode}/arvak.v1.ArvakService/ListBackends",
                server.url()
            ))
            .body(frame(0, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let got = resp
            .headers()
            .get("grpc-status")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(got.as_deref(), status, "{mode}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn completed_jobs_can_be_expired() {
    let (server, mut client) = start(|_| {}).await;
    let url = server.url();
    let id = submit_ok(&mut client, BELL, 5).await;
    wait_terminal(&mut client, &id).await;
    let view = http_json(Method::POST, format!("{url}/__jobs/{id}/expire"), None).await;
    assert_eq!(view["state"], "JOB_STATE_RESULT_EXPIRED");
    let job = client
        .get_job_status(GetJobStatusRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap();
    assert_eq!(job.state(), JobState::ResultExpired);
    let status = client
        .get_job_result(GetJobResultRequest { job_id: id.clone() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), format!("[transient] {id}"));
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stream.next().await.unwrap().unwrap().state(),
        JobState::ResultExpired
    );
    assert!(stream.next().await.is_none());
    let resp = reqwest::Client::new()
        .post(format!("{url}/__jobs/unknown/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stats_count_calls_and_jobs() {
    let (server, mut client) = start(|_| {}).await;
    let url = server.url();
    let fresh = http_json(Method::GET, format!("{url}/__stats"), None).await;
    assert_eq!(fresh["jobsCreated"], 0);
    assert_eq!(fresh["lastCallUnixMs"], 0);
    submit_ok(&mut client, BELL, 1).await;
    client.list_backends(ListBackendsRequest {}).await.unwrap();
    client.list_backends(ListBackendsRequest {}).await.unwrap();
    let stats = http_json(Method::GET, format!("{url}/__stats"), None).await;
    assert_eq!(stats["calls"]["SubmitJob"], 1);
    assert_eq!(stats["calls"]["ListBackends"], 2);
    assert_eq!(stats["jobsCreated"], 1);
    assert_eq!(stats["jobsInStore"], 1);
    assert!(stats["lastCallUnixMs"].as_u64().unwrap() > 1_700_000_000_000);
    let reset = http_json(Method::POST, format!("{url}/__stats/reset"), None).await;
    assert!(reset["calls"].as_object().unwrap().is_empty());
    assert_eq!(reset["jobsCreated"], 1, "job counts survive a stats reset");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn fault_before_processing_creates_nothing() {
    let (server, mut client) = start(|_| {}).await;
    let url = server.url();
    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"SubmitJob":{"failBeforeProbability":1,"failBeforeCode":"UNAVAILABLE","failBeforeMessage":"proxy down"}}}"#),
    )
    .await;
    let status = client.submit_job(submit(BELL, 1)).await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Unavailable, "proxy down")
    );
    let stats = http_json(Method::GET, format!("{url}/__stats"), None).await;
    assert_eq!(stats["jobsCreated"], 0);
    assert_eq!(stats["faultsInjected"], 1);
    assert_eq!(stats["calls"]["SubmitJob"], 1);
    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"SubmitJob":{"failBeforeProbability":1,"failBeforePushbackMs":25}}}"#),
    )
    .await;
    let status = client.submit_job(submit(BELL, 1)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(
        status.metadata().get("grpc-retry-pushback-ms").unwrap(),
        "25"
    );
    // Other RPCs are untouched by a rule for SubmitJob.
    client.list_backends(ListBackendsRequest {}).await.unwrap();
    let view = http_json(Method::DELETE, format!("{url}/__faults"), None).await;
    assert!(view["rules"].as_object().unwrap().is_empty());
    submit_ok(&mut client, BELL, 1).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn fault_after_processing_leaves_the_job() {
    let (server, mut client) = start(|_| {}).await;
    let url = server.url();
    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"SubmitJob":{"failAfterProbability":1}}}"#),
    )
    .await;
    let status = client.submit_job(submit(BELL, 1)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    let stats = http_json(Method::GET, format!("{url}/__stats"), None).await;
    assert_eq!(
        stats["jobsCreated"], 1,
        "the job exists although the client saw UNAVAILABLE"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn star_rule_probability_latency_and_runtime_settings() {
    let (server, mut client) = start(|_| {}).await;
    let url = server.url();
    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"*":{"failBeforeProbability":0.2}}}"#),
    )
    .await;
    let mut failures = 0;
    for _ in 0..500 {
        if client.list_backends(ListBackendsRequest {}).await.is_err() {
            failures += 1;
        }
    }
    assert!((50..150).contains(&failures), "≈20% of 500, got {failures}");

    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"GetBackendInfo":{"latencyMs":150}},"minJobMs":200,"apiKey":"k"}"#),
    )
    .await;
    let mut req = tonic::Request::new(GetBackendInfoRequest {
        backend_id: "simulator".into(),
    });
    req.metadata_mut().insert("x-api-key", "k".parse().unwrap());
    let started = Instant::now();
    client.get_backend_info(req).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        client
            .list_backends(ListBackendsRequest {})
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    let view = http_json(Method::GET, format!("{url}/__faults"), None).await;
    assert_eq!(view["minJobMs"], 200);
    assert_eq!(view["apiKeyRequired"], true);
    let view = http_json(Method::DELETE, format!("{url}/__faults"), None).await;
    assert_eq!(view["apiKeyRequired"], false);
    assert_eq!(view["minJobMs"], 0);

    let resp = reqwest::Client::new()
        .post(format!("{url}/__faults"))
        .body(r#"{"rules":{"Bogus":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("unknown RPC 'Bogus'"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn watch_streams_can_be_cut() {
    let (server, mut client) = start(|s| {
        s.watch_interval_ms = 20;
        s.min_job_ms = 2_000;
    })
    .await;
    let url = server.url();
    http_json(
        Method::POST,
        format!("{url}/__faults"),
        Some(r#"{"rules":{"WatchJob":{"cutAfterMessages":2}}}"#),
    )
    .await;
    let id = submit_ok(&mut client, BELL, 1).await;
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id })
        .await
        .unwrap()
        .into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("after 2 messages"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn dropped_watch_closes_on_the_server() {
    let (server, mut client) = start(|s| {
        s.watch_interval_ms = 20;
        s.min_job_ms = 10_000;
    })
    .await;
    let url = server.url();
    let id = submit_ok(&mut client, BELL, 1).await;
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id })
        .await
        .unwrap()
        .into_inner();
    stream.next().await.unwrap().unwrap();
    let open = http_json(Method::GET, format!("{url}/__stats"), None).await["openStreams"]
        .as_u64()
        .unwrap();
    assert_eq!(open, 1);
    drop(stream);
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if http_json(Method::GET, format!("{url}/__stats"), None).await["openStreams"] == 0 {
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "server stream task ends within a second of the client leaving"
    );
    server.stop().await.unwrap();
}

fn bad_url(server: &arvak_dev_server::app::RunningServer, mode: &str) -> String {
    format!(
        "{}/__bad/{mode}/arvak.v1.ArvakService/ListBackends",
        server.url()
    )
}

#[tokio::test]
async fn bad_hang_never_answers() {
    let (server, _client) = start(|_| {}).await;
    let t0 = Instant::now();
    let err = http1()
        .post(bad_url(&server, "hang"))
        .body(frame(0, &[]))
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .expect_err("no answer");
    assert!(err.is_timeout(), "{err}");
    assert!(t0.elapsed() >= Duration::from_millis(400));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_reset_cuts_the_connection() {
    let (server, _client) = start(|_| {}).await;
    let outcome = match http1()
        .post(bad_url(&server, "reset"))
        .body(frame(0, &[]))
        .send()
        .await
    {
        Err(e) => Err(e),
        Ok(resp) => resp.bytes().await.map(|b| b.len()),
    };
    assert!(outcome.is_err(), "no complete answer: {outcome:?}");
    // The server itself is fine.
    let health = http_json(Method::GET, format!("{}/health", server.url()), None).await;
    assert_eq!(health["status"], "healthy");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_trickle_is_a_valid_answer_one_byte_at_a_time() {
    let (server, _client) = start(|_| {}).await;
    let t0 = Instant::now();
    let mut resp = http1()
        .post(bad_url(&server, "trickle"))
        .body(frame(0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/grpc-web+proto");
    let mut body = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    let (data, trailer) = parse_frames(&body);
    assert_eq!(data, vec![Vec::<u8>::new()]);
    assert!(trailer.contains("grpc-status:0"), "{trailer}");
    assert!(chunks >= 10, "{chunks} chunks");
    assert!(t0.elapsed() >= Duration::from_secs(3), "{:?}", t0.elapsed());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_huge_sends_a_32_mib_message() {
    let (server, _client) = start(|_| {}).await;
    let resp = http1()
        .post(bad_url(&server, "huge"))
        .body(frame(0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/grpc-web+proto");
    let body = resp.bytes().await.unwrap();
    let (data, trailer) = parse_frames(&body);
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].len(), 32 * 1024 * 1024);
    assert!(trailer.contains("grpc-status:0"), "{trailer}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_no_cors_and_no_expose_strip_cors_headers() {
    let (server, _client) = start(|_| {}).await;
    let origin = "http://localhost:1234";
    let send = |mode: &str| {
        http1()
            .post(bad_url(&server, mode))
            .header("origin", origin)
            .body(frame(0, &[]))
            .send()
    };
    let resp = send("no-cors").await.unwrap();
    assert_eq!(resp.headers()["grpc-status"], "5");
    assert!(
        !resp
            .headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "{:?}",
        resp.headers()
    );
    let resp = send("no-expose").await.unwrap();
    assert_eq!(resp.headers()["grpc-status"], "5");
    assert_eq!(resp.headers()["access-control-allow-origin"], origin);
    assert!(resp
        .headers()
        .get("access-control-expose-headers")
        .is_none());
    // Other answers keep their CORS headers, and the preflight of a no-cors call still succeeds.
    let resp = send("ok-no-message").await.unwrap();
    assert!(resp
        .headers()
        .get("access-control-expose-headers")
        .is_some());
    let resp = http1()
        .request(Method::OPTIONS, bad_url(&server, "no-cors"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-grpc-web")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], origin);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_status_sends_the_raw_grpc_status() {
    let (server, _client) = start(|_| {}).await;
    for value in ["99", "abc", "-1", "16"] {
        let resp = http1()
            .post(bad_url(&server, &format!("status-{value}")))
            .body(frame(0, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["grpc-status"], value);
        assert_eq!(resp.headers()["grpc-message"], "odd%20status");
    }
    server.stop().await.unwrap();
}

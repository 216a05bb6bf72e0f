//! Gateway mode over real sockets: grpc-web in front of the dev server's native gRPC port.

mod common;

use std::time::{Duration, Instant};

use arvak_dev_server::gateway::{self, GatewaySettings, RunningGateway};
use arvak_dev_server::proto::arvak_service_client::ArvakServiceClient;
use arvak_dev_server::proto::*;
use common::*;
use futures::StreamExt as _;
use prost::Message;
use reqwest::Method;

/// A grpc-web answer: status and message (from headers or the trailer frame), data frames.
struct WebReply {
    status: Option<String>,
    message: String,
    data: Vec<Vec<u8>>,
}

fn parse_reply(headers: &reqwest::header::HeaderMap, mut body: &[u8]) -> WebReply {
    let mut status = headers
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_string());
    let mut message = headers
        .get("grpc-message")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let mut data = Vec::new();
    while body.len() >= 5 {
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let payload = &body[5..5 + len];
        if body[0] & 0x80 != 0 {
            for line in String::from_utf8_lossy(payload).split("\r\n") {
                if let Some((k, v)) = line.split_once(':') {
                    match k.trim().to_ascii_lowercase().as_str() {
                        "grpc-status" => status = Some(v.trim().to_string()),
                        "grpc-message" => message = v.trim().to_string(),
                        _ => {}
                    }
                }
            }
        } else {
            data.push(payload.to_vec());
        }
        body = &body[5 + len..];
    }
    WebReply {
        status,
        message,
        data,
    }
}

async fn web_call(url: &str, method: &str, request: &[u8], extra: &[(&str, &str)]) -> WebReply {
    let mut req = reqwest::Client::builder()
        .http1_only()
        .build()
        .unwrap()
        .post(format!("{url}/arvak.v1.ArvakService/{method}"))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(frame(0, request));
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    parse_reply(&headers, &body)
}

async fn start_gateway(upstream: &str) -> RunningGateway {
    gateway::start(GatewaySettings {
        tls: Default::default(),
        upstream: upstream.to_string(),
        addr: "127.0.0.1:0".parse().unwrap(),
        allow_origins: vec![],
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn unary_calls_and_errors_pass_through() {
    let (server, _client) = start(|_| {}).await;
    let gw = start_gateway(&server.url()).await;
    let reply = web_call(&gw.url(), "ListBackends", &[], &[]).await;
    assert_eq!(reply.status.as_deref(), Some("0"));
    let list = ListBackendsResponse::decode(reply.data[0].as_slice()).unwrap();
    assert_eq!(list.backends[0].backend_id, "simulator");

    let req = GetJobStatusRequest {
        job_id: "nope".into(),
    }
    .encode_to_vec();
    let reply = web_call(&gw.url(), "GetJobStatus", &req, &[]).await;
    assert_eq!(reply.status.as_deref(), Some("5"));
    assert!(reply.message.contains("nope"), "{}", reply.message);

    // Native gRPC (HTTP/2) clients may use the gateway too.
    let mut native = ArvakServiceClient::connect(gw.url()).await.unwrap();
    let id = native
        .submit_job(submit(BELL, 10))
        .await
        .unwrap()
        .into_inner()
        .job_id;
    let job = wait_terminal(&mut native, &id).await;
    assert_eq!(job.state(), JobState::Completed);
    gw.stop().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn grpc_web_text_through_the_gateway() {
    let (server, _client) = start(|_| {}).await;
    let gw = start_gateway(&server.url()).await;
    let resp = reqwest::Client::builder()
        .http1_only()
        .build()
        .unwrap()
        .post(format!("{}/arvak.v1.ArvakService/ListBackends", gw.url()))
        .header("content-type", "application/grpc-web-text")
        .header("accept", "application/grpc-web-text")
        .body("AAAAAAA=")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/grpc-web-text"));
    assert!(!resp.text().await.unwrap().is_empty());
    gw.stop().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn metadata_passes_through() {
    let (server, _client) = start(|s| s.api_key = Some("k1".into())).await;
    let gw = start_gateway(&server.url()).await;
    let reply = web_call(&gw.url(), "ListBackends", &[], &[]).await;
    assert_eq!(reply.status.as_deref(), Some("16"));
    let reply = web_call(&gw.url(), "ListBackends", &[], &[("x-api-key", "k1")]).await;
    assert_eq!(reply.status.as_deref(), Some("0"));

    http_json(
        Method::POST,
        format!("{}/__faults", server.url()),
        Some(r#"{"rules":{"ListBackends":{"latencyMs":1500}}}"#),
    )
    .await;
    let started = Instant::now();
    let reply = web_call(
        &gw.url(),
        "ListBackends",
        &[],
        &[("x-api-key", "k1"), ("grpc-timeout", "200m")],
    )
    .await;
    assert_eq!(
        reply.status.as_deref(),
        Some("1"),
        "CANCELLED from the upstream's deadline"
    );
    assert_eq!(percent_decode(&reply.message), "Timeout expired");
    assert!(started.elapsed() < Duration::from_millis(1000));
    gw.stop().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn watch_streams_incrementally_and_abort_closes_upstream() {
    let (server, mut client) = start(|s| {
        s.watch_interval_ms = 50;
        s.min_job_ms = 30_000;
    })
    .await;
    let gw = start_gateway(&server.url()).await;
    let id = submit_ok(&mut client, BELL, 1).await;
    let req = WatchJobRequest { job_id: id }.encode_to_vec();
    let resp = reqwest::Client::builder()
        .http1_only()
        .build()
        .unwrap()
        .post(format!("{}/arvak.v1.ArvakService/WatchJob", gw.url()))
        .header("content-type", "application/grpc-web+proto")
        .body(frame(0, &req))
        .send()
        .await
        .unwrap();
    let mut body = resp;
    let mut received = 0usize;
    while received < 3 * 7 {
        received += body.chunk().await.unwrap().unwrap().len();
    }
    let open = http_json(Method::GET, format!("{}/__stats", server.url()), None).await
        ["openStreams"]
        .as_u64();
    assert_eq!(open, Some(1));
    let dropped_at = Instant::now();
    drop(body);
    loop {
        let open = http_json(Method::GET, format!("{}/__stats", server.url()), None).await
            ["openStreams"]
            .as_u64();
        if open == Some(0) {
            break;
        }
        assert!(
            dropped_at.elapsed() < Duration::from_secs(1),
            "upstream stream still open after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gw.stop().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn unreachable_upstream_is_unavailable_naming_it() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", free.local_addr().unwrap());
    // Held while the gateway binds its own port (it could be given this one and call itself).
    let gw = start_gateway(&dead).await;
    drop(free);
    let reply = web_call(&gw.url(), "ListBackends", &[], &[]).await;
    assert_eq!(reply.status.as_deref(), Some("14"));
    let message = percent_decode(&reply.message);
    assert!(
        message.contains(&format!("upstream {dead} unreachable")),
        "{message}"
    );
    gw.stop().await.unwrap();

    assert!(gateway::start(GatewaySettings {
        tls: Default::default(),
        upstream: "https://x:1".into(),
        addr: "127.0.0.1:0".parse().unwrap(),
        allow_origins: vec![],
    })
    .await
    .is_err());
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_burst_of_1000_calls_loses_nothing() {
    let (server, _client) = start(|_| {}).await;
    let gw = start_gateway(&server.url()).await;
    let url = gw.url();
    let req = GetBackendInfoRequest {
        backend_id: "simulator".into(),
    }
    .encode_to_vec();
    let ok = futures::stream::iter(0..1000)
        .map(|_| web_call(&url, "GetBackendInfo", &req, &[]))
        .buffer_unordered(100)
        .filter(|reply| {
            let good = reply.status.as_deref() == Some("0")
                && GetBackendInfoResponse::decode(reply.data[0].as_slice()).is_ok();
            async move { good }
        })
        .count()
        .await;
    assert_eq!(ok, 1000);
    let stats = http_json(Method::GET, format!("{}/__stats", server.url()), None).await;
    assert_eq!(stats["calls"]["GetBackendInfo"], 1000);
    gw.stop().await.unwrap();
    server.stop().await.unwrap();
}

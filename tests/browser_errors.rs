//! Errors that say what happened (issue 11, item 4), against the dev server's broken answers
//! (`/__bad/<mode>`) and the real service: header values checked before sending, unary answers
//! of the wrong shape, OK without a message, the `pollIntervalMs` floor.
#![cfg(target_arch = "wasm32")]

mod common;

use arvak_grpc_wasm::web::{ArvakClient, CallOptions, ClientOptions, SubmitOptions, WaitOptions};
use arvak_grpc_wasm::{ErrorKind, Rpc, Strategy};
use common::*;
use serde_json::json;
use tonic::Code;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

fn bad(mode: &str) -> ArvakClient {
    ArvakClient::new(
        &format!("{}/__bad/{mode}", control_url()),
        ClientOptions::default(),
    )
    .expect("client")
}

#[wasm_bindgen_test]
async fn non_ascii_header_values_are_refused_before_sending() {
    reset_server().await;
    // Client-wide headers: refused when the client is made.
    for value in ["ψ", "café", "a\r\nb", "tab\there"] {
        let e = ArvakClient::new(
            server_url(),
            ClientOptions {
                headers: vec![("x-api-key".into(), value.into())],
                ..ClientOptions::default()
            },
        )
        .err()
        .unwrap_or_else(|| panic!("{value:?} accepted"));
        assert_eq!(e.code, Code::InvalidArgument, "{value:?}");
        assert!(e.message.contains("\"x-api-key\""), "{}", e.message);
        assert!(e.message.contains("printable ASCII"), "{}", e.message);
    }
    // Per-call headers: the call fails with INVALID_ARGUMENT and nothing reaches the server.
    let c = client();
    let call = CallOptions {
        headers: vec![("x-trace".into(), "ψ".into())],
        ..CallOptions::default()
    };
    let e = c.list_backends(&call).await.unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("\"x-trace\""), "{}", e.message);
    assert!(e.message.contains("'ψ'"), "{}", e.message);
    assert!(!e.message.contains("malformed"), "{}", e.message);
    let e = c
        .submit_qasm(X0, "simulator", SubmitOptions::default(), &call)
        .await
        .unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert_eq!(total_calls(&stats().await), 0, "nothing was sent");
    // The same client still works.
    assert!(c.list_backends(&CallOptions::default()).await.is_ok());
}

#[wasm_bindgen_test]
async fn ok_without_a_message_says_so() {
    reset_server().await;
    for mode in ["ok-no-message", "ok-no-message-trailer"] {
        let e = bad(mode)
            .list_backends(&CallOptions::default())
            .await
            .unwrap_err();
        log(&format!("{mode}: {} {}", e.code_name(), e.message));
        assert_eq!(e.code, Code::Internal, "{mode}: {}", e.message);
        assert_eq!(e.rpc, Some(Rpc::ListBackends));
        assert!(
            e.message
                .contains("status OK but without a response message"),
            "{mode}: {}",
            e.message
        );
        assert!(
            !e.message.contains("no grpc-status"),
            "{mode}: {}",
            e.message
        );
    }
}

#[wasm_bindgen_test]
async fn a_unary_answer_with_two_messages_is_rejected() {
    reset_server().await;
    let e = bad("two-messages")
        .list_backends(&CallOptions::default())
        .await
        .unwrap_err();
    log(&format!("two-messages: {} {}", e.code_name(), e.message));
    assert_eq!(e.code, Code::Internal);
    assert_eq!(e.kind, ErrorKind::Other);
    assert!(e.message.contains("more than one message"), "{}", e.message);
    // A well-formed answer on the same page still works.
    assert!(client()
        .list_backends(&CallOptions::default())
        .await
        .is_ok());
}

#[wasm_bindgen_test]
async fn poll_interval_zero_is_floored() {
    reset_server().await;
    set_faults(json!({"minJobMs": 1500})).await;
    let c = client();
    let id = c
        .submit_qasm(X0, "simulator", SubmitOptions::default(), &call())
        .await
        .expect("submit");
    control("POST", "/__stats/reset", None).await;
    let t0 = now();
    let r = c
        .wait_for_job(
            &id,
            WaitOptions {
                poll_interval_ms: 0.0,
                strategy: Strategy::Poll,
                ..WaitOptions::default()
            },
            &call(),
            &mut |_| {},
        )
        .await
        .expect("wait");
    let ms = now() - t0;
    let polls = calls_of(&stats().await, "GetJobStatus");
    reset_server().await;
    log(&format!(
        "pollIntervalMs 0 on a 1.5 s job: {polls} status polls in {ms:.0} ms"
    ));
    assert_eq!(r.job_id, id);
    // 5 early polls (0, 20, 30, 45, 67 ms), then at most one per 100 ms floor.
    let bound = 6.0 + ms / 100.0 + 1.0;
    assert!((polls as f64) <= bound, "{polls} polls in {ms:.0} ms");
    assert!(polls >= 5);
}

//! The job journal (issue 11, item 5): a batch whose page went away mid-run is resumed from the
//! journal by a new client, and every input comes back once — checked against the server's own
//! count of created jobs. "The page went away" is the batch's future dropped mid-run (every
//! request, stream and timer inside is dropped with it, as an unload does), after the page said it
//! is being left (`beforeunload`), or without warning.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::HashSet;
use std::future::Future;

use arvak_grpc_wasm::bindings::batch::JsBatchJobManager;
use arvak_grpc_wasm::bindings::options::ClientOptionsArg;
use arvak_grpc_wasm::bindings::JsArvakClient;
use arvak_grpc_wasm::logic::relay::{self, Relayed};
use arvak_grpc_wasm::web::{
    ArvakClient, BatchJobManager, BatchOutcome, ClientOptions, ManagerOptions, RunOptions,
};
use common::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn log(s: &str) {
    web_sys::console::log_1(&s.into());
}

const X0: &str = "OPENQASM 3.0;\nqubit[1] q;\nbit[1] c;\nx q[0];\nc = measure q;\n";

/// Empties the journal `name` (a previous run's leftovers), through its own API.
fn clear_journal(name: &str) {
    let client = journaled(name);
    let journal = client.journal().unwrap();
    for b in journal.batches() {
        journal.forget_batch(&b.batch_id);
    }
    for j in journal.jobs() {
        journal.forget_job(&j.job_id);
    }
}

fn journaled(name: &str) -> ArvakClient {
    ArvakClient::new(
        server_url(),
        ClientOptions {
            journal: Some(name.to_owned()),
            ..Default::default()
        },
    )
    .expect("client")
}

fn dispatch(event: &str) {
    js_sys::Function::new_no_args(&format!("globalThis.dispatchEvent(new Event('{event}'))"))
        .call0(&JsValue::NULL)
        .unwrap();
}

/// Polls `a` until `until` is ready, then drops `a` unfinished; `Some` if `a` finished first.
async fn run_until<A: Future, B: Future>(a: A, until: B) -> Option<A::Output> {
    let mut a = Box::pin(a);
    let mut b = Box::pin(until);
    std::future::poll_fn(move |cx| {
        if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(v));
        }
        if b.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Pending
    })
    .await
}

/// Starts a 300-job batch on a journaled client and drops it once `cut_after` jobs have ids;
/// with `warn`, the page first says it is being left and the cut comes 300 ms later.
async fn interrupted_batch(name: &str, cut_after: usize, warn: bool) {
    let client = journaled(name);
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let journal = client.journal().unwrap().clone();
    let run = manager.execute_batch(
        circuits(300, X0, 16),
        "simulator",
        RunOptions {
            label: Some("sweep".into()),
            ..Default::default()
        },
        None,
    );
    let cut = async {
        loop {
            sleep_ms(5).await;
            if journal
                .batches()
                .first()
                .is_some_and(|b| b.submitted >= cut_after)
            {
                break;
            }
        }
        if warn {
            dispatch("beforeunload");
            sleep_ms(300).await;
        }
    };
    assert!(
        run_until(run, cut).await.is_none(),
        "the batch finished before it could be interrupted"
    );
    if warn {
        dispatch("pageshow");
    }
}

/// Job ids in a report's results.
fn result_ids(r: &BatchOutcome) -> HashSet<String> {
    r.results
        .iter()
        .flatten()
        .map(|x| x.job_id.clone())
        .collect()
}

#[wasm_bindgen_test]
async fn a_batch_left_mid_run_is_resumed_from_the_journal_with_every_result_once() {
    let name = "test-resume-warned";
    clear_journal(name);
    reset_server().await;
    set_faults(json!({"minJobMs": 150, "rateLimit": 0})).await;
    let before = jobs_created(&stats().await);
    interrupted_batch(name, 100, true).await;
    let left = journaled(name).journal().unwrap().batches();
    assert_eq!(left.len(), 1, "{left:?}");
    let b = &left[0];
    assert_eq!((b.total, b.label.as_deref()), (300, Some("sweep")));
    assert!(b.submitted >= 100 && b.submitted < 300, "{b:?}");
    assert_eq!(
        b.in_doubt, 0,
        "the warned page let its requests land: {b:?}"
    );
    let created_at_cut = jobs_created(&stats().await) - before;

    // The reloaded page: a new client on the same journal resumes through the JS surface.
    let js_client = JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({ "journal": name })).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap();
    let listed = js_client.journal_batches();
    assert_eq!(listed.length(), 1);
    let batch_id = get(&listed.get(0), "batchId");
    assert_eq!(get(&listed.get(0), "inDoubt").as_f64(), Some(0.0));
    let manager = JsBatchJobManager::new(js_client.into(), None).unwrap();
    let t0 = now();
    let report = wait(manager.resume_batch(batch_id, None)).await.unwrap();
    let ms = now() - t0;
    let results = js_sys::Array::from(&get(&report, "results"));
    let ids: HashSet<String> = results
        .iter()
        .filter(|r| !r.is_null())
        .map(|r| get(&r, "jobId").as_string().unwrap())
        .collect();
    let failures = js_sys::Array::from(&get(&report, "failures")).length();
    let s = stats().await;
    reset_server().await;
    let created = jobs_created(&s) - before;
    log(&format!(
        "journal resume (warned): {} with ids at the cut ({created_at_cut} created), {} results \
         after resume in {ms:.0} ms, {failures} failures, {created} jobs created, {} distinct",
        b.submitted,
        ids.len(),
        created
    ));
    assert_eq!(results.length(), 300);
    assert_eq!(failures, 0);
    assert_eq!(ids.len(), 300, "every input has its own job");
    assert_eq!(created, 300, "0 duplicates, 0 jobs left unclaimed");
    assert!(
        journaled(name).journal().unwrap().batches().is_empty(),
        "the finished batch left the journal"
    );
}

#[wasm_bindgen_test]
async fn a_batch_cut_without_warning_resubmits_nothing_and_accounts_for_every_input() {
    let name = "test-resume-cut";
    clear_journal(name);
    reset_server().await;
    set_faults(json!({"minJobMs": 150, "rateLimit": 0})).await;
    let before = jobs_created(&stats().await);
    interrupted_batch(name, 60, false).await;
    let client = journaled(name);
    let left = client.journal().unwrap().batches();
    assert_eq!(left.len(), 1);
    let in_doubt = left[0].in_doubt;
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let r = manager
        .resume_batch(&left[0].batch_id, RunOptions::default(), None)
        .await
        .expect("resume");
    let s = stats().await;
    reset_server().await;
    let created = jobs_created(&s) - before;
    let ids = result_ids(&r);
    log(&format!(
        "journal resume (cut): {} in doubt at the cut, {} results, {} failures, {created} created",
        in_doubt,
        ids.len(),
        r.failures.len()
    ));
    // Every input once: a result, or (in doubt) a failure saying its job may exist.
    assert_eq!(ids.len() + r.failures.len(), 300);
    assert_eq!(r.failures.len(), in_doubt);
    for f in &r.failures {
        assert!(
            f.error.message.contains("not resubmitted"),
            "{}",
            f.error.message
        );
    }
    // Nothing was submitted twice: the server created at most one job per input, and the only
    // jobs without a result are the in-doubt ones.
    assert!(created <= 300, "{created} jobs for 300 inputs");
    assert!(created as usize - ids.len() <= in_doubt);
    assert!(client.journal().unwrap().batches().is_empty());
}

#[wasm_bindgen_test]
async fn single_jobs_stay_in_the_journal_until_a_wait_delivers_them() {
    let name = "test-single";
    clear_journal(name);
    reset_server().await;
    let js_client = JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({ "journal": name })).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap();
    assert_eq!(js_client.journal_name().as_string().as_deref(), Some(name));
    let options = js(json!({"shots": 100, "label": "Bell #1"}));
    let job_id = wait(js_client.submit_qasm(
        BELL.into(),
        "simulator".into(),
        Some(options.unchecked_into()),
    ))
    .await
    .unwrap();
    // A reloaded page (another client on the same journal) finds it, with its label.
    let again = JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({ "journal": name })).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap();
    let jobs = again.journal_jobs();
    assert_eq!(jobs.length(), 1);
    assert_eq!(get(&jobs.get(0), "jobId"), job_id);
    assert_eq!(
        get(&jobs.get(0), "label").as_string().as_deref(),
        Some("Bell #1")
    );
    assert!(get(&jobs.get(0), "submittedAt").is_instance_of::<js_sys::Date>());
    // A wait that delivers the result removes it; a client without a journal lists nothing.
    wait(again.wait_for_job(job_id.clone(), None))
        .await
        .unwrap();
    assert_eq!(again.journal_jobs().length(), 0);
    assert_eq!(js_client.journal_jobs().length(), 0);
    let plain = JsArvakClient::new(JsValue::from(server_url()), None).unwrap();
    assert_eq!(plain.journal_jobs().length(), 0);
    assert!(
        plain.journal_name().is_null(),
        "journalName without a journal is null"
    );
    // Bad names and unknown batches are typed errors.
    let err = JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({ "journal": "" })).unchecked_into::<ClientOptionsArg>()),
    )
    .err()
    .expect("an empty journal name is refused");
    assert_eq!(
        get(&err, "codeName").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    let manager = JsBatchJobManager::new(again.into(), None).unwrap();
    let err = wait(manager.resume_batch("no-such-batch".into(), None))
        .await
        .expect_err("an unknown batch is refused");
    assert_eq!(
        get(&err, "codeName").as_string().as_deref(),
        Some("FAILED_PRECONDITION")
    );
}

#[wasm_bindgen_test]
async fn requests_a_relay_carried_are_kept_for_a_page_the_relay_answers() {
    // A page whose service worker relayed its batch's submissions was left with two inputs on
    // the wire through the relay, one without it, one through the relay two days ago (longer
    // than the relay keeps answers), and one never sent. The reloaded page has no relay (this
    // test page has no service worker): sending the relayed request straight could run it twice,
    // so its inputs fail as "may exist" and the batch stays in the journal for a page the relay
    // answers; the unrelayed and the too-old one are in doubt; only the unsent input is submitted.
    let name = "test-relay-missing";
    clear_journal(name);
    reset_server().await;
    let before = jobs_created(&stats().await);
    let client = journaled(name);
    let journal = client.journal().unwrap().clone();
    let batch = journal
        .begin_batch("simulator", Some("relayed"), &circuits(5, X0, 16))
        .expect("begin");
    let now = js_sys::Date::now();
    let recent = Relayed {
        key: batch.relay_key(0),
        sent_at_ms: now - 1000.0,
    };
    let old = Relayed {
        key: batch.relay_key(1),
        sent_at_ms: now - 2.0 * relay::KEEP_MS,
    };
    batch.sending(0, Some(&recent));
    batch.sending(1, Some(&recent));
    batch.sending(2, None);
    batch.sending(3, Some(&old));
    let left = journal.batches();
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].relayed, left[0].in_doubt, left[0].submitted),
        (3, 1, 0)
    );
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let r = manager
        .resume_batch(batch.batch_id(), RunOptions::default(), None)
        .await
        .expect("resume");
    let created = jobs_created(&stats().await) - before;
    reset_server().await;
    assert_eq!(result_ids(&r).len(), 1, "only the unsent input ran");
    let mut failed: Vec<usize> = r.failures.iter().map(|f| f.index).collect();
    failed.sort_unstable();
    assert_eq!(failed, [0, 1, 2, 3]);
    for f in &r.failures {
        let expected = if f.index < 2 {
            "the batch stays in the journal"
        } else {
            "not resubmitted"
        };
        assert!(
            f.error.message.contains(expected),
            "{}: {}",
            f.index,
            f.error.message
        );
    }
    assert_eq!(created, 1, "nothing was sent twice");
    // Kept for a page the relay answers: the two relayed inputs are still there to ask for.
    let kept = journal.batches();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].relayed, 2, "{kept:?}");
    journal.forget_batch(batch.batch_id());
}

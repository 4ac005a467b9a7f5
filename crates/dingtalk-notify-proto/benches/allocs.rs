//! Heap allocations per build and per parse, counted by a counting global allocator
//! (`stats_alloc` over the system allocator). Run with
//! `cargo bench -p dingtalk-notify-proto --bench allocs`.
//!
//! Prints a table, then one line `ALLOCS_JSON {...}` for `bench/run.sh`. Counts are per
//! call, averaged over many calls after one warm-up call; they are exact integers when the
//! code allocates the same way every time, which it does.

mod common;

use std::alloc::System;
use std::hint::black_box;

use dingtalk_notify_proto::Endpoint;
use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::{Boundary, Part, encode};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use common::*;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CALLS: usize = 1_000;

/// Allocations and bytes per call of `f`.
#[derive(Clone, Copy)]
struct Count {
    allocs: f64,
    bytes: f64,
}

fn count<R>(f: impl FnMut() -> R) -> Count {
    count_n(CALLS, f)
}

/// [`count`] over `calls` calls (fewer for the 20 MB upload).
fn count_n<R>(calls: usize, mut f: impl FnMut() -> R) -> Count {
    black_box(f());
    let region = Region::new(GLOBAL);
    for _ in 0..calls {
        black_box(f());
    }
    let change = region.change();
    // Reallocations are allocations too: each one may move the block.
    let allocs = (change.allocations + change.reallocations) as f64 / calls as f64;
    let bytes = change.bytes_allocated as f64 / calls as f64;
    Count { allocs, bytes }
}

fn parse<E: Endpoint>(body: &str) -> E::Response {
    E::parse_response(http::Response::new(body.as_bytes())).expect("a success answer")
}

fn main() {
    let base = base();
    let token = token();
    let auth = &token;
    let result_10 = result_body(10);

    let gettoken = gettoken();
    let corp = corp_token();
    let send = send();
    let progress = progress();
    let result = result();
    let bar = status_bar();
    let recall = recall();

    let rows: Vec<(&str, Count, Count)> = vec![
        (
            "gettoken",
            count(|| gettoken.build_request(&base, ())),
            count(|| parse::<GetAccessToken>(GETTOKEN_OK)),
        ),
        (
            "get_corp_token",
            count(|| {
                let sig = suite_signature();
                corp.build_request(&base, &sig)
            }),
            count(|| parse::<GetCorpToken>(CORP_TOKEN_OK)),
        ),
        (
            "asyncsend_v2",
            count(|| send.build_request(&base, auth)),
            count(|| parse::<SendWorkNotification>(SEND_OK)),
        ),
        (
            "getsendprogress",
            count(|| progress.build_request(&base, auth)),
            count(|| parse::<GetSendProgress>(PROGRESS_OK)),
        ),
        (
            "getsendresult",
            count(|| result.build_request(&base, auth)),
            count(|| parse::<GetSendResult>(&result_10)),
        ),
        (
            "status_bar_update",
            count(|| bar.build_request(&base, auth)),
            count(|| parse::<UpdateStatusBar>(STATUS_BAR_OK)),
        ),
        (
            "recall",
            count(|| recall.build_request(&base, auth)),
            count(|| parse::<RecallWorkNotification>(RECALL_OK)),
        ),
    ];

    // A 20 MB upload: the whole request, and the multipart body alone. Beyond the head every
    // build has: the query's `type`, the boundary search's table (32 KiB) and the body, the
    // one allocation that holds the file, which is copied once into it.
    let file = vec![7u8; 20 * 1024 * 1024];
    let upload = dingtalk_notify_proto::api::UploadMedia::new(MediaKind::File, "a.pdf", &file);
    let media_request = count_n(20, || upload.build_request(&base, auth));
    let media_body = count_n(20, || {
        let parts = [
            Part::field("type", b"file"),
            Part::file("media", "a.pdf", "application/pdf", &file),
        ];
        encode(&Boundary::for_parts(&parts), &parts)
    });

    println!("allocations per call (counting global allocator, {CALLS} calls each)");
    println!(
        "{:<20} {:>12} {:>12} {:>12} {:>12}",
        "endpoint", "build", "build bytes", "parse", "parse bytes"
    );
    for (name, b, p) in &rows {
        println!(
            "{name:<20} {:>12} {:>12.0} {:>12} {:>12.0}",
            fmt(b.allocs),
            b.bytes,
            fmt(p.allocs),
            p.bytes
        );
    }

    println!();
    println!("getsendresult parse by number of user ids");
    println!(
        "{:>8} {:>12} {:>14} {:>12}",
        "ids", "allocs", "allocs per id", "bytes"
    );
    let mut scaling = Vec::new();
    for n in RESULT_SIZES {
        let body = result_body(n);
        let c = count(|| parse::<GetSendResult>(&body));
        println!(
            "{n:>8} {:>12} {:>14.3} {:>12.0}",
            fmt(c.allocs),
            c.allocs / n as f64,
            c.bytes
        );
        scaling.push((n, c));
    }

    let mut json = String::from("{\"calls\":");
    json.push_str(&CALLS.to_string());
    json.push_str(",\"endpoints\":{");
    for (i, (name, b, p)) in rows.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            "\"{name}\":{{\"build_allocs\":{},\"build_bytes\":{:.0},\"parse_allocs\":{},\"parse_bytes\":{:.0}}}",
            fmt(b.allocs),
            b.bytes,
            fmt(p.allocs),
            p.bytes
        ));
    }
    json.push_str("},\"parse_result\":{");
    for (i, (n, c)) in scaling.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            "\"{n}\":{{\"allocs\":{},\"bytes\":{:.0}}}",
            fmt(c.allocs),
            c.bytes
        ));
    }
    json.push_str(&format!(
        "}},\"media_upload_20mb\":{{\"build_allocs\":{},\"build_bytes\":{:.0},\"body_allocs\":{},\"body_bytes\":{:.0}}}}}",
        fmt(media_request.allocs),
        media_request.bytes,
        fmt(media_body.allocs),
        media_body.bytes
    ));
    println!();
    println!(
        "media upload, 20 MB: request build {} allocs ({:.0} bytes), multipart body {} allocs ({:.0} bytes)",
        fmt(media_request.allocs),
        media_request.bytes,
        fmt(media_body.allocs),
        media_body.bytes
    );
    println!();
    println!("ALLOCS_JSON {json}");
}

/// An integer when the count is whole (it should be), otherwise two decimals.
fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

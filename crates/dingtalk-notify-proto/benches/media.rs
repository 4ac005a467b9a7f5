//! Building a 20 MB media upload beside one copy of the same 20 MB into a fresh buffer (the
//! least any upload that sends one contiguous body must do). Run with
//! `cargo bench -p dingtalk-notify-proto --bench media`.
//!
//! Groups (criterion ids, as `target/criterion/<group>/<id>`), wall time:
//! - `media_build/memcpy_20mb`: `Vec::with_capacity` + `extend_from_slice` of the file;
//! - `media_build/upload_20mb`: `UploadMedia::build_request` of the same file (its kind and
//!   size checked, a boundary found absent from it, the multipart body, the request head).
//!
//! - `media_build/boundary_20mb`, `media_build/body_20mb`: a boundary found absent from the
//!   file (its own pass) and the body alone; the build does both in one pass
//!   (`encode_picked`).
//! - `media_build/streamed_20mb`: the same body read through the form's reader into a
//!   128 KiB buffer, as the ureq transport sends an upload (no body is built).
//!
//! The target (bench/run.sh, summary.json `media_build_over_memcpy`): upload ÷ memcpy ≤ 1.5.

use std::hint::black_box;
use std::io::Read;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_notify_proto::api::UploadMedia;
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::{Boundary, Form, Part, encode};
use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};

const SIZE: usize = 20 * 1024 * 1024;

fn media_build(c: &mut Criterion) {
    let file: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let base = BaseUrl::default();
    let token = AccessToken::new("bE74d9c0a1b2c3d4e5f60718293a4b5c");
    let mut g = c.benchmark_group("media_build");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(30);
    g.bench_function("memcpy_20mb", |b| {
        b.iter(|| {
            let mut copy = Vec::with_capacity(SIZE);
            copy.extend_from_slice(black_box(&file));
            copy
        })
    });
    g.bench_function("upload_20mb", |b| {
        b.iter(|| {
            UploadMedia::new(MediaKind::File, "handbook.pdf", black_box(&file))
                .build_request(&base, &token)
                .expect("builds")
        })
    });
    // Its two parts: picking a boundary absent from the file, and the body alone.
    let parts = [
        Part::field("type", b"file"),
        Part::file("media", "handbook.pdf", "application/pdf", &file),
    ];
    g.bench_function("boundary_20mb", |b| {
        b.iter(|| Boundary::for_parts(black_box(&parts)))
    });
    let boundary = Boundary::for_parts(&parts);
    g.bench_function("body_20mb", |b| {
        b.iter(|| encode(&boundary, black_box(&parts)))
    });
    let form = Form::new(parts.to_vec());
    let mut buf = vec![0u8; 128 * 1024];
    g.bench_function("streamed_20mb", |b| {
        b.iter(|| {
            let mut reader = form.reader();
            let mut total = 0;
            loop {
                let n = reader.read(&mut buf).expect("no boundary in the file");
                if n == 0 {
                    break total;
                }
                total += n;
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = media_build
}
criterion_main!(benches);

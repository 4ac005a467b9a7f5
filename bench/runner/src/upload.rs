//! `upload`: a media upload of `size` bytes over loopback through the client (ureq), beside
//! a raw ureq POST of the same multipart body, interleaved round by round (with the parts
//! of ours: the whole body built, that body sent, and the form sent as the client sends it). Both go to a
//! sink on loopback (started here) that reads the whole body and answers DingTalk's upload
//! answer, so only the clients differ. Prints one JSON line: the medians and their ratio.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use dingtalk_notify::kit::Validated;
use dingtalk_notify::kit::api::UploadMedia;
use dingtalk_notify::media::MediaKind;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{AccessToken, BaseUrl, Client, Endpoint, TokenSource};

use crate::contenders::transport_agent_config;
use crate::{APP_KEY, APP_SECRET, Result, TOKEN};

const UPLOAD_ANSWER: &str =
    r#"{"errcode":0,"errmsg":"ok","type":"file","media_id":"@lAzbench","created_at":1}"#;

/// Serves one connection: request after request, each body read whole (Content-Length).
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let token = line.contains("/gettoken");
        let mut len = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            if header == "\r\n" || header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        body.clear();
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
        black_box(&body);
        let answer = if token {
            format!(r#"{{"errcode":0,"access_token":"{TOKEN}","errmsg":"ok","expires_in":7200}}"#)
        } else {
            UPLOAD_ANSWER.to_owned()
        };
        write!(
            writer,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        )?;
        writer.flush()?;
    }
}

fn sink() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    Ok(format!("http://{addr}"))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Runs `rounds` rounds (after two unmeasured ones) of one upload each way.
pub(crate) fn upload(size: usize, rounds: usize) -> Result<()> {
    let base = BaseUrl::new(&sink()?)?;
    let file: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let timeout = Duration::from_secs(120);
    let client = Client::builder(TokenSource::app(APP_KEY, APP_SECRET))
        .base_url(base.clone())
        .build(UreqTransport::builder().timeout(timeout).build());
    // The raw side posts the very body the client would build, prebuilt once.
    let prebuilt = UploadMedia::new(MediaKind::File, "bench.pdf", &file)
        .build_request(&base, &AccessToken::new(TOKEN))?;
    let agent = transport_agent_config().new_agent();
    let raw = || -> Result<()> {
        let mut builder = agent.post(prebuilt.uri());
        for (name, value) in prebuilt.headers() {
            builder = builder.header(name, value);
        }
        let mut response = builder.send(prebuilt.body().as_slice())?;
        let answer = response.body_mut().read_to_vec()?;
        black_box(answer);
        Ok(())
    };
    let ours = || -> Result<()> {
        black_box(client.upload_media(MediaKind::File, "bench.pdf", &file)?);
        Ok(())
    };
    // Where the time goes: the client sends an upload as a form (the file read straight from
    // `file` into ureq's buffer: `send_form`); beside it, the whole body built (what a
    // transport without streaming sends: isahc) and that body sent.
    let transport = UreqTransport::builder().timeout(timeout).build();
    let upload = UploadMedia::new(MediaKind::File, "bench.pdf", &file);
    let checked = Validated::new(&upload)?;
    let token = AccessToken::new(TOKEN);
    let (mut t_ours, mut t_raw, mut t_build, mut t_send, mut t_form) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds + 2 {
        let start = Instant::now();
        ours()?;
        let a = start.elapsed();
        let start = Instant::now();
        raw()?;
        let b = start.elapsed();
        let start = Instant::now();
        let built = UploadMedia::new(MediaKind::File, "bench.pdf", &file)
            .build_request(&base, &AccessToken::new(TOKEN))?;
        let c = start.elapsed();
        let start = Instant::now();
        black_box(dingtalk_notify::Transport::send(&transport, built)?);
        let d = start.elapsed();
        let start = Instant::now();
        let form = checked
            .build_form_request(&base, &token)?
            .ok_or("an upload's body is a form")?;
        black_box(dingtalk_notify::Transport::send_form(&transport, form)?);
        let e = start.elapsed();
        if round >= 2 {
            t_ours.push(a);
            t_raw.push(b);
            t_build.push(c);
            t_send.push(d);
            t_form.push(e);
        }
    }
    let (ours_ns, raw_ns) = (median(t_ours).as_nanos(), median(t_raw).as_nanos());
    let (build_ns, send_ns) = (median(t_build).as_nanos(), median(t_send).as_nanos());
    let form_ns = median(t_form).as_nanos();
    println!(
        "{}",
        serde_json::json!({
            "mode": "upload",
            "size": size,
            "rounds": rounds,
            "client_ureq_upload_ns": ours_ns,
            "raw_ureq_post_ns": raw_ns,
            "build_ns": build_ns,
            "transport_send_ns": send_ns,
            "transport_send_form_ns": form_ns,
            "ratio": ours_ns as f64 / raw_ns.max(1) as f64,
        })
    );
    Ok(())
}

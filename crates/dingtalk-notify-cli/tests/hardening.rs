//! Issue 15 regressions at the command line: usage errors that would echo a secret,
//! overflowing durations, the proxy policy with real environment variables.

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{bare, cli, frozen, run};
use dingtalk_notify_mock::Route;

const TOKEN: &str = "T0KEN-given-to-a-flag-9c1e";

/// A usage error never echoes what was given to a secret flag, with or without `--json`
/// (`--app-secret` with its value missing used to swallow `--access-token`, and clap then
/// printed `unrecognized subcommand 'T0KEN…'`).
#[test]
fn usage_errors_never_echo_a_secret() {
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "--app-secret",
            "--access-token",
            TOKEN,
            "send",
            "--user",
            "a",
            "--text",
            "x",
        ],
        vec!["--app-secret", "", "--access-token", TOKEN, "sned"],
        vec![
            "--access-token",
            TOKEN,
            "--app-secret",
            "-abcdef-secret",
            "send",
        ],
        vec![
            "--app-secret=-abcdef-secret",
            "--access-token",
            TOKEN,
            "nosuchcmd",
        ],
        vec!["--access-token", "--json", TOKEN],
    ];
    for args in cases {
        for json in [false, true] {
            let mut all = args.clone();
            if json {
                all.insert(0, "--json");
            }
            let r = run(bare(), &all).expect_code(2);
            for secret in [TOKEN, "abcdef", "'-a'"] {
                assert!(!r.all().contains(secret), "{all:?} shows {secret}: {r:?}");
            }
            if json {
                let doc = r.json();
                assert_eq!(doc["error"]["kind"], "invalid_input", "{r:?}");
                assert_eq!(doc["error"]["exit_code"], 2, "{r:?}");
            } else {
                assert!(r.stderr.starts_with("error: "), "{r:?}");
            }
        }
    }
}

/// Issue 20: a password in the base URL's userinfo is never printed, whatever it holds
/// (`/`, `#`, `?`, `@`, `%`), whether it comes from `--base-url` or `DINGTALK_BASE_URL`,
/// in `--help`, in a usage error or in the refusal of the URL (exit 2, nothing sent).
#[test]
fn a_base_url_password_is_never_printed() {
    for password in ["pa/ss9", "pa#ss9", "pa?ss9", "pa@ss9", "pa%2Fss9", "pa%ss9"] {
        let url = format!("http://user:{password}@127.0.0.1:9");
        let mut cases: Vec<(Vec<&str>, Option<&str>, i32)> = vec![
            (
                vec![
                    "--base-url",
                    &url,
                    "--access-token",
                    TOKEN,
                    "send",
                    "--user",
                    "a",
                    "--text",
                    "x",
                ],
                None,
                2,
            ),
            (
                vec![
                    "--json",
                    "--base-url",
                    &url,
                    "--access-token",
                    TOKEN,
                    "send",
                    "--user",
                    "a",
                    "--text",
                    "x",
                ],
                None,
                2,
            ),
            (
                vec![
                    "--access-token",
                    TOKEN,
                    "send",
                    "--user",
                    "a",
                    "--text",
                    "x",
                ],
                Some(&url),
                2,
            ),
            (
                vec![
                    "--json",
                    "--access-token",
                    TOKEN,
                    "progress",
                    "--task-id",
                    "1",
                ],
                Some(&url),
                2,
            ),
            (vec!["--help"], Some(&url), 0),
            (vec!["send", "--help"], Some(&url), 0),
            (vec!["--base-url", &url, "nosuchcmd"], None, 2),
        ];
        for (args, env, code) in cases.drain(..) {
            let mut cmd = bare();
            if let Some(env) = env {
                cmd.env("DINGTALK_BASE_URL", env);
            }
            let r = run(cmd, &args).expect_code(code);
            let all = r.all();
            assert!(!all.contains(password), "{args:?} shows {password}: {r:?}");
            assert!(
                !all.contains("ss9"),
                "{args:?} shows part of {password}: {r:?}"
            );
        }
    }
}

/// `--json` with any usage error prints one error document.
#[test]
fn json_usage_errors_print_a_document() {
    for args in [
        vec!["--json", "no-such-command"],
        vec!["--json", "send", "--user", "a"],
        vec!["--json", "progress", "--task-id", "x"],
        vec!["--json"],
    ] {
        let r = run(bare(), &args).expect_code(2);
        let doc = r.json();
        assert_eq!(doc["error"]["kind"], "invalid_input", "{args:?}: {r:?}");
        assert!(!doc["error"]["message"].as_str().unwrap().is_empty());
    }
}

/// `--timeout 9.3e18` used to panic (exit 101) adding it to an `Instant`.
#[test]
fn absurd_timeouts_are_refused() {
    let server = frozen();
    for t in ["9.3e18", "1e300", "86401"] {
        let r = run(
            bare(),
            ["--json", "--timeout", t, "progress", "--task-id", "1"],
        )
        .expect_code(2);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("at most 86400"),
            "{r:?}"
        );
        let r = run(cli(&server), ["--timeout", t, "progress", "--task-id", "1"]).expect_code(2);
        assert!(r.stderr.contains("--timeout"), "{r:?}");
    }
    assert!(server.requests().is_empty());
}

/// A listener that counts connections (a proxy that should never be reached).
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (format!("http://{addr}"), count)
}

/// Proxy variables and `--proxy` never carry a loopback call (the secrets would go to the
/// proxy in clear text): the simulator answers, the proxy sees no connection.
#[test]
fn proxies_never_carry_loopback_calls() {
    let server = frozen();
    let (proxy, connections) = counting_listener();
    let vars = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    for var in vars {
        let mut cmd = cli(&server);
        cmd.env(var, &proxy).env("REQUEST_METHOD", "GET");
        run(cmd, ["send", "--user", "alice", "--text", "hi"]).expect_code(0);
    }
    let mut cmd = cli(&server);
    cmd.env("DINGTALK_PROXY", &proxy);
    run(cmd, ["send", "--user", "alice", "--text", "hi"]).expect_code(0);
    run(
        cli(&server),
        ["--proxy", &proxy, "send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(0);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    assert_eq!(server.requests_to(Route::Send).len(), vars.len() + 2);
}

/// A proxy that cannot be used is refused before anything is sent (exit 2), never skipped.
#[test]
fn unusable_proxies_are_refused() {
    let (proxy, connections) = counting_listener();
    let socks = proxy.replace("http://", "socks5://");
    let https = [
        "--base-url",
        "https://oapi.dingtalk.invalid",
        "--access-token",
        "tok-1234",
        "--agent-id",
        "1",
    ];
    let mut args = vec!["--json", "--proxy", socks.as_str()];
    args.extend(https);
    args.extend(["progress", "--task-id", "1"]);
    let r = run(bare(), &args).expect_code(2);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("socks5"),
        "{r:?}"
    );

    for var in ["HTTPS_PROXY", "ALL_PROXY", "https_proxy"] {
        for bad in [socks.as_str(), "http://proxy:port"] {
            let mut cmd = bare();
            cmd.env(var, bad);
            let mut args = vec!["--json"];
            args.extend(https);
            args.extend(["progress", "--task-id", "1"]);
            let r = run(cmd, &args).expect_code(2);
            let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains("HTTPS_PROXY"), "{r:?}");
        }
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}

/// A complete HTTP/1.1 answer with this JSON body.
fn raw_json(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The token fetched at run time, echoed by the server in `request_id`, `sub_code`, the
/// throttle page's `punish`, in any case or percent-encoded, never reaches the output.
#[test]
fn a_fetched_token_echoed_back_is_redacted_everywhere() {
    const FETCHED: &str = "Run-Time-Token+77aa";
    let forms = [
        "run-time-token+77aa",
        "RUN-TIME-TOKEN%2B77AA",
        "Run-Time-Token%2b77aa",
    ];
    let answers = [
        format!(
            r#"{{"errcode":40056,"errmsg":"bad {}","sub_code":"{}","request_id":"{}"}}"#,
            forms[0], forms[1], forms[2]
        ),
        format!(r#"{{"status":1111,"wait":1,"punish":"{}"}}"#, forms[0]),
    ];
    for answer in answers {
        for json in [false, true] {
            let server = frozen();
            let token = format!(r#"{{"errcode":0,"access_token":"{FETCHED}","expires_in":7200}}"#);
            server.inject(
                Route::GetToken,
                dingtalk_notify_mock::Calls::All,
                dingtalk_notify_mock::Fault::Raw(raw_json(&token)),
            );
            server.inject(
                Route::Send,
                dingtalk_notify_mock::Calls::All,
                dingtalk_notify_mock::Fault::Raw(raw_json(&answer)),
            );
            let mut args = vec!["--timeout", "2", "send", "--user", "alice", "--text", "hi"];
            if json {
                args.insert(0, "--json");
            }
            let r = run(cli(&server), &args);
            assert!(matches!(r.code, Some(1) | Some(4)), "{r:?}");
            if json {
                let _ = r.json();
            }
            let shown = r.all().to_ascii_lowercase();
            for form in ["run-time-token+77aa", "run-time-token%2b77aa"] {
                assert!(!shown.contains(form), "{answer}: {r:?}");
            }
            assert!(
                shown.contains("<redacted>") || shown.contains("[redacted]"),
                "{r:?}"
            );
        }
    }
}

/// Server text with escape sequences and CR/LF reaches the terminal escaped (no window
/// title, no cleared screen, no forged lines); `--json` keeps it exact.
#[test]
fn server_text_cannot_drive_the_terminal() {
    use dingtalk_notify_mock::{Calls, Fault};
    let server = frozen();
    let result = r#"{"errcode":0,"send_result":{"read_user_id_list":["eve\u001b]0;pwned\u0007","mallory\r\nunread       9  forged"],"unread_user_id_list":[],"failed_user_id_list":[],"invalid_user_id_list":[],"forbidden_user_id_list":[],"forbidden_list":[],"invalid_dept_id_list":[]},"request_id":"r\u001b[2J"}"#;
    server.inject(Route::SendResult, Calls::All, Fault::Raw(raw_json(result)));
    let r = run(cli(&server), ["result", "--task-id", "1"]).expect_code(0);
    assert!(
        !r.all().contains('\u{1b}') && !r.all().contains('\r'),
        "{r:?}"
    );
    assert_eq!(r.stdout.lines().count(), 5, "no forged line: {r:?}");
    assert!(r.stdout.contains("\\u{1b}]0;pwned"), "{r:?}");

    let r = run(cli(&server), ["--json", "result", "--task-id", "1"]).expect_code(0);
    let ids = &r.json()["send_result"]["read_user_id_list"];
    assert_eq!(ids[0], "eve\u{1b}]0;pwned\u{7}");
    assert_eq!(ids[1], "mallory\r\nunread       9  forged");

    let error = r#"{"errcode":40056,"errmsg":"bad\u001b[2J\u001b]0;title\u0007","request_id":"id\r\nerror: forged"}"#;
    server.inject(Route::SendProgress, Calls::All, Fault::Raw(raw_json(error)));
    let r = run(cli(&server), ["progress", "--task-id", "1"]).expect_code(1);
    assert!(
        !r.all().contains('\u{1b}') && !r.all().contains('\r'),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
}

/// A port outside 1–65535 is refused (exit 2): `http` read `:99999` as no port at all, and
/// the token went to port 80.
#[test]
fn ports_out_of_range_are_refused() {
    for url in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65536",
        "http://localhost:0",
        "https://x:",
    ] {
        let r = run(
            bare(),
            [
                "--json",
                "--base-url",
                url,
                "--access-token",
                "tok1",
                "--agent-id",
                "1",
                "progress",
                "--task-id",
                "1",
            ],
        )
        .expect_code(2);
        let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains("port"), "{url}: {r:?}");
    }
}

/// `--all-users` with users or departments is refused before anything is sent: DingTalk
/// ignores the lists under `to_all_user` and the whole organisation would get the message.
#[test]
fn conflicting_audiences_are_refused() {
    let server = frozen();
    let dir = std::env::temp_dir().join(format!("dtn-cli-audiences-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users.txt");
    std::fs::write(&users, "alice\nbob\n").unwrap();
    let users = users.to_str().unwrap();
    let ledger = dir.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    // Every path: a single send, a campaign from a file, a campaign kept in a ledger, in
    // either order of the options.
    for extra in [
        vec!["--user", "alice"],
        vec!["--dept", "2"],
        vec!["--users-file", users],
        vec!["--users-file", users, "--ledger", ledger],
        vec!["--user", "alice", "--ledger", ledger],
    ] {
        for all_first in [true, false] {
            let mut args = vec!["--json", "send", "--text", "hi"];
            if all_first {
                args.insert(2, "--all-users");
                args.extend(extra.iter().copied());
            } else {
                args.extend(extra.iter().copied());
                args.push("--all-users");
            }
            let r = run(cli(&server), &args).expect_code(2);
            assert_eq!(
                r.json()["error"]["kind"],
                "invalid_input",
                "{args:?}: {r:?}"
            );
        }
    }
    assert!(server.requests_to(Route::Send).is_empty());
    // Nothing was even planned: no ledger file was created.
    assert!(!std::path::Path::new(ledger).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Answers that cannot be acted on exit 4 (`response`): a send answered with task id 0 or
/// none, and a token answer with an empty `access_token` (not "invalid request": a request
/// went out).
#[test]
fn unusable_answers_exit_4() {
    use dingtalk_notify_mock::{Calls, Fault};
    for (route, body) in [
        (
            Route::Send,
            r#"{"errcode":0,"errmsg":"ok","task_id":0,"request_id":"r1"}"#,
        ),
        (
            Route::Send,
            r#"{"errcode":0,"errmsg":"ok","request_id":"r1"}"#,
        ),
        (
            Route::GetToken,
            r#"{"errcode":0,"errmsg":"ok","access_token":"","expires_in":7200}"#,
        ),
    ] {
        let server = frozen();
        server.inject(route, Calls::All, Fault::Raw(raw_json(body)));
        let r = run(
            cli(&server),
            ["--json", "send", "--user", "alice", "--text", "hi"],
        )
        .expect_code(4);
        assert_eq!(r.json()["error"]["kind"], "response", "{body}: {r:?}");
        assert!(
            server.requests_to(Route::Send).len() <= 1,
            "never sent twice"
        );
    }
}

/// A body cut short of its `Content-Length` is a transport failure (exit 3, the connection
/// broke); a complete body holding cut JSON is an unusable response (exit 4). The README
/// says the same; the fault matrix checks both faults over both transports.
#[test]
fn truncated_bodies_exit_as_documented() {
    use dingtalk_notify_mock::{Calls, Fault};
    for (fault, code, kind) in [
        (Fault::CloseMidBody, 3, "transport"),
        (Fault::TruncatedJson, 4, "response"),
    ] {
        let server = frozen();
        server.inject(Route::SendProgress, Calls::All, fault.clone());
        let r = run(
            cli(&server),
            ["--json", "--timeout", "2", "progress", "--task-id", "1"],
        )
        .expect_code(code);
        let err = &r.json()["error"];
        assert!(
            err["kind"] == kind || err["kind"] == "deadline",
            "{fault:?}: {r:?}"
        );
        assert_eq!(err["exit_code"], code);
    }
}

/// An HTTPS simulator for `names`, and its CA written to a PEM file.
fn https_with_ca_file(names: &[&str]) -> (dingtalk_notify_mock::MockServer, std::path::PathBuf) {
    let tls = dingtalk_notify_mock::ServerTls::for_names(names.iter().copied()).unwrap();
    let server = dingtalk_notify_mock::MockServer::builder()
        .frozen_clock()
        .https(tls)
        .start()
        .unwrap();
    let path = std::env::temp_dir().join(format!(
        "dingtalk-notify-ca-{}-{}.pem",
        std::process::id(),
        server.port()
    ));
    std::fs::write(&path, server.tls().unwrap().ca_pem()).unwrap();
    (server, path)
}

/// A refused certificate exits 3 with kind "tls", nothing sent; `--ca-cert` (or
/// `DINGTALK_CA_CERT`), which adds the CA to the bundled roots, makes the same server
/// trusted, and so does `--ca-cert-only` (the CA alone); a server under another CA, or a
/// hostname mismatch, is refused even then; `--ca-cert-only` without `--ca-cert`, or a file
/// without a certificate, exits 2.
#[test]
fn tls_refusals_and_custom_cas() {
    let (server, ca) = https_with_ca_file(&["127.0.0.1", "localhost"]);
    let send = ["send", "--user", "alice", "--text", "hi"];
    let mut args = vec!["--json"];
    args.extend(send);
    let r = run(cli(&server), &args).expect_code(3);
    assert_eq!(r.json()["error"]["kind"], "tls", "{r:?}");
    assert!(server.requests().is_empty(), "nothing sent");

    let ca_path = ca.to_str().unwrap();
    let mut with_ca = vec!["--ca-cert", ca_path];
    with_ca.extend(send);
    run(cli(&server), &with_ca).expect_code(0);
    let mut cmd = cli(&server);
    cmd.env("DINGTALK_CA_CERT", &ca);
    run(cmd, send).expect_code(0);
    let mut pinned = vec!["--ca-cert-only", "--ca-cert", ca_path];
    pinned.extend(send);
    run(cli(&server), &pinned).expect_code(0);
    assert_eq!(server.requests_to(Route::Send).len(), 3);

    let (other, other_ca) = https_with_ca_file(&["127.0.0.1", "localhost"]);
    for only in [&[][..], &["--ca-cert-only"][..]] {
        let mut args = vec!["--json", "--ca-cert", ca_path];
        args.extend(only);
        args.extend(send);
        let r = run(cli(&other), &args).expect_code(3);
        assert_eq!(r.json()["error"]["kind"], "tls", "{only:?} {r:?}");
    }
    assert!(
        other.requests().is_empty(),
        "nothing sent to another CA's server"
    );
    let mut args = vec!["--ca-cert-only"];
    args.extend(send);
    let r = run(cli(&server), &args).expect_code(2);
    assert!(r.stderr.contains("--ca-cert"), "{r:?}");
    assert_eq!(server.requests_to(Route::Send).len(), 3, "nothing sent");

    let (wrong, wrong_ca) = https_with_ca_file(&["wrong.example"]);
    let mut args = vec!["--json", "--ca-cert", wrong_ca.to_str().unwrap()];
    args.extend(send);
    let r = run(cli(&wrong), &args).expect_code(3);
    assert_eq!(r.json()["error"]["kind"], "tls", "{r:?}");
    assert!(wrong.requests().is_empty());

    let junk =
        std::env::temp_dir().join(format!("dingtalk-notify-junk-{}.pem", std::process::id()));
    std::fs::write(&junk, "not a certificate").unwrap();
    let mut args = vec!["--json", "--ca-cert", junk.to_str().unwrap()];
    args.extend(send);
    let r = run(cli(&server), &args).expect_code(2);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--ca-cert"),
        "{r:?}"
    );
    for path in [ca, other_ca, wrong_ca, junk] {
        let _ = std::fs::remove_file(path);
    }
}

/// A DNS failure names the host lookup (it read "request failed: uncategorized error").
#[test]
fn dns_failures_name_the_host_lookup() {
    let r = run(
        bare(),
        [
            "--json",
            "--timeout",
            "3",
            "--base-url",
            "https://no-such-host.invalid",
            "--access-token",
            "tok-1234",
            "--agent-id",
            "1",
            "progress",
            "--task-id",
            "1",
        ],
    )
    .expect_code(3);
    let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("host lookup (DNS) failed"), "{r:?}");
}

/// `s` with every byte as `%XX`, upper-case hex on even bytes, lower-case on odd ones.
fn percent_every_byte(s: &str) -> String {
    s.bytes()
        .enumerate()
        .map(|(i, b)| {
            if i % 2 == 0 {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

/// Standard base64 with padding, written here (the oracle is not the code under test).
fn base64_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The token fetched at run time, echoed fully percent-encoded or as base64 (of the token
/// behind a 0-, 1- or 2-byte prefix, standard or URL-safe) in a failed send's fields and
/// headers, and in a successful send's `request_id`: no form reaches stdout or stderr, human
/// or `--json`.
#[test]
fn a_fetched_token_echoed_in_any_encoding_never_reaches_the_output() {
    use dingtalk_notify_mock::{Calls, Fault};
    const FETCHED: &str = "Run-Time-Token+77aa/Zq";
    let b64 = |prefix: &str| base64_of(format!("{prefix}{FETCHED}").as_bytes());
    // (form, where the characters holding token bits only start)
    let forms = [
        (percent_every_byte(FETCHED), 3),
        (b64(""), 0),
        (b64("a"), 4),
        (b64("ab").replace('+', "-").replace('/', "_"), 5),
    ];
    for (form, start) in &forms {
        let probe = form[*start..form.len() - 4].to_ascii_lowercase();
        let failed = format!(
            r#"{{"errcode":40056,"errmsg":"bad {form}","sub_code":"{form}","sub_msg":"{form}","request_id":"{form}"}}"#
        );
        let sent = format!(r#"{{"errcode":0,"errmsg":"ok","task_id":77,"request_id":"{form}"}}"#);
        for (answer, code) in [(failed, 1), (sent, 0)] {
            for json in [false, true] {
                let server = frozen();
                let token =
                    format!(r#"{{"errcode":0,"access_token":"{FETCHED}","expires_in":7200}}"#);
                server.inject(Route::GetToken, Calls::All, Fault::Raw(raw_json(&token)));
                let raw = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Echo: {form}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                server.inject(Route::Send, Calls::All, Fault::Raw(raw.into_bytes()));
                let mut args = vec!["--timeout", "2", "send", "--user", "alice", "--text", "hi"];
                if json {
                    args.insert(0, "--json");
                }
                let r = run(cli(&server), &args).expect_code(code);
                if json {
                    let _ = r.json();
                }
                let shown = r.all().to_ascii_lowercase();
                assert!(!shown.contains(&probe), "{form} ({answer}): {r:?}");
                // (A success shows the task id, not the request id: nothing to redact.)
                if code != 0 {
                    assert!(shown.contains("redacted"), "{form} ({answer}): {r:?}");
                }
            }
        }
    }
}

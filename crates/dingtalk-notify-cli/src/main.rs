//! `dingtalk-notify`: send DingTalk work notifications (工作通知) and follow them from a
//! shell: send, progress, result, watch, status bar, recall; plus a credential-free `demo`
//! and a standalone simulator (`mock-server`).
//!
//! Exit codes: 0 success, 1 DingTalk errcode, 2 invalid input (nothing sent), 3 transport
//! failure, 4 unusable response. See `dingtalk-notify --help`.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod budget;
pub mod cli;
pub mod commands;
pub mod exit;
pub mod output;
pub mod report;
pub mod secrets;
pub mod signals;
pub mod usage;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::output::Output;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(usage::report(&e, &args)),
    };
    for secret in commands::secrets(&cli.global) {
        secrets::remember(secret);
    }
    let out = Output::new(cli.global.json);
    match commands::run(&cli, out) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(failure) => {
            let failure = failure.redact(commands::secrets(&cli.global));
            out.failure(&failure);
            ExitCode::from(failure.exit_code)
        }
    }
}

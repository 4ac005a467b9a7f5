//! Fuzzes `GetSendResult::parse_response`.
#![no_main]

#[macro_use]
mod common;

parse_target!(dingtalk_notify_proto::api::GetSendResult);

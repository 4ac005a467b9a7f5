//! Cross-crate integration tests for dingtalk-notify (unpublished).
//!
//! The scenario matrix in `tests/*.rs` runs the same scenarios over every transport against
//! the simulator.
#![forbid(unsafe_code)]

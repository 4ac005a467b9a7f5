//! `completions SHELL`: a script for each shell clap_complete knows, naming the commands;
//! an unknown shell is a usage error.

mod common;

use common::{bare, run};

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(bare(), ["completions", shell]).expect_code(0);
        assert!(!r.stdout.trim().is_empty(), "{shell}: {r:?}");
        for name in [
            "campaign",
            "send",
            "status-bar",
            "completions",
            "--suite-ticket",
        ] {
            assert!(r.stdout.contains(name), "{shell} lacks {name}: {r:?}");
        }
        assert!(r.stderr.is_empty(), "{shell}: {r:?}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let r = run(bare(), ["completions", "tcsh"]).expect_code(2);
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains("bash"), "the choices are listed: {r:?}");
    let r = run(bare(), ["completions"]).expect_code(2);
    assert!(r.stderr.contains("<SHELL>"), "{r:?}");
    let r = run(bare(), ["--json", "completions", "tcsh"]).expect_code(2);
    assert!(r.stdout.contains("\"exit_code\":2"), "{r:?}");
}

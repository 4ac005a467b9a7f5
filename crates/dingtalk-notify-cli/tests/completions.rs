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

/// The completion script for `shell`, written to a file of its own in a fresh directory that
/// also holds a file, so a completion that falls back to file names shows it.
fn script_in_dir(shell: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "dingtalk-notify-completions-{shell}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a-stray-file"), "").unwrap();
    let r = run(bare(), ["completions", shell]).expect_code(0);
    let path = dir.join(format!("dingtalk-notify.{shell}"));
    std::fs::write(&path, r.stdout).unwrap();
    (dir, path)
}

/// The shell at `/usr/bin/env`'s `name`, or a failure naming the package to install (as the
/// Redis tests do for redis-server: scripts/test.sh installs it).
fn shell(name: &str) -> std::process::Command {
    let found = std::process::Command::new(name)
        .arg("-c")
        .arg("exit 0")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{name} is not installed: `apt-get install {name}` (scripts/test.sh installs it)"
    );
    std::process::Command::new(name)
}

/// What bash offers for the command line `words` (the last one being completed): the
/// script is sourced in a clean bash, the function `complete -p` registered for the command
/// is called the way readline calls it, and COMPREPLY is read back.
fn bash_completes(script: &std::path::Path, dir: &std::path::Path, words: &[&str]) -> Vec<String> {
    const DRIVER: &str = r#"
source "$1"; shift
spec=$(complete -p dingtalk-notify) || exit 90
fn=${spec#*-F }; fn=${fn%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
"$fn" dingtalk-notify "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = shell("bash")
        .args(["--norc", "--noprofile", "-c", DRIVER, "bash"])
        .arg(script)
        .args(words)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{words:?}: {out:?}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_offers(offered: &[String], expected: &[&str], words: &[&str]) {
    for want in expected {
        assert!(
            offered.iter().any(|o| o == want),
            "{words:?} does not offer {want}: {offered:?}"
        );
    }
    assert!(
        !offered.iter().any(|o| o == "a-stray-file"),
        "{words:?} fell back to file names: {offered:?}"
    );
}

#[test]
fn bash_completes_subcommands_and_options_at_every_level() {
    let (dir, script) = script_in_dir("bash");
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["dingtalk-notify", ""],
            &[
                "send",
                "campaign",
                "status-bar",
                "mock-server",
                "completions",
            ],
        ),
        (
            &["dingtalk-notify", "--"],
            &["--base-url", "--json", "--agent-id"],
        ),
        (
            &["dingtalk-notify", "campaign", ""],
            &[
                "status",
                "watch",
                "result",
                "status-bar",
                "recall",
                "resume",
            ],
        ),
        (
            &["dingtalk-notify", "campaign", "status-bar", "--"],
            &["--value", "--help"],
        ),
        (
            &["dingtalk-notify", "--json", "send", "--"],
            &["--user", "--users-file", "--text", "--msg-json"],
        ),
        (
            &["dingtalk-notify", "completions", ""],
            &["bash", "zsh", "fish"],
        ),
    ];
    for (words, expected) in cases {
        let offered = bash_completes(&script, &dir, words);
        assert_offers(&offered, expected, words);
    }
    // The prefix typed so far narrows the offer.
    let offered = bash_completes(&script, &dir, &["dingtalk-notify", "campaign", "re"]);
    assert_eq!(
        offered,
        ["result", "recall", "resume", "report", "remind"],
        "campaign re<TAB>"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn fish_completes_subcommands_and_options_at_every_level() {
    let (dir, script) = script_in_dir("fish");
    let cases: [(&str, &[&str]); 4] = [
        ("dingtalk-notify ", &["send", "campaign", "status-bar"]),
        (
            "dingtalk-notify campaign ",
            &["status", "watch", "result", "resume"],
        ),
        ("dingtalk-notify campaign status-bar --", &["--value"]),
        ("dingtalk-notify send --", &["--users-file", "--text"]),
    ];
    for (line, expected) in cases {
        let out = shell("fish")
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source {}; complete -C '{line}'", script.display()))
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{line:?}: {out:?}");
        // `complete -C` prints `candidate<TAB>description` lines.
        let offered: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect();
        assert_offers(&offered, expected, &[line]);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn zsh_script_parses_and_defines_every_level() {
    let (dir, script) = script_in_dir("zsh");
    let out = shell("zsh").arg("-n").arg(&script).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "zsh -n: {out:?}"
    );
    // A function per nested command list, as `_arguments` needs them.
    let text = std::fs::read_to_string(&script).unwrap();
    for function in [
        "_dingtalk-notify_commands",
        "_dingtalk-notify__subcmd__campaign_commands",
    ] {
        assert!(
            text.contains(&format!("{function}()")),
            "{function} missing"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

//! Usage errors (clap's), reported like every other failure: exit 2, on stderr, and with
//! `--json` as the one error document on stdout. Nothing given to a secret flag or variable
//! is ever echoed: clap quotes the arguments it could not place, and one of them may be a
//! secret.

use std::ffi::OsString;

use clap::error::ErrorKind;
use dingtalk_notify::kit::redaction::{contains_values, redact_values};

use crate::exit::Failure;
use crate::output::Output;

/// Flags whose values are never shown.
const SECRET_FLAGS: [&str; 6] = [
    "--app-secret",
    "--access-token",
    "--suite-secret",
    "--suite-ticket",
    "--proxy",
    "--redis",
];
/// Variables whose values are never shown.
const SECRET_VARS: [&str; 6] = [
    "DINGTALK_APP_SECRET",
    "DINGTALK_ACCESS_TOKEN",
    "DINGTALK_SUITE_SECRET",
    "DINGTALK_SUITE_TICKET",
    "DINGTALK_PROXY",
    "DINGTALK_REDIS_URL",
];
/// Below this length a secret is not cut out of the message: the whole message is withheld.
const SHORTEST_REDACTED: usize = 4;

/// The values given to secret flags in `args` (`--app-secret X`, `--app-secret=X`), whatever
/// clap made of them, plus the secret variables' values.
pub fn secret_values(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::new();
    let mut args = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        for flag in SECRET_FLAGS {
            if arg == flag {
                out.extend(args.next());
            } else if let Some(value) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                out.push(value.to_owned());
            }
        }
    }
    out.extend(SECRET_VARS.iter().filter_map(|v| std::env::var(v).ok()));
    out.retain(|s| !s.is_empty());
    out
}

/// Whether `--json` was asked for (before any `--`).
pub fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// `text` without any of `secrets`, by the core's redaction engine: each is cut out (in any
/// form a text could hold it: any ASCII case, percent-encoded, JSON-escaped), or the whole
/// text is withheld when a secret too short to cut out cleanly appears in it.
/// Clap also quotes pieces of an argument (`-abc` as `'-a'`): a quoted piece of a secret
/// withholds the text too.
pub fn without_secrets(text: &str, secrets: &[String]) -> String {
    const WITHHELD: &str =
        "invalid arguments (the details are withheld: they would show a secret); see --help";
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let short: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|s| s.len() < SHORTEST_REDACTED)
        .collect();
    if contains_values(text.as_bytes(), &short, 1) {
        return WITHHELD.to_owned();
    }
    let text = redact_values(text, &secrets, "<redacted>", SHORTEST_REDACTED);
    let mut quoted = text.split('\'').skip(1).step_by(2);
    if quoted.any(|q| !q.is_empty() && secrets.iter().any(|s| s.contains(q))) {
        return WITHHELD.to_owned();
    }
    text.into_owned()
}

/// Reports a clap error and returns the exit code: help and version as clap prints them,
/// every other error as a [`Failure`] (exit 2) with secrets withheld.
pub fn report(error: &clap::Error, args: &[OsString]) -> u8 {
    let json = wants_json(args);
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return crate::exit::SUCCESS;
    }
    let secrets = secret_values(args);
    let rendered = without_secrets(&error.render().to_string(), &secrets);
    // The error's own lines, without clap's usage and help hints.
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let message = message.join(" ");
    let message = message.trim_start_matches("error: ");
    let failure = Failure::invalid_input(if message.is_empty() {
        "invalid arguments; see --help"
    } else {
        message
    });
    if json {
        Output::new(true).failure(&failure);
    } else if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        crate::output::stderr(rendered.trim_end());
    } else {
        crate::output::stderr(&format!(
            "error: {}",
            rendered.trim_start_matches("error: ").trim_end()
        ));
    }
    failure.exit_code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn secret_flag_values_are_found_in_both_forms() {
        let a = args(&[
            "x",
            "--app-secret",
            "--access-token",
            "TOKEN",
            "--access-token=t2",
            "--",
            "--proxy",
            "p",
        ]);
        let found = secret_values(&a);
        assert!(found.contains(&"--access-token".to_owned()));
        assert!(found.contains(&"t2".to_owned()));
        assert!(!found.contains(&"p".to_owned()), "after --");
    }

    #[test]
    fn secrets_are_cut_or_the_text_withheld() {
        let s = vec!["TOKEN123".to_owned()];
        assert_eq!(
            without_secrets("unexpected 'TOKEN123'", &s),
            "unexpected '<redacted>'"
        );
        let short = vec!["ab".to_owned()];
        assert!(!without_secrets("unexpected 'ab'", &short).contains("ab'"));
        let hyphen = vec!["-abcdef".to_owned()];
        assert!(!without_secrets("unexpected argument '-a' found", &hyphen).contains("'-a'"));
        assert_eq!(
            without_secrets("a value is required for '--app-secret <SECRET>'", &hyphen),
            "a value is required for '--app-secret <SECRET>'"
        );
        assert!(wants_json(&args(&["x", "--json"])));
        assert!(!wants_json(&args(&["x", "--", "--json"])));
    }
}

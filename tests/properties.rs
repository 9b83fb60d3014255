//! Property test of the command line: any combination of the options of `plan`,
//! `generate` and `what-if`, with values that are real inputs, missing paths, devices,
//! empty strings or noise, ends in exit 0, 1 or 2 with a message, never a panic, a
//! signal or a hang. Bounded for CI; set `PROPTEST_CASES` for a longer run
//! (CONTRIBUTING.md). `comment` and `capture` are left out: they talk to forges and
//! clusters.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios");

/// Values an option may get: inputs that exist, and the ways they can be wrong.
fn value() -> impl Strategy<Value = String> {
    let real = [
        "appset-removed/snapshot",
        "appset-removed/base",
        "appset-removed/head",
        "appset-removed/head/kube-log.yaml",
        "generate-gotemplate-matrix/appset.yaml",
        "generate-gotemplate-matrix/snapshot",
        "appset-removed/README.md",
    ]
    .map(|path| format!("{SCENARIOS}/{path}"));
    prop_oneof![
        prop::sample::select(real.to_vec()),
        prop::sample::select(vec![
            "",
            "/dev/zero",
            "/dev/null",
            "/nonexistent",
            ".",
            "HEAD",
            "HEAD~1",
            "1.28",
            "0.1",
            "v1.35.0",
            "json",
            "markdown",
            "text",
            "yaml",
            "critical",
            "never",
            "0",
            "1",
            "18446744073709551616",
            "namespace/kube-metrics",
            "apiservice/v1beta1.metrics.k8s.io",
            "in-cluster",
            "e1-k8s-lab-a",
            "https://git.example.com/x=.",
            "=",
            "-",
            "--",
            "\u{202e}",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,12}",
    ]
}

const FLAGS: &[&str] = &[
    "--snapshot",
    "--base",
    "--head",
    "--base-ref",
    "--head-ref",
    "--repo",
    "--path",
    "--kube-version",
    "--max-applications",
    "--format",
    "--fail-on",
    "--controllers",
    "--git-repo",
    "--generator-response",
    "--argocd-cluster",
    "--cluster",
    "--delete",
    "-n",
    "--cascade",
    "-o",
];

/// Random command lines, and complete ones with a few random options more, which get
/// past argument parsing into loading, generating and simulating.
fn arguments() -> impl Strategy<Value = Vec<String>> {
    let complete = [
        "plan --snapshot appset-removed/snapshot --base appset-removed/base --head appset-removed/head",
        "generate generate-gotemplate-matrix/appset.yaml --snapshot generate-gotemplate-matrix/snapshot",
        "what-if --snapshot appset-removed/snapshot --cluster e1-k8s-lab-a --delete namespace/kube-metrics",
    ]
    .map(|line| {
        line.split(' ')
            .map(|word| {
                if word.contains('/') {
                    format!("{SCENARIOS}/{word}")
                } else {
                    word.to_string()
                }
            })
            .collect::<Vec<_>>()
    });
    prop_oneof![
        random_arguments(),
        (
            prop::sample::select(complete.to_vec()),
            random_options(0..3)
        )
            .prop_map(|(mut line, options)| {
                line.extend(options);
                line
            }),
    ]
}

fn random_options(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((prop::sample::select(FLAGS), value(), any::<bool>()), count).prop_map(
        |options| {
            let mut arguments = Vec::new();
            for (flag, value, joined) in options {
                if joined && flag.starts_with("--") {
                    arguments.push(format!("{flag}={value}"));
                } else {
                    arguments.push(flag.to_string());
                    arguments.push(value);
                }
            }
            arguments
        },
    )
}

fn random_arguments() -> impl Strategy<Value = Vec<String>> {
    (
        prop::sample::select(vec!["plan", "generate", "what-if", "debug"]),
        prop::collection::vec((prop::sample::select(FLAGS), value(), any::<bool>()), 0..7),
        prop::option::of(value()),
    )
        .prop_map(|(command, options, positional)| {
            let mut arguments = vec![command.to_string()];
            arguments.extend(positional);
            for (flag, value, joined) in options {
                // `--flag=value` lets values that start with `-` through.
                if joined && flag.starts_with("--") {
                    arguments.push(format!("{flag}={value}"));
                } else {
                    arguments.push(flag.to_string());
                    arguments.push(value);
                }
            }
            arguments
        })
}

/// Runs the binary, killing it after `limit`.
fn run(arguments: &[String], limit: Duration) -> (Option<i32>, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), reader.join().unwrap(), false);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, reader.join().unwrap(), true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_command_line_ends_in_an_exit_code_and_a_message(arguments in arguments()) {
        let (code, stderr, timed_out) = run(&arguments, Duration::from_secs(30));
        prop_assert!(!timed_out, "hung: {arguments:?}");
        prop_assert!(!stderr.contains("panicked"), "panic: {arguments:?}\n{stderr}");
        prop_assert!(matches!(code, Some(0..=2)), "exit {code:?}: {arguments:?}\n{stderr}");
        if code == Some(2) {
            // An error, or the usage when a subcommand is missing.
            prop_assert!(
                stderr.starts_with("error: ") || stderr.contains("Usage: "),
                "exit 2 without a message: {arguments:?}\n{stderr}"
            );
        }
    }
}

//! `durabox replay COMPONENT --history FILE|DIR`: the replay gate. Re-runs the handler
//! against recorded histories without running recorded step bodies, and names the first
//! operation where the code no longer matches.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use durabox::model::history::RecordedHistory;
use durabox::runner::{replay_history, FunctionConfig, ReplayReport, Runtime, RuntimeOptions};

#[derive(Args)]
pub struct ReplayArgs {
    /// The handler component (.wasm).
    component: PathBuf,
    /// A history (GetDurableExecutionHistory JSON as the AWS CLI, boto3 or `durabox run
    /// --json` print it) or a folder of them (every *.json inside, sorted).
    #[arg(long)]
    history: PathBuf,
    /// The execution input, for histories fetched without execution data.
    #[arg(long)]
    input: Option<String>,
    /// Print one JSON report per history instead of text.
    #[arg(long)]
    json: bool,
    /// Environment variable for the guest, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
}

/// Exit codes: 0 every history reproduced; 1 one diverged; 2 a usage, load or read error.
pub fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    if let Some(input) = &args.input {
        serde_json::from_str::<serde_json::Value>(input)
            .with_context(|| format!("--input is not valid JSON: {input}"))?;
    }
    let histories = history_files(&args.history)?;
    let runtime = Runtime::new(RuntimeOptions::default())?;
    let config = FunctionConfig {
        env: super::env_pairs(&args.env)?,
        ..FunctionConfig::default()
    };
    let function = runtime
        .register_file("replayed", &args.component, config)
        .with_context(|| format!("cannot load {}", args.component.display()))?;
    let (mut diverged, mut unreadable) = (0, 0);
    for path in &histories {
        let report = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))
            .and_then(|text| Ok(RecordedHistory::parse(&text)?))
            .and_then(|history| {
                Ok(replay_history(
                    &runtime,
                    &function,
                    &history,
                    args.input.as_deref(),
                )?)
            });
        match report {
            Ok(report) => {
                diverged += usize::from(!report.reproduced());
                print_report(path, &report, args.json)?;
            }
            Err(error) => {
                unreadable += 1;
                eprintln!("{}: error: {error:#}", path.display());
            }
        }
    }
    if histories.len() > 1 && !args.json {
        let clean = histories.len() - diverged - unreadable;
        println!(
            "{clean} of {} histories reproduced, {diverged} diverged, {unreadable} unreadable",
            histories.len()
        );
    }
    Ok(ExitCode::from(match (unreadable, diverged) {
        (0, 0) => 0,
        (0, _) => 1,
        _ => 2,
    }))
}

/// The history file, or the *.json files of a folder in name order.
fn history_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        anyhow::ensure!(path.exists(), "history not found: {}", path.display());
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    anyhow::ensure!(
        !files.is_empty(),
        "no *.json histories in {}",
        path.display()
    );
    Ok(files)
}

fn print_report(path: &Path, report: &ReplayReport, json: bool) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(report)?;
        value["History"] = serde_json::json!(path.display().to_string());
        println!("{}", serde_json::to_string(&value)?);
        return Ok(());
    }
    let Some(divergence) = &report.divergence else {
        let ending = if report.finished {
            "; the result matches".to_owned()
        } else {
            match &report.continued_at {
                Some(next) => format!("; the history is unfinished, the code goes on with {next}"),
                None => "; the history is unfinished".to_owned(),
            }
        };
        println!(
            "{}: reproduced ({} of {} recorded operations){ending}",
            path.display(),
            report.reproduced_operations,
            report.recorded_operations
        );
        return Ok(());
    };
    let at = match (&divergence.position, &divergence.id) {
        (Some(position), Some(id)) => {
            let name = divergence
                .name
                .as_deref()
                .map(|n| format!(", name '{n}'"))
                .unwrap_or_default();
            format!("operation #{position} (id {id}{name})")
        }
        _ => "the execution's end".to_owned(),
    };
    println!("{}: DIVERGED at {at}", path.display());
    println!("  expected: {}", divergence.expected);
    println!("  got:      {}", divergence.got);
    Ok(())
}

//! `durabox test FILE.yaml|DIR …`: run declarative scenarios, print progress, write
//! JUnit XML and a coverage report of durable paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use durabox::build::Builder;
use durabox::runner::scenario::{
    load_file, run_scenario, Coverage, Scenario, ScenarioRun, Subject,
};
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::sandbox::LoadedFunction;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

#[derive(Args)]
pub struct TestArgs {
    /// Scenario files (.yaml/.yml) or folders holding them (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Print the coverage of durable paths after the results.
    #[arg(long)]
    coverage: bool,
    /// Write the coverage report as JSON here.
    #[arg(long, value_name = "PATH")]
    coverage_json: Option<PathBuf>,
}

/// One file's scenarios and how they went (or why the file could not be read).
struct FileOutcome {
    file: PathBuf,
    runs: Vec<ScenarioRun>,
    error: Option<String>,
}

/// Exit codes: 0 every scenario passed; 1 one failed or a file was invalid; 2 usage error.
pub fn test(args: TestArgs) -> anyhow::Result<ExitCode> {
    let files = scenario_files(&args.paths)?;
    let runtime = Runtime::new(RuntimeOptions::default())?;
    let mut components = Components::default();
    let mut coverage = Coverage::default();
    let mut outcomes = Vec::new();
    for file in files {
        let scenarios = match load_file(&file) {
            Ok(scenarios) => scenarios,
            Err(error) => {
                println!("{}: INVALID: {error}", file.display());
                let error = Some(error.to_string());
                outcomes.push(FileOutcome {
                    file,
                    runs: Vec::new(),
                    error,
                });
                continue;
            }
        };
        let mut runs = Vec::new();
        for scenario in &scenarios {
            let run = run_one(&runtime, &mut components, scenario);
            print_run(&file, &run);
            if let Some(result) = &run.result {
                coverage.add(&subject_label(&scenario.subject), result);
            }
            runs.push(run);
        }
        outcomes.push(FileOutcome {
            file,
            runs,
            error: None,
        });
    }
    let runs = outcomes.iter().flat_map(|o| &o.runs);
    let failed = runs.clone().filter(|r| !r.passed()).count();
    let invalid = outcomes.iter().filter(|o| o.error.is_some()).count();
    println!(
        "{} passed, {failed} failed{}",
        runs.count() - failed,
        if invalid > 0 {
            format!(", {invalid} invalid files")
        } else {
            String::new()
        }
    );
    if args.coverage {
        print!("{}", coverage.render());
    }
    if let Some(path) = &args.coverage_json {
        std::fs::write(path, serde_json::to_string_pretty(&coverage)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        write_junit(path, &outcomes)?;
    }
    Ok(ExitCode::from(if failed + invalid == 0 { 0 } else { 1 }))
}

/// Scenario files under `paths`, each folder's in name order.
fn scenario_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            collect_yaml(path, &mut files)?;
            files[before..].sort();
            anyhow::ensure!(
                files.len() > before,
                "no *.yaml scenarios in {}",
                path.display()
            );
        } else {
            anyhow::ensure!(
                path.is_file(),
                "scenario file not found: {}",
                path.display()
            );
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_yaml(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    Ok(())
}

/// Loaded components by subject, built from sources on first use.
#[derive(Default)]
struct Components {
    loaded: BTreeMap<Subject, LoadedFunction>,
    builder: Option<Builder>,
}

impl Components {
    fn get(&mut self, runtime: &Runtime, subject: &Subject) -> anyhow::Result<LoadedFunction> {
        if let Some(loaded) = self.loaded.get(subject) {
            return Ok(loaded.clone());
        }
        let component = match subject {
            Subject::Component(path) => path.clone(),
            Subject::Handler(path) => {
                if self.builder.is_none() {
                    self.builder = Some(Builder::from_env()?);
                }
                let builder = self.builder.as_ref().expect("just set");
                builder.build_for_test(path)?.component
            }
        };
        let loaded = runtime
            .sandbox()
            .load_file(&component)
            .with_context(|| format!("cannot load {}", component.display()))?;
        self.loaded.insert(subject.clone(), loaded.clone());
        Ok(loaded)
    }
}

fn run_one(runtime: &Runtime, components: &mut Components, scenario: &Scenario) -> ScenarioRun {
    let registered = (|| -> anyhow::Result<()> {
        let loaded = components.get(runtime, &scenario.subject)?;
        runtime.register(HANDLER, loaded, FunctionConfig::default());
        for (name, subject) in &scenario.functions {
            let loaded = components.get(runtime, subject)?;
            runtime.register(name, loaded, FunctionConfig::default());
        }
        Ok(())
    })();
    match registered {
        Ok(()) => run_scenario(runtime, HANDLER, scenario),
        Err(error) => ScenarioRun {
            name: scenario.name.clone(),
            failures: vec![format!("{error:#}")],
            elapsed: Default::default(),
            result: None,
        },
    }
}

/// The function name scenarios' handlers run under.
const HANDLER: &str = "scenario";

fn subject_label(subject: &Subject) -> String {
    match subject {
        Subject::Component(path) | Subject::Handler(path) => std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string(),
    }
}

fn print_run(file: &Path, run: &ScenarioRun) {
    let ms = run.elapsed.as_millis();
    if run.passed() {
        println!("{} :: {} ... ok ({ms} ms)", file.display(), run.name);
        return;
    }
    println!("{} :: {} ... FAILED ({ms} ms)", file.display(), run.name);
    for failure in &run.failures {
        println!("    {failure}");
    }
}

fn write_junit(path: &Path, outcomes: &[FileOutcome]) -> anyhow::Result<()> {
    let mut report = Report::new("durabox test");
    for outcome in outcomes {
        let mut suite = TestSuite::new(outcome.file.display().to_string());
        if let Some(error) = &outcome.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.as_str());
            suite.add_test_case(TestCase::new("(scenario file)", status));
        }
        for run in &outcome.runs {
            let status = if run.passed() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(run.failures[0].as_str());
                status.set_description(run.failures.join("\n"));
                status
            };
            let mut case = TestCase::new(run.name.as_str(), status);
            case.set_classname(outcome.file.display().to_string());
            case.set_time(run.elapsed);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    report
        .serialize(std::io::BufWriter::new(file))
        .with_context(|| format!("cannot write JUnit XML to {}", path.display()))
}

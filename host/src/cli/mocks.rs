//! `--mock-step` / `--mock-invoke` flags (and their `-error` forms) as [`Mocks`].

use anyhow::Context;
use durabox::model::mocks::{MockAnswer, Mocks};
use durabox::ErrorObject;

/// Mocks from `[results, errors]` flag values for steps and for invokes.
pub fn parse(steps: [&[String]; 2], invokes: [&[String]; 2]) -> anyhow::Result<Mocks> {
    Ok(Mocks {
        steps: answers("mock-step", steps)?,
        invokes: answers("mock-invoke", invokes)?,
    })
}

fn answers(
    flag: &str,
    [results, errors]: [&[String]; 2],
) -> anyhow::Result<Vec<(String, MockAnswer)>> {
    let mut out = Vec::new();
    for entry in results {
        let (name, json) = super::split_pair(flag, "NAME=JSON", entry)?;
        serde_json::from_str::<serde_json::Value>(json)
            .with_context(|| format!("--{flag} {name}: the result is not valid JSON: {json}"))?;
        out.push((name.to_owned(), MockAnswer::Result(Some(json.to_owned()))));
    }
    for entry in errors {
        let (name, error) = super::split_pair(&format!("{flag}-error"), "NAME=ERROR", entry)?;
        out.push((name.to_owned(), MockAnswer::Error(error_object(error))));
    }
    Ok(out)
}

/// `Type: message` as an ErrorObject; text without `: ` is the message of an `Error`.
pub fn error_object(text: &str) -> ErrorObject {
    match text.split_once(": ") {
        Some((kind, message)) if !kind.is_empty() && !kind.contains(' ') => {
            ErrorObject::new(kind, message)
        }
        _ => ErrorObject::new("Error", text),
    }
}

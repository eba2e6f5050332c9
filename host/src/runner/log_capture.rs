//! `--logs-dir`: each function's guest output as CloudWatch log events, one JSON event a
//! line in `<dir>/<function>.jsonl` (what tests/conformance/harness.py reads in place of
//! CloudWatch Logs).

use std::io::Write;
use std::path::Path;

use crate::model::LogLine;

/// Appends one invocation's output to `<dir>/<function>.jsonl`.
pub fn append(
    dir: &Path,
    function: &str,
    arn: &str,
    request_id: &str,
    lines: &[LogLine],
    stdout: &str,
) -> std::io::Result<()> {
    let messages = messages(arn, request_id, lines, stdout);
    if messages.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let now = crate::service::clock::real_now();
    let mut out = String::new();
    for message in messages {
        let event =
            serde_json::json!({ "timestamp": now, "ingestionTime": now, "message": message });
        out.push_str(&event.to_string());
        out.push('\n');
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{function}.jsonl")))?
        .write_all(out.as_bytes())
}

/// The event messages in the order the guest wrote them: logger lines as structured
/// records, stdout lines raw (as Lambda ships them; a JSON line carrying
/// `durableExecutionArn` is found by the execution's log filter like a record).
fn messages(arn: &str, request_id: &str, lines: &[LogLine], stdout: &str) -> Vec<String> {
    let timestamp = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    // Each stdout line with the offset where it ends; a logger line follows every stdout
    // line that ended before it was logged.
    let mut printed = stdout
        .split_inclusive('\n')
        .scan(0, |end, line| {
            *end += line.len();
            Some((*end, line.trim_end_matches(['\n', '\r'])))
        })
        .filter(|(_, line)| !line.is_empty())
        .peekable();
    let mut messages = Vec::new();
    for line in lines {
        while let Some((_, text)) = printed.next_if(|(end, _)| *end <= line.stdout_offset) {
            messages.push(text.to_owned());
        }
        let record = serde_json::json!({
            "timestamp": timestamp,
            "level": line.level,
            "message": line.message,
            "durableExecutionArn": arn,
            "operationId": line.context_id,
            "requestId": request_id,
        });
        messages.push(record.to_string());
    }
    messages.extend(printed.map(|(_, text)| text.to_owned()));
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(message: &str, stdout_offset: usize) -> LogLine {
        LogLine {
            level: "INFO".into(),
            message: message.into(),
            context_id: None,
            position: 0,
            stdout_offset,
        }
    }

    #[test]
    fn stdout_and_logger_lines_keep_the_order_they_were_written_in() {
        let stdout = "{\"hook\":\"start\"}\nplain\n{\"hook\":\"end\"}\n";
        let after_first = "{\"hook\":\"start\"}\n".len();
        let lines = [logged("in the step", after_first)];
        let messages = messages("arn:x", "req", &lines, stdout);
        assert_eq!(messages.len(), 4);
        assert_eq!(messages[0], "{\"hook\":\"start\"}");
        let record: serde_json::Value = serde_json::from_str(&messages[1]).unwrap();
        assert_eq!(record["message"], "in the step");
        assert_eq!(record["durableExecutionArn"], "arn:x");
        assert_eq!(messages[2..], ["plain", "{\"hook\":\"end\"}"]);
    }
}

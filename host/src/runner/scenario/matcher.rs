//! Subset matching of expected values against actual ones, as AWS's conformance
//! matcher does: every key given must be present and match; `'*'` matches any value.

use serde_json::Value;

/// Whether `actual` has everything `expected` asks for. A JSON string in `actual` also
/// matches the value it encodes (`Payload: '"1 2"'` or `Payload: 1 2`).
pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(star), _) if star == "*" => true,
        (Value::Object(want), Value::Object(have)) => want
            .iter()
            .all(|(key, value)| have.get(key).is_some_and(|got| matches(value, got))),
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| matches(w, h))
        }
        (want, have) if want == have => true,
        (want, Value::String(text)) => serde_json::from_str::<Value>(text).is_ok_and(|decoded| {
            decoded == *want || (!want.is_string() && matches(want, &decoded))
        }),
        _ => false,
    }
}

/// Checks that `expected` events occur in `events` in order; the first one missing is
/// described.
pub fn find_in_order(expected: &[Value], events: &[Value]) -> Result<(), String> {
    let mut from = 0;
    for (i, want) in expected.iter().enumerate() {
        match events[from..].iter().position(|event| matches(want, event)) {
            Some(at) => from += at + 1,
            None => {
                let after = match from {
                    0 => "in the history".to_owned(),
                    n => format!("after history event {n}, where expected event {i} matched"),
                };
                return Err(format!(
                    "expected history event {} not found {after}: {want}",
                    i + 1
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subsets_wildcards_and_encoded_payloads() {
        let event = json!({"EventType": "StepSucceeded", "Name": "one", "EventId": 3,
            "StepSucceededDetails": {"Result": {"Payload": "\"1 2\"", "Truncated": false}}});
        assert!(matches(
            &json!({"EventType": "StepSucceeded", "EventId": "*"}),
            &event
        ));
        assert!(matches(
            &json!({"StepSucceededDetails": {"Result": {"Payload": "\"1 2\""}}}),
            &event
        ));
        assert!(matches(
            &json!({"StepSucceededDetails": {"Result": {"Payload": "1 2"}}}),
            &event
        ));
        assert!(!matches(&json!({"Name": "two"}), &event));
        assert!(!matches(&json!({"Missing": "*"}), &event));
        let encoded = json!({"Payload": "{\"a\": [1, 2]}"});
        assert!(matches(&json!({"Payload": {"a": [1, 2]}}), &encoded));
        assert!(!matches(&json!({"Payload": {"a": [1]}}), &encoded));
    }

    #[test]
    fn history_events_must_come_in_order() {
        let events = [json!({"EventType": "A"}), json!({"EventType": "B"})];
        assert!(find_in_order(
            &[json!({"EventType": "A"}), json!({"EventType": "B"})],
            &events
        )
        .is_ok());
        let wrong = find_in_order(
            &[json!({"EventType": "B"}), json!({"EventType": "A"})],
            &events,
        );
        assert!(wrong
            .unwrap_err()
            .starts_with("expected history event 2 not found after history event 2"));
    }
}

//! Test doubles: answers for steps and chained invokes that the host gives without
//! running the step body or the target function, in every guest language.

use serde::{Deserialize, Serialize};

use super::ErrorObject;

/// What a mocked step or chained invoke returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MockAnswer {
    /// A JSON payload (None: no payload).
    Result(Option<String>),
    /// An error: a mocked step then follows its retry strategy, attempt by attempt.
    Error(ErrorObject),
}

/// Mocks of one execution, by step name or path and by function name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mocks {
    /// (name or `context/…/step` path, answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<(String, MockAnswer)>,
    /// (function name, answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invokes: Vec<(String, MockAnswer)>,
}

impl Mocks {
    /// The answer for step `name` whose enclosing named contexts are `path` (outermost
    /// first): a key with a `/` matches the whole path, a plain key the name anywhere.
    pub(crate) fn step(&self, path: &[&str], name: &str) -> Option<&MockAnswer> {
        self.steps
            .iter()
            .find(|(key, _)| is_path(key, path, name) || (!key.contains('/') && key == name))
            .map(|(_, answer)| answer)
    }

    /// The answer for a chained invoke of `function` (a name, or an ARN ending in it).
    pub(crate) fn invoke(&self, function: &str) -> Option<&MockAnswer> {
        self.invokes
            .iter()
            .find(|(key, _)| key == function)
            .map(|(_, answer)| answer)
    }
}

/// Whether `key` is `path` and `name` joined with `/`, without joining them (asked
/// for every step of every execution).
fn is_path(key: &str, path: &[&str], name: &str) -> bool {
    let mut rest = key;
    for part in path {
        match rest.strip_prefix(part).and_then(|r| r.strip_prefix('/')) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_match_by_name_or_whole_path() {
        let answer = |n: &str| MockAnswer::Result(Some(n.into()));
        let mocks = Mocks {
            steps: vec![("a/b".into(), answer("1")), ("c".into(), answer("2"))],
            invokes: vec![],
        };
        assert_eq!(mocks.step(&["a"], "b"), Some(&answer("1")));
        assert_eq!(mocks.step(&[], "b"), None);
        assert_eq!(mocks.step(&["x", "y"], "c"), Some(&answer("2")));
        assert_eq!(mocks.step(&[], "d"), None);
    }

    #[test]
    fn a_path_key_is_the_joined_path() {
        for (key, path, name) in [
            ("a/b", &["a"][..], "b"),
            ("a/b/c", &["a/b"][..], "c"),
            ("a/b/c", &["a", "b"][..], "c"),
            ("a//c", &["a", ""][..], "c"),
            ("b", &[][..], "b"),
            ("ab/c", &["a"][..], "c"),
            ("a/b", &["a", "b"][..], ""),
            ("a/bc", &["a"][..], "b"),
        ] {
            let joined = path
                .iter()
                .copied()
                .chain([name])
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(
                is_path(key, path, name),
                key == joined,
                "{key} {path:?} {name}"
            );
        }
    }
}

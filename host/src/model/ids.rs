//! Operation ids exactly as the AWS SDKs derive them (`identifier.py`): the first 64 hex
//! characters of BLAKE2b-512 over `"n"` (root context) or `"<parentId>-n"`.

use blake2::{Blake2b512, Digest};

/// Hashes a step id (`"3"`, `"<parent>-2"`, `"<container>-0"`) into an operation id.
pub fn hash_step_id(step_id: &str) -> String {
    let digest = Blake2b512::digest(step_id.as_bytes());
    let mut id = hex::encode(digest);
    id.truncate(64);
    id
}

/// A UUID-shaped id (`8-4-4-4-12` hex digits) derived from `seed`.
pub fn uuid_from(seed: &str) -> String {
    let hash = hash_step_id(seed);
    format!(
        "{}-{}-{}-{}-{}",
        &hash[0..8],
        &hash[8..12],
        &hash[12..16],
        &hash[16..20],
        &hash[20..32]
    )
}

/// The id of the `counter`-th operation (1-based) of a context; `parent` is the
/// context's own operation id, `None` for the root context.
pub fn operation_id(parent: Option<&str>, counter: u32) -> String {
    match parent {
        Some(parent) => hash_step_id(&format!("{parent}-{counter}")),
        None => hash_step_id(&counter.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values observed from the AWS Python SDK (reference §2.2).
    #[test]
    fn root_ids_match_the_aws_sdk() {
        assert_eq!(
            operation_id(None, 1),
            "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97"
        );
        assert_eq!(
            operation_id(None, 2),
            "c5faca15ac2f93578b39ef4b6bbb871bdedce4ddd584fd31f0bb66fade3947e6"
        );
    }

    #[test]
    fn child_ids_hash_the_parent_prefix() {
        let parent = operation_id(None, 5);
        assert!(parent.starts_with("73776e3e"));
        let child = hash_step_id(&format!("{parent}-0"));
        assert!(child.starts_with("a33fdc9f"));
        assert_eq!(
            operation_id(Some(&parent), 1),
            hash_step_id(&format!("{parent}-1"))
        );
    }
}

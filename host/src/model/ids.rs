//! Operation ids exactly as each AWS SDK derives them from step ids (`"n"` in the root
//! context, `"<key>-n"` inside a context whose key is `key`):
//! - Python SDK (`identifier.py`): the first 64 hex characters of BLAKE2b-512; a
//!   context's key is its own operation id.
//! - JS SDK 2.x (`step-id-utils`): the first 16 hex characters of MD5; a context's key is
//!   its own plain step id (`"3"`, `"3-1"`).

use blake2::{Blake2b512, Digest};

use super::ErrorObject;

/// A map keyed by operation ids (or other ids: callback ids, ARNs). Operation ids are
/// 64 hex characters; std's SipHash on them was ~10 % of a 1000-step execution.
/// foldhash is several times faster on such keys and still seeded per process, so keys a
/// client chooses (raw checkpoints, the HTTP API) cannot be aimed at one bucket ahead of time.
pub(crate) type IdMap<V> = std::collections::HashMap<String, V, foldhash::fast::RandomState>;

/// The first `chars` lowercase hex digits of `bytes` (`chars` ≤ 2 × `bytes.len()`),
/// built in one buffer (hex::encode pushed char by char, then the tail was cut off).
fn hex_prefix(bytes: &[u8], chars: usize) -> String {
    let mut out = Vec::with_capacity(chars + 1);
    push_hex(&mut out, &bytes[..chars.div_ceil(2)]);
    out.truncate(chars);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Appends the lowercase hex digits of `bytes` to `out`.
fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
    }
}

/// Whose conventions a guest gets — operation ids and the errors the host raises on the
/// SDK's behalf — declared by the guest SDK (WIT `declare-sdk`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SdkFlavour {
    /// durabox's own (the Rust SDK, guests with their own SDK): Python SDK ids, error
    /// types without a language's module path.
    #[default]
    Durabox,
    /// `aws_durable_execution_sdk_python`.
    Python,
    /// `@aws/durable-execution-sdk-js`.
    Js,
}

/// A new operation's id and the key the ids of operations inside it derive from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedId {
    /// The operation id (`Id`).
    pub id: String,
    /// The key of the operations inside it (Python: the id itself; JS: the plain step id).
    pub key: String,
}

impl SdkFlavour {
    /// The `n`-th operation (1-based) of the context whose key is `key` (`None`: root).
    pub fn derive(self, key: Option<&str>, n: u32) -> DerivedId {
        let id = self.derive_id(key, n);
        let key = match self {
            SdkFlavour::Durabox | SdkFlavour::Python => id.clone(),
            SdkFlavour::Js => match key {
                Some(key) => format!("{key}-{n}"),
                None => n.to_string(),
            },
        };
        DerivedId { id, key }
    }

    /// The id alone of [`Self::derive`]: the step id is hashed piece by piece, with no
    /// string built for it (most operations are not contexts and need no key).
    pub fn derive_id(self, key: Option<&str>, n: u32) -> String {
        match self {
            SdkFlavour::Durabox | SdkFlavour::Python => {
                hex_prefix(&digest_step_id::<Blake2b512>(key, n), 64)
            }
            SdkFlavour::Js => hex_prefix(&digest_step_id::<md5::Md5>(key, n), 16),
        }
    }

    /// Branch `index` (0-based) of the map/parallel whose container key is `key`: the
    /// Python SDK numbers branches from 0, the JS SDK runs each as the container's next
    /// child context (from 1).
    pub(crate) fn branch(self, key: &str, index: u32) -> DerivedId {
        match self {
            SdkFlavour::Durabox | SdkFlavour::Python => self.derive(Some(key), index),
            SdkFlavour::Js => self.derive(Some(key), index + 1),
        }
    }

    /// The error a wait-for-condition strategy gives up with after `max_attempts`, typed
    /// as the SDK types it (Python SDK 3.0 `waits.py`: its WaitForConditionError).
    pub(crate) fn condition_exhausted(self, max_attempts: u32) -> ErrorObject {
        let message = format!(
            "wait_for_condition exhausted {max_attempts} attempts before the condition was met"
        );
        let error_type = match self {
            SdkFlavour::Python => {
                "aws_durable_execution_sdk_python.exceptions.WaitForConditionError"
            }
            SdkFlavour::Durabox | SdkFlavour::Js => "WaitForConditionError",
        };
        ErrorObject::new(error_type, message)
    }
}

/// The JS SDK's hash: MD5 hex of the step id, first 16 characters.
pub fn md5_step_id(step_id: &str) -> String {
    hex_prefix(&md5::Md5::digest(step_id.as_bytes()), 16)
}

/// The digest of step id `"<key>-<n>"` (`"<n>"` at the root), fed to `D` in pieces.
fn digest_step_id<D: Digest>(key: Option<&str>, n: u32) -> blake2::digest::Output<D> {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut hasher = D::new();
    if let Some(key) = key {
        hasher.update(key.as_bytes());
        hasher.update(b"-");
    }
    hasher.update(&digits[at..]);
    hasher.finalize()
}

/// Hashes a step id (`"3"`, `"<parent>-2"`, `"<container>-0"`) into an operation id.
pub fn hash_step_id(step_id: &str) -> String {
    hex_prefix(&Blake2b512::digest(step_id.as_bytes()), 64)
}

/// A UUID-shaped id (`8-4-4-4-12` hex digits) derived from `seed`: the first 32 hex
/// digits of its [`hash_step_id`], in one buffer (no hex string of the whole digest).
pub(crate) fn uuid_from(seed: &str) -> String {
    let digest = Blake2b512::digest(seed.as_bytes());
    let mut out = Vec::with_capacity(36);
    for (i, group) in [0..4, 4..6, 6..8, 8..10, 10..16].into_iter().enumerate() {
        if i > 0 {
            out.push(b'-');
        }
        push_hex(&mut out, &digest[group]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// The number the first 16 hex digits of [`hash_step_id`]`(seed)` spell (big-endian),
/// read from the digest without building its hex.
pub(crate) fn hash_prefix_u64(seed: &str) -> u64 {
    let digest = Blake2b512::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The Python SDK's id of the `counter`-th operation (1-based) of a context; `parent` is
/// the context's own operation id, `None` for the root context.
pub fn operation_id(parent: Option<&str>, counter: u32) -> String {
    SdkFlavour::Python.derive(parent, counter).id
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

    // md5("1") = c4ca4238a0b923820dcc509a6f75849b (RFC 1321 test suites list md5 of
    // short strings; this one is the well-known value).
    #[test]
    fn js_ids_are_md5_prefixes_of_plain_step_ids() {
        let root = SdkFlavour::Js.derive(None, 1);
        assert_eq!(root.id, "c4ca4238a0b92382");
        assert_eq!(root.key, "1");
        let child = SdkFlavour::Js.derive(Some(&SdkFlavour::Js.derive(None, 3).key), 1);
        assert_eq!(child.key, "3-1");
        assert_eq!(child.id, md5_step_id("3-1"));
        assert_eq!(SdkFlavour::Js.branch("2", 0).key, "2-1");
        assert_eq!(
            SdkFlavour::Python.branch("c", 0).id,
            hash_step_id("c-0"),
            "Python branches count from 0"
        );
    }

    #[test]
    fn ids_hashed_in_pieces_match_the_hash_of_the_step_id() {
        for key in [None, Some(""), Some("3"), Some(&"ab12".repeat(16)[..])] {
            for n in [0, 1, 9, 10, 99, 4_000_000_000, u32::MAX] {
                let step_id = key.map_or(n.to_string(), |k| format!("{k}-{n}"));
                assert_eq!(SdkFlavour::Python.derive_id(key, n), hash_step_id(&step_id));
                assert_eq!(SdkFlavour::Js.derive_id(key, n), md5_step_id(&step_id));
                assert_eq!(SdkFlavour::Js.derive(key, n).key, step_id);
            }
        }
    }

    #[test]
    fn uuid_and_seed_match_the_hex_of_the_hash() {
        for seed in ["", "a", "inv-1/invocation/2", &"x".repeat(300)] {
            let hash = hash_step_id(seed);
            let uuid = format!(
                "{}-{}-{}-{}-{}",
                &hash[0..8],
                &hash[8..12],
                &hash[12..16],
                &hash[16..20],
                &hash[20..32]
            );
            assert_eq!(uuid_from(seed), uuid);
            assert_eq!(
                hash_prefix_u64(seed),
                u64::from_str_radix(&hash[..16], 16).unwrap()
            );
        }
    }

    #[test]
    fn hex_prefix_matches_hex_encode() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let full = hex::encode(&bytes);
        for chars in [0, 1, 15, 16, 63, 64, 511, 512] {
            assert_eq!(hex_prefix(&bytes, chars), full[..chars]);
        }
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

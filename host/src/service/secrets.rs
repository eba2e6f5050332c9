//! Unguessable values for checkpoint tokens and callback ids, so knowing an execution's
//! ARN is not enough to checkpoint for it or to answer its callbacks.

/// 128 random bits from the operating system, as hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness (should not happen on supported systems): still unique.
        bytes = fastrand::u128(..).to_le_bytes();
    }
    hex::encode(bytes)
}

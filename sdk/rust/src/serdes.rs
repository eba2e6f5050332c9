//! Custom payload (de)serialization (AWS `SerDes`): how a step's or a child context's value
//! becomes the checkpointed payload, and back.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Error;

/// Converts an operation's value to the payload string that is checkpointed, and back.
///
/// The payload is stored byte for byte (it need not be JSON). `deserialize` receives `None`
/// when the operation recorded no payload. The default for every operation is [`JsonSerdes`].
/// A `serialize` error fails the operation with that error (not retried); a `deserialize`
/// error is returned as [`DurableError::Serde`](crate::DurableError::Serde).
///
/// ```ignore
/// struct Upper;
///
/// impl Serdes<String> for Upper {
///     fn serialize(&self, value: &String) -> Result<String, Error> {
///         Ok(value.to_uppercase())
///     }
///     fn deserialize(&self, payload: Option<&str>) -> Result<String, Error> {
///         Ok(payload.unwrap_or_default().to_string())
///     }
/// }
///
/// let shout: String = ctx.run_in_child_context_with_serdes("shout", &Upper, |_| Ok("hi".into()))?;
/// ```
pub trait Serdes<T> {
    fn serialize(&self, value: &T) -> Result<String, Error>;
    fn deserialize(&self, payload: Option<&str>) -> Result<T, Error>;
}

/// The default: `serde_json`; an absent payload reads as JSON `null`.
pub struct JsonSerdes<T>(PhantomData<fn() -> T>);

impl<T> JsonSerdes<T> {
    pub fn new() -> Self {
        JsonSerdes(PhantomData)
    }
}

impl<T> Default for JsonSerdes<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Serialize + DeserializeOwned> Serdes<T> for JsonSerdes<T> {
    fn serialize(&self, value: &T) -> Result<String, Error> {
        serde_json::to_string(value).map_err(serdes_error)
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<T, Error> {
        serde_json::from_str(payload.unwrap_or("null")).map_err(serdes_error)
    }
}

fn serdes_error(e: serde_json::Error) -> Error {
    Error::new("SerDesError", e)
}

//! The one door into an execution's checkpoint processor: `CheckpointDurableExecution`
//! as typed values. The replay engine, the WIT `checkpoint` call and the HTTP route all
//! come in here; only how they identify themselves differs ([`Caller`]).

use serde::Deserialize as _;
use serde_json::{json, Value};

use super::super::ServiceError;
use crate::model::{Operation, OperationUpdate};

/// Who sends a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A client outside the host (a guest's own SDK over WIT, or HTTP): it must present
    /// the current checkpoint token, and may name a ClientToken for idempotent retries.
    Client {
        /// The token the last response (or the invocation's envelope) gave.
        checkpoint_token: String,
        /// Repeating the last request with the same ClientToken returns its answer again.
        client_token: Option<String>,
    },
    /// The host's own replay engine, which runs inside the invocation that holds the
    /// execution: it needs no token, and its calls do not move the client's token on.
    Engine,
}

/// A typed CheckpointDurableExecution request.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointRequest {
    /// Who sends it.
    pub caller: Caller,
    /// The updates, validated whole and then applied in order.
    pub updates: Vec<OperationUpdate>,
}

impl CheckpointRequest {
    /// A request from the host's replay engine.
    pub fn from_engine(updates: Vec<OperationUpdate>) -> Self {
        Self {
            caller: Caller::Engine,
            updates,
        }
    }

    /// Reads the AWS request body (`CheckpointToken`, `ClientToken`, `Updates`).
    pub fn from_json(body: &Value) -> Result<Self, ServiceError> {
        let invalid = |message: String| ServiceError::InvalidParameterValue(message);
        let checkpoint_token = body
            .get("CheckpointToken")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("CheckpointToken is required".into()))?
            .to_owned();
        let client_token = match body.get("ClientToken") {
            None | Some(Value::Null) => None,
            Some(Value::String(token)) => Some(token.clone()),
            Some(other) => return Err(invalid(format!("invalid ClientToken: {other}"))),
        };
        let updates = match body.get("Updates") {
            None | Some(Value::Null) => Vec::new(),
            Some(updates) => Vec::<OperationUpdate>::deserialize(updates)
                .map_err(|e| invalid(format!("invalid Updates: {e}")))?,
        };
        Ok(Self {
            caller: Caller::Client {
                checkpoint_token,
                client_token,
            },
            updates,
        })
    }

    /// Reads the AWS request body from its JSON text.
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        let body: Value = serde_json::from_str(text).map_err(|e| {
            ServiceError::InvalidParameterValue(format!("Malformed checkpoint request: {e}"))
        })?;
        Self::from_json(&body)
    }
}

/// The answer to a checkpoint: the new token and the operations the request touched,
/// borrowed from the execution (the engine reads them without copies).
#[derive(Debug)]
pub enum CheckpointResponse<'a> {
    /// The updates were applied.
    Applied {
        /// The execution's operations after the request.
        operations: &'a [Operation],
        /// Positions in `operations` of those the request touched, in request order.
        touched: &'a [usize],
        /// The token to present next (None for the engine, and once the request
        /// completed the execution, as AWS then sends none).
        checkpoint_token: Option<String>,
    },
    /// A retry of the last client request (same ClientToken and token): its answer again.
    Repeated(Value),
}

impl CheckpointResponse<'_> {
    /// The operations the request touched (none for a repeated request).
    pub fn operations(&self) -> Vec<&Operation> {
        match self {
            Self::Applied {
                operations,
                touched,
                ..
            } => touched.iter().map(|&i| &operations[i]).collect(),
            Self::Repeated(_) => Vec::new(),
        }
    }

    /// The AWS response body (`CheckpointToken`, `NewExecutionState.Operations`).
    pub fn to_json(&self) -> Value {
        match self {
            Self::Applied {
                checkpoint_token, ..
            } => {
                let mut out = json!({ "NewExecutionState": { "Operations": self.operations() } });
                if let Some(token) = checkpoint_token {
                    out["CheckpointToken"] = json!(token);
                }
                out
            }
            Self::Repeated(body) => body.clone(),
        }
    }
}

/// CheckpointDurableExecution on one execution, and the operations a caller replays from.
pub trait CheckpointApi {
    /// Validates the request whole (a rejected request changes nothing), applies it in
    /// order, and answers with what it touched.
    fn checkpoint(
        &mut self,
        request: CheckpointRequest,
    ) -> Result<CheckpointResponse<'_>, ServiceError>;

    /// The operation recorded at `id` (GetDurableExecutionState's view of it).
    fn operation(&self, id: &str) -> Option<&Operation>;
}

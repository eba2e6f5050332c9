//! A stand-in for the service: it keeps each request the engine sends and records
//! operations as the updates say, with none of AWS's validators, timers or history.
//! Tests of the engine alone run on it.

use crate::model::ids::IdMap;
use crate::model::mocks::MockAnswer;
use crate::model::{
    Operation, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate,
};
use crate::replay::{GateLog, ReplayHost};
use crate::service::{
    ChaosPlan, CheckpointApi, CheckpointRequest, CheckpointResponse, ServiceError,
};

#[derive(Default)]
pub(super) struct FakeService {
    /// The updates of each request, in the order they came.
    pub requests: Vec<Vec<OperationUpdate>>,
    /// Refuses the next request with this error, recording nothing.
    pub refuse_next: Option<ServiceError>,
    /// How often the engine asked for its changes to be stored at once.
    pub durable_requests: u32,
    operations: Vec<Operation>,
    index: IdMap<usize>,
    touched: Vec<usize>,
}

impl FakeService {
    /// Records `op` as if an earlier invocation had made it.
    pub fn record(&mut self, op: Operation) {
        self.index.insert(op.id.clone(), self.operations.len());
        self.operations.push(op);
    }

    fn apply(&mut self, update: OperationUpdate) -> usize {
        let i = match self.index.get(&update.id) {
            Some(&i) => i,
            None => {
                let mut op = Operation::new(update.id.clone(), update.op_type, Status::Started, 0);
                op.parent_id = update.parent_id.clone();
                op.name = update.name.clone();
                op.sub_type = update.sub_type.clone();
                self.record(op);
                self.operations.len() - 1
            }
        };
        let op = &mut self.operations[i];
        op.status = match update.action {
            Action::Start => Status::Started,
            Action::Succeed => Status::Succeeded,
            Action::Fail => Status::Failed,
            Action::Retry => Status::Pending,
            Action::Cancel => Status::Cancelled,
        };
        match op.op_type {
            Type::Step => {
                let details = op.step_details.get_or_insert_with(Default::default);
                details.result = update.payload;
                details.error = update.error;
            }
            Type::Context => {
                let details = op.context_details.get_or_insert_with(Default::default);
                details.result = update.payload;
                details.error = update.error;
            }
            _ => {}
        }
        i
    }
}

impl CheckpointApi for FakeService {
    fn checkpoint(
        &mut self,
        request: CheckpointRequest,
    ) -> Result<CheckpointResponse<'_>, ServiceError> {
        if let Some(error) = self.refuse_next.take() {
            return Err(error);
        }
        self.requests.push(request.updates.clone());
        self.touched = request.updates.into_iter().map(|u| self.apply(u)).collect();
        Ok(CheckpointResponse::Applied {
            operations: &self.operations,
            touched: &self.touched,
            checkpoint_token: None,
        })
    }

    fn operation(&self, id: &str) -> Option<&Operation> {
        self.index.get(id).map(|&i| &self.operations[i])
    }
}

impl ReplayHost for FakeService {
    fn gate(&mut self) -> Option<&mut GateLog> {
        None
    }

    fn chaos(&mut self) -> Option<&mut ChaosPlan> {
        None
    }

    fn step_mock(&self, _path: &[&str], _name: &str) -> Option<MockAnswer> {
        None
    }

    fn require_durable(&mut self) {
        self.durable_requests += 1;
    }
}

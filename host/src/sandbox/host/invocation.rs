//! The interface's free functions: what a guest declares about itself, the invocation
//! envelope and raw checkpoints (for guests running AWS's own SDK protocol), and the end
//! of a child context.

use wasmtime::component::Resource;

use super::{wit, ContextRes, GuestState};
use crate::model::ids::SdkFlavour;
use crate::model::ErrorObject;
use crate::replay::ReplayFault;
use crate::service::{CheckpointApi, CheckpointRequest};

impl wit::Host for GuestState {
    fn child_end(
        &mut self,
        child: Resource<ContextRes>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> wasmtime::Result<Result<wit::Outcome, wit::OpError>> {
        let handle = self.table.delete(child)?.handle;
        let body = body.map_err(ErrorObject::from);
        let result = self.engine_call(|engine, ex| engine.child_end(ex, handle, body))?;
        Ok(result.map(Into::into))
    }

    fn declare_sdk(&mut self, flavour: wit::SdkFlavour) -> wasmtime::Result<()> {
        let scheme = match flavour {
            wit::SdkFlavour::Durabox => SdkFlavour::Durabox,
            wit::SdkFlavour::Python => SdkFlavour::Python,
            wit::SdkFlavour::Javascript => SdkFlavour::Js,
        };
        if let Err(fault) = self.engine.set_flavour(scheme) {
            self.fault.get_or_insert(fault.clone());
            return Err(wasmtime::Error::new(fault));
        }
        Ok(())
    }

    fn handler_started(&mut self) -> wasmtime::Result<()> {
        self.lint.handler_started();
        Ok(())
    }

    fn invocation_envelope(&mut self) -> wasmtime::Result<String> {
        let envelope = {
            let execution = self.cell.lock();
            serde_json::json!({
                "DurableExecutionArn": execution.arn,
                "CheckpointToken": execution.checkpoint_token(),
                "InitialExecutionState": {
                    "Operations": execution.replay_state(),
                    "NextMarker": "",
                },
                "UpdatedOperationIds": execution.updated_ids(),
            })
        };
        Ok(envelope.to_string())
    }

    fn checkpoint(
        &mut self,
        request: String,
    ) -> wasmtime::Result<Result<String, wit::ErrorObject>> {
        let request = match CheckpointRequest::parse(&request) {
            Ok(request) => request,
            Err(error) => return Ok(Err(error.to_error_object().into())),
        };
        // The engine's deferred updates come first, as they were made first.
        self.flush_deferred()?;
        let response = self.cell.update(|execution| {
            execution
                .checkpoint(request)
                .map(|response| response.to_json())
        });
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                let fault = ReplayFault::NotStored(e.to_string());
                self.fault.get_or_insert(fault.clone());
                return Err(wasmtime::Error::new(fault));
            }
        };
        Ok(response
            .map(|body| body.to_string())
            .map_err(|e| e.to_error_object().into()))
    }
}

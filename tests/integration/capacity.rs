//! Capacity: invocations beyond the instance pool wait for a slot, never fail.

use std::time::Duration;

use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};
use durabox::sandbox::PoolConfig;
use durabox::ExecutionStatus;

use crate::common::guest;

#[test]
fn executions_beyond_the_pool_wait_for_an_instance_instead_of_failing() {
    let pool = PoolConfig {
        component_instances: 2,
        core_instances: 32,
        memories: 8,
        tables: 16,
        ..PoolConfig::default()
    };
    let runtime = Runtime::new(RuntimeOptions {
        pool,
        ..RuntimeOptions::default()
    })
    .unwrap();
    let config = FunctionConfig {
        max_consecutive_crashes: 1,
        ..FunctionConfig::default()
    };
    runtime
        .register_file("quickstart", &guest("python", "quickstart"), config)
        .unwrap();
    let arns: Vec<String> = (0..24)
        .map(|_| {
            runtime
                .start_execution("quickstart", "\"input str\"", StartOptions::default())
                .unwrap()
        })
        .collect();
    for arn in &arns {
        let cell = runtime
            .wait_for_completion(arn, Duration::from_secs(300))
            .unwrap();
        let execution = cell.lock();
        let crashed: Vec<_> = execution
            .invocations
            .iter()
            .filter_map(|i| i.error.as_ref())
            .collect();
        assert!(crashed.is_empty(), "{crashed:?}");
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
    }
}

//! The workloads of `tests/bench/official.py`, with their sample counts.

/// The quickstart's input, for every language.
pub(crate) const QUICKSTART_INPUT: &str = "\"input str\"";

/// A workload: its name (as in official.py and official.mjs), the function and the input;
/// durabox's executions and the official runners' samples (after one warm-up each).
pub(crate) struct Workload {
    pub(crate) name: &'static str,
    pub(crate) function: &'static str,
    pub(crate) input: &'static str,
    pub(crate) quick_reps: usize,
    pub(crate) full_reps: usize,
    /// Rounds: the Python runner's samples.
    pub(crate) official_quick: usize,
    pub(crate) official_full: usize,
    /// The JS runner's samples (at most the rounds): it ticks a fake clock of 20 ms per
    /// checkpoint, so a step costs it ~20 ms of wall time.
    pub(crate) js_quick: usize,
    pub(crate) js_full: usize,
    /// The workload of the JS runner's warm-up: the same handler at 100 steps where one
    /// execution of this workload is 20 s (steps1000) or 100 s (steps5000).
    pub(crate) js_warm_up: &'static str,
}

pub(crate) const WORKLOADS: &[Workload] = &[
    Workload {
        name: "quickstart",
        function: "quickstart",
        input: QUICKSTART_INPUT,
        quick_reps: 30,
        full_reps: 200,
        official_quick: 5,
        official_full: 7,
        js_quick: 5,
        js_full: 7,
        js_warm_up: "quickstart",
    },
    Workload {
        name: "empty",
        function: "bench",
        input: r#"{"workload":"empty"}"#,
        quick_reps: 30,
        full_reps: 200,
        official_quick: 3,
        official_full: 7,
        js_quick: 3,
        js_full: 7,
        js_warm_up: "empty",
    },
    Workload {
        name: "steps100",
        function: "bench",
        input: r#"{"workload":"steps","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 5,
        js_quick: 3,
        js_full: 5,
        js_warm_up: "steps100",
    },
    Workload {
        name: "steps1000",
        function: "bench",
        input: r#"{"workload":"steps","n":1000}"#,
        quick_reps: 15,
        full_reps: 20,
        official_quick: 3,
        official_full: 3,
        js_quick: 1,
        js_full: 3,
        js_warm_up: "steps100",
    },
    Workload {
        name: "steps100_waits5",
        function: "bench",
        input: r#"{"workload":"steps","n":100,"waits":5}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
        js_quick: 3,
        js_full: 3,
        js_warm_up: "steps100_waits5",
    },
    Workload {
        name: "map100",
        function: "bench",
        input: r#"{"workload":"map","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
        js_quick: 3,
        js_full: 3,
        js_warm_up: "map100",
    },
    Workload {
        name: "steps5000",
        function: "bench",
        input: r#"{"workload":"steps","n":5000}"#,
        quick_reps: 5,
        full_reps: 5,
        official_quick: 1,
        official_full: 2,
        js_quick: 0,
        js_full: 1,
        js_warm_up: "steps100",
    },
];

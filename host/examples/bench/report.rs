//! The table `cargo xtask bench` prints from results.json.

use serde_json::{json, Value};

/// The table's rows: label, durabox key, ratio key (against the Python runner).
const ROWS: [(&str, &str, &str); 9] = [
    ("quickstart", "quickstart", "quickstart_rust_vs_pyt"),
    ("empty", "empty", "empty_rust_vs_pyt"),
    ("steps100", "steps100", "steps100_rust_vs_pyt"),
    ("steps1000", "steps1000", "steps1000_rust_vs_pyt"),
    (
        "steps100_waits5",
        "steps100_waits5",
        "steps100_waits5_rust_vs_pyt",
    ),
    ("map100", "map100", "map100_rust_vs_pyt"),
    ("steps5000", "steps5000", "steps5000_rust_vs_pyt"),
    (
        "quickstart (python)",
        "quickstart_python",
        "quickstart_python_vs_pyt",
    ),
    ("quickstart (js)", "quickstart_js", "quickstart_js_vs_pyt"),
];

/// `v` to `digits` decimals, `-` when it is not a number.
fn fmt(v: &Value, digits: usize) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.digits$}"),
        None => "-".into(),
    }
}

/// A ratio as `12x`, `-` when it is not a number.
fn times(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.0}x"),
        None => "-".into(),
    }
}

/// The official runners' key of a durabox workload (one quickstart for every language).
fn official_key(key: &str) -> &str {
    if key.starts_with("quickstart") {
        "quickstart"
    } else {
        key
    }
}

/// Prints the whole table.
pub fn print_table(results: &Value) {
    print_machine(results);
    print_python_table(results);
    print_js_table(results, &ROWS);
    print_summary(results);
    print_goals(results);
}

/// The machine and its load.
fn print_machine(results: &Value) {
    let m = &results["machine"];
    println!(
        "\nmachine: {} cores, {}, {} GiB, load average {} at start, {} at end{}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_gib"],
        m["loadavg_at_start"].as_str().unwrap_or("?"),
        results["loadavg_at_end"].as_str().unwrap_or("?"),
        if results["quick"] == json!(true) {
            " (--quick)"
        } else {
            ""
        }
    );
}

/// The first anchor: AWS's Python testing runner, against durabox and the do-nothing host.
fn print_python_table(results: &Value) {
    println!(
        "\n{:<20} {:>21} {:>17} {:>15} {:>17}",
        "", "official runner", "durabox", "durabox/official", "do-nothing host"
    );
    println!(
        "{:<20} {:>10} {:>10} {:>8} {:>8} {:>7} {:>7} {:>9} {:>7}",
        "workload", "wall ms", "CPU ms", "wall ms", "CPU ms", "wall", "CPU", "wall ms", "÷limit"
    );
    let official = &results["official_runner"];
    let durabox = &results["durabox"];
    for (label, key, ratio) in ROWS {
        let official_key = official_key(key);
        println!(
            "{:<20} {:>10} {:>10} {:>8} {:>8} {:>7} {:>7} {:>9} {:>7}",
            label,
            fmt(&official["median_ms"][official_key], 1),
            fmt(&official["median_cpu_ms"][official_key], 1),
            fmt(&durabox["median_ms"][key], 3),
            fmt(&durabox["median_cpu_ms"][key], 3),
            times(&results["ratios"][ratio]),
            times(&results["cpu_ratios"][ratio]),
            fmt(&results["limit"]["median_ms"][key], 3),
            fmt(&results["vs_limit"][format!("{key}_rust")], 2),
        );
    }
    println!(
        "\nofficial runner: wall = CPU work + idle waits (its sleeps and polls); the CPU column is its whole process"
    );
    println!(
        "do-nothing host: the same component and engine, every durable call answered at once; wall = CPU work"
    );
}

/// Throughput, fresh invocations, the 10,000-step execution and the growth.
fn print_summary(results: &Value) {
    let e = &results["executions_per_second"];
    println!(
        "\nquickstart executions/s (durabox, rust): {} with 2 workers, {} with 1",
        fmt(&e["quickstart_rust"], 0),
        fmt(&e["quickstart_rust_1_worker"], 0)
    );
    let i = &results["invocation_us"];
    println!(
        "fresh instantiate+call, quickstart first invocation (µs): rust {}, python {}, js {}; empty rust handler {}",
        fmt(&i["rust"], 1),
        fmt(&i["python"], 1),
        fmt(&i["js"], 1),
        fmt(&results["invocation_us_empty_handler"]["rust"], 1)
    );
    let o = &results["ops10000"];
    println!(
        "10,000 steps in one execution: {} ms (first, cold run {} ms), peak RSS {} MiB (RSS before {} MiB)",
        fmt(&o["ms"], 1),
        fmt(&o["first_run_ms"], 1),
        fmt(&o["peak_rss_mib"], 1),
        fmt(&o["rss_before_mib"], 1)
    );
    let s = &results["scaling"];
    println!(
        "growth (steps 100/1000/5000/10000): durabox ms {:?}, µs/step {:?}; exponent 1000->5000: durabox {}, official {}; 5000->10000: durabox {}",
        s["durabox_ms"]
            .as_array()
            .map(|a| a.iter().map(|v| fmt(v, 1)).collect::<Vec<_>>()),
        s["durabox_us_per_step"]
            .as_array()
            .map(|a| a.iter().map(|v| fmt(v, 1)).collect::<Vec<_>>()),
        fmt(&s["durabox_exponent_1000_to_5000"], 2),
        fmt(&s["official_exponent_1000_to_5000"], 2),
        fmt(&s["durabox_exponent_5000_to_10000"], 2),
    );
}

/// Issue 12's goals.
fn print_goals(results: &Value) {
    println!("\ngoals:");
    if let Some(goals) = results["goals"].as_object() {
        for (name, g) in goals {
            let met = match g["met"].as_bool() {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "n/a (not measured)",
            };
            let target = match g.get("at_most") {
                Some(at_most) => format!("<= {at_most}"),
                None => format!(">= {}", g["target"]),
            };
            println!(
                "  {name:<44} {:>10} (target {target}) {met}",
                fmt(&g["value"], 2)
            );
        }
    }
}

/// The second anchor: AWS's JS testing runner, against durabox and the Python runner.
fn print_js_table(results: &Value, rows: &[(&str, &str, &str)]) {
    let js = &results["official_runner_js"];
    let package = js["package"].as_str().unwrap_or("?");
    if let Some(absent) = js["absent"].as_str() {
        println!("\nofficial JS runner ({package}) not measured: {absent}");
        return;
    }
    let ready = &js["ready"];
    println!(
        "\nofficial JS runner: {package} (node {}, SDK {})",
        ready["node"].as_str().unwrap_or("?"),
        ready["sdk"].as_str().unwrap_or("?"),
    );
    println!(
        "\n{:<20} {:>28} {:>15} {:>15}",
        "", "official JS runner", "durabox/JS", "JS/Python"
    );
    println!(
        "{:<20} {:>10} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "workload", "wall ms", "CPU ms", "idle", "wall", "CPU", "wall", "CPU"
    );
    for (label, key, ratio) in rows {
        print_js_row(results, label, key, ratio);
    }
    println!(
        "official JS runner: wall = CPU work + idle (~20 ms fake-clock tick per checkpoint, 100 ms at the end of every execution); the CPU column is its whole process"
    );
}

/// One workload's row of the JS table (or why it was not measured).
fn print_js_row(results: &Value, label: &str, key: &str, ratio: &str) {
    let js = &results["official_runner_js"];
    let py = &results["official_runner"];
    let official_key = official_key(key);
    let ratio = ratio.replace("_vs_pyt", "_vs_js");
    if let Some(why) = js["not_measured"][official_key].as_str() {
        if js["median_ms"][official_key].is_null() {
            let why: String = why
                .lines()
                .next()
                .unwrap_or(why)
                .chars()
                .take(100)
                .collect();
            println!("{label:<20} not measured: {why}");
            return;
        }
    }
    let share = |v: &Value| match v.as_f64() {
        Some(x) => format!("{:.0} %", x * 100.0),
        None => "-".into(),
    };
    let vs_python = |field: &str| match (
        js[field][official_key].as_f64(),
        py[field][official_key].as_f64(),
    ) {
        (Some(j), Some(p)) if p > 0.0 => format!("{:.2}", j / p),
        _ => "-".into(),
    };
    println!(
        "{:<20} {:>10} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7}",
        label,
        fmt(&js["median_ms"][official_key], 1),
        fmt(&js["median_cpu_ms"][official_key], 1),
        share(&js["idle_share"][official_key]),
        times(&results["ratios_js"][&ratio]),
        times(&results["cpu_ratios_js"][&ratio]),
        vs_python("median_ms"),
        vs_python("median_cpu_ms"),
    );
}

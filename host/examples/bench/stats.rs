//! Medians, ratios and the per-workload statistics results.json is made of.

use serde_json::{json, Map, Value};

use crate::interleave::{AnchorResult, SideResult};

/// The median of `values`.
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Mean and 90th percentile of `times`.
pub(crate) fn spread(times: &[f64]) -> (f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    (sorted.iter().sum::<f64>() / sorted.len() as f64, p90)
}

/// official ÷ durabox, to one decimal.
pub(crate) fn ratio(official: Option<f64>, durabox: Option<f64>) -> Value {
    match (official, durabox) {
        (Some(o), Some(d)) if d > 0.0 => json!((o / d * 10.0).round() / 10.0),
        _ => Value::Null,
    }
}

/// Per key, wall minus CPU milliseconds: the time spent waiting.
pub(crate) fn idle(wall: &Map<String, Value>, cpu: &Map<String, Value>) -> Map<String, Value> {
    wall.iter()
        .map(|(k, w)| {
            let idle = match (w.as_f64(), cpu.get(k).and_then(Value::as_f64)) {
                (Some(w), Some(c)) => json!(round(w - c, 3)),
                _ => Value::Null,
            };
            (k.clone(), idle)
        })
        .collect()
}

/// `x` to `digits` decimals.
pub(crate) fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Per key, the share of the wall time spent idle ((wall − CPU) ÷ wall).
pub(crate) fn idle_share(
    wall: &Map<String, Value>,
    cpu: &Map<String, Value>,
) -> Map<String, Value> {
    wall.iter()
        .map(|(k, w)| {
            let share = match (w.as_f64(), cpu.get(k).and_then(Value::as_f64)) {
                (Some(w), Some(c)) if w > 0.0 => json!(round(1.0 - c / w, 3)),
                _ => Value::Null,
            };
            (k.clone(), share)
        })
        .collect()
}

/// What one official runner measured over all the workloads.
#[derive(Default)]
pub(crate) struct AnchorStats {
    pub(crate) median_ms: Map<String, Value>,
    pub(crate) median_cpu_ms: Map<String, Value>,
    pub(crate) repetitions: Map<String, Value>,
    pub(crate) warm_up: Map<String, Value>,
    /// Workloads it did not run, and why.
    pub(crate) not_measured: Map<String, Value>,
    /// official ÷ durabox, wall and CPU, per durabox side (`<key>_rust_vs_<suffix>`).
    pub(crate) ratios: Map<String, Value>,
    pub(crate) cpu_ratios: Map<String, Value>,
}

impl AnchorStats {
    pub(crate) fn workload(
        &mut self,
        label: &str,
        name: &str,
        warm_up: &str,
        result: &AnchorResult,
    ) {
        if let Some(error) = &result.error {
            self.not_measured.insert(name.into(), json!(error));
        }
        if result.samples.is_empty() {
            self.median_ms.insert(name.into(), Value::Null);
            self.median_cpu_ms.insert(name.into(), Value::Null);
            return;
        }
        let samples = &result.samples;
        let wall = median(samples.iter().map(|s| s.wall_ms).collect());
        let cpu = median(samples.iter().map(|s| s.cpu_ms).collect());
        eprintln!(
            "{label} {name}: {wall:.1} ms wall, {cpu:.1} ms CPU ({:.0} % idle), median of {}",
            (1.0 - cpu / wall) * 100.0,
            samples.len()
        );
        self.median_ms.insert(name.into(), json!(round(wall, 3)));
        self.median_cpu_ms.insert(name.into(), json!(round(cpu, 3)));
        self.repetitions.insert(name.into(), json!(samples.len()));
        self.warm_up.insert(name.into(), json!(warm_up));
    }

    /// The workload's median wall and CPU time against durabox's per-round medians of the
    /// rounds this runner took part in (the first ones): as many samples on both sides.
    pub(crate) fn compare(&mut self, official_key: &str, ratio_key: String, r: &SideResult) {
        let n = self
            .repetitions
            .get(official_key)
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let rounds = &r.per_round[..n.min(r.per_round.len())];
        let (wall, cpu) = if rounds.is_empty() {
            (None, None)
        } else {
            (
                Some(median(rounds.iter().map(|t| t.wall).collect())),
                Some(median(rounds.iter().map(|t| t.cpu).collect())),
            )
        };
        let get = |map: &Map<String, Value>| map.get(official_key).and_then(Value::as_f64);
        self.ratios
            .insert(ratio_key.clone(), ratio(get(&self.median_ms), wall));
        self.cpu_ratios
            .insert(ratio_key, ratio(get(&self.median_cpu_ms), cpu));
    }

    pub(crate) fn idle_ms(&self) -> Map<String, Value> {
        idle(&self.median_ms, &self.median_cpu_ms)
    }

    pub(crate) fn idle_share(&self) -> Map<String, Value> {
        idle_share(&self.median_ms, &self.median_cpu_ms)
    }
}

/// Everything the interleaved workload rounds measured, as results.json sections.
#[derive(Default)]
pub(crate) struct Measured {
    pub(crate) durabox_ms: Map<String, Value>,
    pub(crate) durabox_cpu_ms: Map<String, Value>,
    pub(crate) durabox_spread: Map<String, Value>,
    pub(crate) invocations: Map<String, Value>,
    /// AWS's Python testing runner (`ratios`, `cpu_ratios`: `..._vs_pyt`).
    pub(crate) python: AnchorStats,
    /// AWS's JS testing runner (`ratios_js`, `cpu_ratios_js`: `..._vs_js`).
    pub(crate) js: AnchorStats,
    pub(crate) limit_ms: Map<String, Value>,
    pub(crate) limit_cpu_ms: Map<String, Value>,
    pub(crate) vs_limit: Map<String, Value>,
    pub(crate) vs_limit_cpu: Map<String, Value>,
}

impl Measured {
    pub(crate) fn side(&mut self, key: &str, r: &SideResult) {
        let walls: Vec<f64> = r.durabox.iter().map(|t| t.wall).collect();
        let (mean, p90) = spread(&walls);
        let wall = median(walls);
        let cpu = median(r.durabox.iter().map(|t| t.cpu).collect());
        eprintln!(
            "durabox {key}: {wall:.3} ms wall, {cpu:.3} ms CPU, median of {} (mean {mean:.3}, p90 {p90:.3}; {} invocations)",
            r.durabox.len(),
            r.invocations
        );
        self.durabox_ms.insert(key.into(), json!(round(wall, 3)));
        self.durabox_cpu_ms.insert(key.into(), json!(round(cpu, 3)));
        self.durabox_spread.insert(
            key.into(),
            json!({ "mean_ms": round(mean, 3), "p90_ms": round(p90, 3), "executions": r.durabox.len() }),
        );
        self.invocations.insert(key.into(), json!(r.invocations));
        // Against the official runners: as many samples on both sides (one per round).
        let official_key = if key.starts_with("quickstart") {
            "quickstart"
        } else {
            key
        };
        let ratio_key = |suffix: &str| {
            if key.starts_with("quickstart_") {
                format!("{key}_vs_{suffix}")
            } else {
                format!("{key}_rust_vs_{suffix}")
            }
        };
        self.python.compare(official_key, ratio_key("pyt"), r);
        self.js.compare(official_key, ratio_key("js"), r);
        if !r.limit.is_empty() {
            let limit_wall = median(r.limit.iter().map(|t| t.wall).collect());
            let limit_cpu = median(r.limit.iter().map(|t| t.cpu).collect());
            eprintln!(
                "limit {key}: {limit_wall:.3} ms wall, {limit_cpu:.3} ms CPU; durabox / limit = {:.2} (CPU {:.2})",
                wall / limit_wall,
                cpu / limit_cpu
            );
            self.limit_ms
                .insert(key.into(), json!(round(limit_wall, 4)));
            self.limit_cpu_ms
                .insert(key.into(), json!(round(limit_cpu, 4)));
            let rust_key = format!("{key}_rust");
            self.vs_limit
                .insert(rust_key.clone(), json!(round(wall / limit_wall, 2)));
            self.vs_limit_cpu
                .insert(rust_key, json!(round(cpu / limit_cpu, 2)));
        }
    }
}

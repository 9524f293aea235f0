//! Latencies and error counts of one phase, and the percentiles reported from them.

use std::{collections::BTreeMap, time::Duration};

use serde_json::{Value, json};

/// What the workers of one phase recorded.
#[derive(Debug, Default)]
pub struct Tally {
    /// Latencies of the successful operations, in milliseconds.
    pub ms: Vec<f64>,
    /// Failures by what failed (`"submit: 503"`, `"review: timed out"`).
    pub errors: BTreeMap<String, u64>,
}

impl Tally {
    /// Records one successful operation that took `took`.
    pub fn ok(&mut self, took: Duration) {
        self.ms.push(took.as_secs_f64() * 1000.0);
    }

    /// Records one failure.
    pub fn error(&mut self, what: impl Into<String>) {
        *self.errors.entry(what.into()).or_default() += 1;
    }

    /// Adds another worker's records.
    pub fn merge(&mut self, other: Tally) {
        self.ms.extend(other.ms);
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
    }

    /// Failed operations in total.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The figures of a phase that ran for `elapsed`: rate, p50/p99/max, errors.
    pub fn summary(&mut self, elapsed: Duration) -> Value {
        self.ms.sort_by(f64::total_cmp);
        let secs = elapsed.as_secs_f64().max(f64::EPSILON);
        json!({
            "ok": self.ms.len(),
            "per_second": self.ms.len() as f64 / secs,
            "p50_ms": percentile(&self.ms, 50.0),
            "p99_ms": percentile(&self.ms, 99.0),
            "max_ms": self.ms.last().copied(),
            "seconds": secs,
            "errors": self.error_count(),
            "error_kinds": self.errors,
        })
    }
}

/// The `p`-th percentile (nearest rank) of `sorted`; `None` when it is empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len() - 1))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
    }
}

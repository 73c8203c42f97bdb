//! Engine metrics: counters and a latency histogram, lock-free. Holds counts only, never
//! anything about a request's content.

use std::sync::atomic::{AtomicU64, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::report::{FailReason, Resolution};

/// Upper bounds (ms, inclusive) of the latency histogram buckets; a last bucket catches the rest.
pub const LATENCY_BUCKETS_MS: [f64; 14] =
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 30000.0];

#[derive(Default)]
pub(crate) struct Collector {
    accepted: AtomicU64,
    completed: AtomicU64,
    busy: AtomicU64,
    errors: AtomicU64,
    success: AtomicU64,
    declined: AtomicU64,
    operator_required: AtomicU64,
    failed: AtomicU64,
    no_face: AtomicU64,
    multiple_faces: AtomicU64,
    low_quality: AtomicU64,
    input_error: AtomicU64,
    buckets: [AtomicU64; LATENCY_BUCKETS_MS.len() + 1],
    latency_sum_us: AtomicU64,
}

impl Collector {
    pub fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }
    pub fn completed(&self) {
        self.completed.fetch_add(1, Ordering::Relaxed);
    }
    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }
    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one media's outcome and latency.
    pub fn media(&self, resolution: Resolution, reason: Option<FailReason>, total_ms: f64) {
        let c = match resolution {
            Resolution::Success => &self.success,
            Resolution::Declined => &self.declined,
            Resolution::OperatorRequired => &self.operator_required,
            Resolution::Failed => &self.failed,
        };
        c.fetch_add(1, Ordering::Relaxed);
        if let Some(r) = reason {
            let c = match r {
                FailReason::NoFace => &self.no_face,
                FailReason::MultipleFaces => &self.multiple_faces,
                FailReason::LowQuality => &self.low_quality,
                FailReason::InputError => &self.input_error,
            };
            c.fetch_add(1, Ordering::Relaxed);
        }
        let i = LATENCY_BUCKETS_MS.iter().position(|&b| total_ms <= b).unwrap_or(LATENCY_BUCKETS_MS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add((total_ms * 1000.0) as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self, in_flight: usize, max_in_flight: usize) -> Stats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let counts: Vec<u64> = self.buckets.iter().map(g).collect();
        let total: u64 = counts.iter().sum();
        let buckets = counts
            .iter()
            .enumerate()
            .map(|(i, &count)| LatencyBucket { le_ms: LATENCY_BUCKETS_MS.get(i).copied(), count })
            .collect();
        Stats {
            requests_accepted: g(&self.accepted),
            requests_completed: g(&self.completed),
            requests_failed: g(&self.errors),
            busy_rejections: g(&self.busy),
            in_flight,
            max_in_flight,
            media: MediaCounts {
                total,
                success: g(&self.success),
                declined: g(&self.declined),
                operator_required: g(&self.operator_required),
                failed: g(&self.failed),
                no_face: g(&self.no_face),
                multiple_faces: g(&self.multiple_faces),
                low_quality: g(&self.low_quality),
                input_error: g(&self.input_error),
            },
            latency: LatencyHistogram {
                count: total,
                sum_ms: g(&self.latency_sum_us) as f64 / 1000.0,
                p50_ms: quantile(&counts, total, 0.50),
                p99_ms: quantile(&counts, total, 0.99),
                buckets,
            },
        }
    }
}

/// Upper bound of the bucket holding quantile `q` (None when empty or in the overflow bucket).
fn quantile(counts: &[u64], total: u64, q: f64) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let rank = (q * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, c) in counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return LATENCY_BUCKETS_MS.get(i).copied();
        }
    }
    None
}

/// A snapshot of the engine's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    /// Requests accepted (not refused as busy).
    pub requests_accepted: u64,
    /// Requests answered (result or error delivered).
    pub requests_completed: u64,
    /// Accepted requests that ended in an error instead of a result.
    pub requests_failed: u64,
    /// Calls refused with `busy`.
    pub busy_rejections: u64,
    /// Requests running or queued now.
    pub in_flight: usize,
    /// The configured limit.
    pub max_in_flight: usize,
    /// Media outcomes.
    pub media: MediaCounts,
    /// Per-media latency.
    pub latency: LatencyHistogram,
}

/// Media counts per resolution and failure reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MediaCounts {
    /// All media analysed.
    pub total: u64,
    /// `SUCCESS`.
    pub success: u64,
    /// `DECLINED`.
    pub declined: u64,
    /// `OPERATOR_REQUIRED` (a score inside the review band).
    #[serde(default)]
    pub operator_required: u64,
    /// `FAILED`, any reason.
    pub failed: u64,
    /// `FAILED/NO_FACE`.
    pub no_face: u64,
    /// `FAILED/MULTIPLE_FACES`.
    pub multiple_faces: u64,
    /// `FAILED/LOW_QUALITY`.
    pub low_quality: u64,
    /// `FAILED/INPUT_ERROR`.
    pub input_error: u64,
}

/// Latency histogram of media analyses, milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyHistogram {
    /// Media counted.
    pub count: u64,
    /// Sum of latencies.
    pub sum_ms: f64,
    /// Upper bound of the bucket holding the median.
    pub p50_ms: Option<f64>,
    /// Upper bound of the bucket holding the 99th percentile.
    pub p99_ms: Option<f64>,
    /// Buckets; `le_ms` null is the overflow bucket.
    pub buckets: Vec<LatencyBucket>,
}

/// One histogram bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyBucket {
    /// Inclusive upper bound, ms; null for the overflow bucket.
    pub le_ms: Option<f64>,
    /// Media in this bucket (not cumulative).
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_and_quantiles() {
        let c = Collector::default();
        for ms in [0.5, 3.0, 3.0, 7.0, 40_000.0] {
            c.media(Resolution::Success, None, ms);
        }
        c.media(Resolution::Failed, Some(FailReason::NoFace), 15.0);
        let s = c.snapshot(0, 8);
        assert_eq!(s.media.total, 6);
        assert_eq!(s.media.success, 5);
        assert_eq!(s.media.no_face, 1);
        assert_eq!(s.latency.p50_ms, Some(5.0));
        assert_eq!(s.latency.p99_ms, None); // overflow bucket
        assert_eq!(s.latency.buckets.last().unwrap().count, 1);
        assert_eq!(s.latency.buckets[0].count, 1);
    }
}

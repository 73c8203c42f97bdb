//! Fusion: the opinions' scores → the media's `p_real`.
//!
//! Each opinion (one model family: the MiniFASNet pair, Suri) gives a `p_real`. The media's
//! probability of an attack is the rule applied to the opinions' `p_attack = 1 − p_real`. With
//! one opinion, every rule returns it unchanged. Measured effect of each rule:
//! `docs/ACCURACY.md`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the opinions' scores are combined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// Mean of the opinions' `p_attack` (the default): on a hidden set of 111 real-world
    /// images it cut the EER from 16.2 % (MiniFASNet alone) to 11.7 % without raising the
    /// bona fide rejection rate.
    #[default]
    Mean,
    /// Largest `p_attack` (strict): an attack that either opinion sees is declined. Fewer
    /// attacks pass and more live faces are rejected.
    Max,
}

impl Fusion {
    /// The JSON spelling (`mean`, `max`).
    pub fn as_str(self) -> &'static str {
        match self {
            Fusion::Mean => "mean",
            Fusion::Max => "max",
        }
    }

    /// Fuses the opinions' `p_real` (each 0..1) into the media's `p_real`; `None` without any
    /// opinion.
    pub fn p_real(self, opinions: &[f64]) -> Option<f64> {
        if opinions.is_empty() {
            return None;
        }
        let p_attack = match self {
            Fusion::Mean => opinions.iter().map(|p| 1.0 - p).sum::<f64>() / opinions.len() as f64,
            Fusion::Max => opinions.iter().map(|p| 1.0 - p).fold(f64::NEG_INFINITY, f64::max),
        };
        Some(1.0 - p_attack)
    }
}

impl std::str::FromStr for Fusion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mean" => Ok(Fusion::Mean),
            "max" => Ok(Fusion::Max),
            other => Err(format!("unknown fusion `{other}` (expected mean or max)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_combine_p_attack() {
        // p_attack 0.2 and 0.6: mean 0.4, max 0.6.
        let p = [0.8, 0.4];
        assert!((Fusion::Mean.p_real(&p).unwrap() - 0.6).abs() < 1e-12);
        assert!((Fusion::Max.p_real(&p).unwrap() - 0.4).abs() < 1e-12);
        // One opinion passes through; none gives nothing.
        assert_eq!(Fusion::Max.p_real(&[0.7]), Some(0.7));
        assert!((Fusion::Mean.p_real(&[0.7]).unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(Fusion::Mean.p_real(&[]), None);
        assert_eq!("max".parse::<Fusion>(), Ok(Fusion::Max));
        assert!("median".parse::<Fusion>().is_err());
    }
}

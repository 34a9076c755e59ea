//! Fault injection: nodes whose install fails or whose BMC cannot be reached, and API-level
//! latency and HTTP 503 answers drawn from a seeded generator so a run can be repeated.

use std::collections::BTreeSet;
use std::time::Duration;

/// What goes wrong, and where. Hostnames match case-insensitively.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Nodes whose node-installer fails after INSTALLING (status INSTALLER_FAILED).
    pub fail_install: BTreeSet<String>,
    /// Nodes whose BMC does not answer: power operations on them report FAILED, count 0, and
    /// leave the status as it was.
    pub bmc_unreachable: BTreeSet<String>,
    /// Added before every `/json` answer.
    pub latency: Duration,
    /// Fraction (0..=1) of `/json` calls answered with HTTP 503.
    pub error_rate: f64,
    /// Seed of the generator that picks the 503 answers.
    pub seed: u64,
}

fn names(set: &BTreeSet<String>, hostname: &str) -> bool {
    set.iter().any(|h| h.eq_ignore_ascii_case(hostname))
}

impl Faults {
    pub fn install_fails(&self, hostname: &str) -> bool {
        names(&self.fail_install, hostname)
    }

    pub fn bmc_unreachable(&self, hostname: &str) -> bool {
        names(&self.bmc_unreachable, hostname)
    }

    /// A problem with the settings, if any.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(format!(
                "error rate must be between 0 and 1, not {}",
                self.error_rate
            ));
        }
        Ok(())
    }
}

/// SplitMix64: small, fast and the same on every platform, which is all a fault schedule
/// needs (not cryptographic).
#[derive(Clone, Debug)]
pub struct Dice {
    state: u64,
}

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `rate`.
    pub fn hits(&mut self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        // 53 random bits make a uniform f64 in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_fails_the_same_calls() {
        let draw = |seed| {
            let mut dice = Dice::new(seed);
            (0..200).map(|_| dice.hits(0.3)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn the_hit_rate_follows_the_setting() {
        let mut dice = Dice::new(42);
        let hits = (0..10_000).filter(|_| dice.hits(0.25)).count();
        assert!((2_300..2_700).contains(&hits), "{hits}");
        assert!(!(0..1000).any(|_| dice.hits(0.0)));
        assert!((0..1000).all(|_| dice.hits(1.0)));
    }

    #[test]
    fn hostnames_match_without_case_and_rates_are_checked() {
        let faults = Faults {
            fail_install: BTreeSet::from(["node001".to_string()]),
            error_rate: 1.5,
            ..Faults::default()
        };
        assert!(faults.install_fails("NODE001"));
        assert!(!faults.bmc_unreachable("node001"));
        assert!(faults.check().is_err());
    }
}

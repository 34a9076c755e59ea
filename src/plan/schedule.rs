//! When provisioning operations (power on and wait until UP) start: sequential chains or
//! parallel waves within the headnode's provisioning slots, with an optional canary, rolling
//! waves and a failure budget. Pure bookkeeping: the runner asks `next` what to start and
//! reports each end with `finished`; no threads, clocks or I/O here.

use std::collections::VecDeque;

/// How the power operations of one resource run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProvisioningMode {
    /// One node at a time, in order; the next starts when the previous reached its end.
    Sequential,
    /// As many at once as there are provisioning slots.
    #[default]
    Parallel,
}

impl ProvisioningMode {
    pub fn parse(s: &str) -> Option<ProvisioningMode> {
        match s {
            "sequential" => Some(ProvisioningMode::Sequential),
            "parallel" => Some(ProvisioningMode::Parallel),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProvisioningMode::Sequential => "sequential",
            ProvisioningMode::Parallel => "parallel",
        }
    }
}

/// The operator's choices for a run (`-provisioning-mode`, `-provisioning-slots`, `-wave-size`,
/// `-canary`, `-max-failures`, `-continue-on-error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningStrategy {
    /// Overrides the mode the configuration asks for.
    pub mode: Option<ProvisioningMode>,
    /// How many nodes may provision at once (the headnode's provisioning slots).
    pub slots: usize,
    /// Rolling waves: a wave starts only when the previous one has finished.
    pub wave_size: Option<usize>,
    /// This many nodes go first, alone; the rest start only if every one of them succeeded.
    pub canary: usize,
    /// No new node starts once this many have failed.
    pub max_failures: Option<usize>,
    /// Sequential mode goes on after a failure.
    pub continue_on_error: bool,
}

impl Default for ProvisioningStrategy {
    fn default() -> Self {
        ProvisioningStrategy {
            mode: None,
            slots: 10,
            wave_size: None,
            canary: 0,
            max_failures: None,
            continue_on_error: false,
        }
    }
}

/// Why nodes were left unstarted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    CanaryFailed,
    MaxFailures(usize),
    /// Sequential mode stops at the first failure.
    ChainBroken,
    Interrupted,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::CanaryFailed => f.write_str("the canary failed"),
            StopReason::MaxFailures(n) => {
                write!(f, "{n} node(s) failed, which reaches -max-failures")
            }
            StopReason::ChainBroken => f.write_str(
                "an earlier node of the sequential chain failed (-continue-on-error goes on)",
            ),
            StopReason::Interrupted => f.write_str("the run was interrupted"),
        }
    }
}

/// What the runner should do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Start(usize),
    /// Nothing can start until a running job finishes.
    Wait,
    /// Nothing more will start; running jobs may still be finishing.
    Done,
}

/// The state of one resource's provisioning run over jobs `0..n` (in the order given).
#[derive(Debug)]
pub struct Scheduler {
    pending: VecDeque<usize>,
    limit: usize,
    running: usize,
    failures: usize,
    /// Jobs left in the current wave (canary or rolling wave) before the next may start.
    wave_left: usize,
    /// Jobs of the current wave not yet finished.
    wave_running: usize,
    wave_size: Option<usize>,
    in_canary: bool,
    canary_failed: bool,
    max_failures: Option<usize>,
    stop_on_failure: bool,
    stopped: Option<StopReason>,
}

impl Scheduler {
    pub fn new(n: usize, mode: ProvisioningMode, strategy: &ProvisioningStrategy) -> Scheduler {
        let limit = match mode {
            ProvisioningMode::Sequential => 1,
            ProvisioningMode::Parallel => strategy.slots.max(1),
        };
        let canary = strategy.canary.min(n);
        let mut s = Scheduler {
            pending: (0..n).collect(),
            limit,
            running: 0,
            failures: 0,
            wave_left: 0,
            wave_running: 0,
            wave_size: strategy.wave_size.filter(|w| *w > 0),
            in_canary: canary > 0,
            canary_failed: false,
            max_failures: strategy.max_failures,
            stop_on_failure: mode == ProvisioningMode::Sequential && !strategy.continue_on_error,
            stopped: None,
        };
        s.wave_left = if canary > 0 {
            canary
        } else {
            s.wave_size.unwrap_or(n)
        };
        s
    }

    /// The next job to start, if any may start now.
    pub fn next_step(&mut self) -> Next {
        if self.stopped.is_some() || self.pending.is_empty() {
            return Next::Done;
        }
        if self.wave_left == 0 {
            // The current wave (or canary) must finish before the next begins.
            if self.wave_running > 0 {
                return Next::Wait;
            }
            if self.in_canary {
                self.in_canary = false;
                if self.canary_failed {
                    self.stopped = Some(StopReason::CanaryFailed);
                    return Next::Done;
                }
            }
            self.wave_left = self.wave_size.unwrap_or(self.pending.len());
        }
        if self.running >= self.limit {
            return Next::Wait;
        }
        let Some(i) = self.pending.pop_front() else {
            return Next::Done;
        };
        self.running += 1;
        self.wave_left -= 1;
        self.wave_running += 1;
        Next::Start(i)
    }

    /// Records the end of a started job.
    pub fn finished(&mut self, ok: bool) {
        self.running = self.running.saturating_sub(1);
        self.wave_running = self.wave_running.saturating_sub(1);
        if ok {
            return;
        }
        self.failures += 1;
        if self.in_canary {
            self.canary_failed = true;
        }
        if self.stopped.is_none() {
            if self.stop_on_failure {
                self.stopped = Some(StopReason::ChainBroken);
            } else if self.max_failures.is_some_and(|m| self.failures >= m) {
                self.stopped = Some(StopReason::MaxFailures(self.failures));
            }
        }
    }

    /// Stops starting new jobs (the first Ctrl-C).
    pub fn interrupt(&mut self) {
        if self.stopped.is_none() {
            self.stopped = Some(StopReason::Interrupted);
        }
    }

    /// Whether every started job has finished.
    pub fn idle(&self) -> bool {
        self.running == 0
    }

    /// The jobs that never started, and why (after `next` returned `Done` and all finished).
    pub fn not_started(&self) -> (Vec<usize>, Option<StopReason>) {
        (self.pending.iter().copied().collect(), self.stopped.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a schedule to the end with jobs that finish in start order; `fails(i)` says which
    /// fail. Returns the start order, the largest number running at once, and what never ran.
    fn simulate(
        n: usize,
        mode: ProvisioningMode,
        strategy: &ProvisioningStrategy,
        fails: impl Fn(usize) -> bool,
    ) -> (Vec<usize>, usize, Vec<usize>, Option<StopReason>) {
        let mut s = Scheduler::new(n, mode, strategy);
        let mut started = Vec::new();
        let mut running: VecDeque<usize> = VecDeque::new();
        let mut peak = 0;
        loop {
            match s.next_step() {
                Next::Start(i) => {
                    started.push(i);
                    running.push_back(i);
                    peak = peak.max(running.len());
                }
                Next::Wait => {
                    let i = running.pop_front().expect("waits only while jobs run");
                    s.finished(!fails(i));
                }
                Next::Done => {
                    while let Some(i) = running.pop_front() {
                        s.finished(!fails(i));
                    }
                    break;
                }
            }
        }
        let (left, why) = s.not_started();
        (started, peak, left, why)
    }

    #[test]
    fn parallel_mode_keeps_every_slot_busy_and_never_more() {
        let strategy = ProvisioningStrategy {
            slots: 10,
            ..Default::default()
        };
        let (started, peak, left, _) =
            simulate(30, ProvisioningMode::Parallel, &strategy, |_| false);
        assert_eq!(started, (0..30).collect::<Vec<_>>());
        assert_eq!(peak, 10);
        assert!(left.is_empty());
    }

    #[test]
    fn sequential_mode_runs_one_at_a_time_and_stops_at_a_failure() {
        let strategy = ProvisioningStrategy::default();
        let (started, peak, left, why) =
            simulate(5, ProvisioningMode::Sequential, &strategy, |i| i == 2);
        assert_eq!(peak, 1);
        assert_eq!(started, vec![0, 1, 2]);
        assert_eq!(left, vec![3, 4]);
        assert_eq!(why, Some(StopReason::ChainBroken));
        let go_on = ProvisioningStrategy {
            continue_on_error: true,
            ..Default::default()
        };
        let (started, _, left, _) = simulate(5, ProvisioningMode::Sequential, &go_on, |i| i == 2);
        assert_eq!(started.len(), 5);
        assert!(left.is_empty());
    }

    #[test]
    fn a_failed_canary_stops_the_rest_and_a_good_one_lets_them_go() {
        let strategy = ProvisioningStrategy {
            canary: 1,
            ..Default::default()
        };
        let (started, _, left, why) =
            simulate(8, ProvisioningMode::Parallel, &strategy, |i| i == 0);
        assert_eq!(started, vec![0]);
        assert_eq!(left.len(), 7);
        assert_eq!(why, Some(StopReason::CanaryFailed));
        let (started, peak, left, _) =
            simulate(8, ProvisioningMode::Parallel, &strategy, |_| false);
        assert_eq!(started.len(), 8);
        assert!(left.is_empty());
        assert!(peak <= 7);
    }

    #[test]
    fn the_canary_runs_alone() {
        let mut s = Scheduler::new(
            4,
            ProvisioningMode::Parallel,
            &ProvisioningStrategy {
                canary: 1,
                ..Default::default()
            },
        );
        assert_eq!(s.next_step(), Next::Start(0));
        assert_eq!(s.next_step(), Next::Wait);
        s.finished(true);
        assert_eq!(s.next_step(), Next::Start(1));
        assert_eq!(s.next_step(), Next::Start(2));
    }

    #[test]
    fn rolling_waves_wait_for_the_whole_previous_wave() {
        let mut s = Scheduler::new(
            5,
            ProvisioningMode::Parallel,
            &ProvisioningStrategy {
                wave_size: Some(2),
                ..Default::default()
            },
        );
        assert_eq!(s.next_step(), Next::Start(0));
        assert_eq!(s.next_step(), Next::Start(1));
        assert_eq!(s.next_step(), Next::Wait);
        s.finished(true);
        // One slot is free, but the wave is not over.
        assert_eq!(s.next_step(), Next::Wait);
        s.finished(true);
        assert_eq!(s.next_step(), Next::Start(2));
        assert_eq!(s.next_step(), Next::Start(3));
        assert_eq!(s.next_step(), Next::Wait);
    }

    #[test]
    fn the_failure_budget_stops_new_starts_but_not_running_ones() {
        let strategy = ProvisioningStrategy {
            slots: 2,
            max_failures: Some(2),
            ..Default::default()
        };
        let (started, _, left, why) =
            simulate(10, ProvisioningMode::Parallel, &strategy, |i| i < 2);
        assert_eq!(started, vec![0, 1, 2]);
        assert_eq!(left.len(), 7);
        assert_eq!(why, Some(StopReason::MaxFailures(2)));
    }

    #[test]
    fn parallel_failures_do_not_stop_the_others() {
        let strategy = ProvisioningStrategy {
            slots: 3,
            ..Default::default()
        };
        let (started, _, left, why) =
            simulate(9, ProvisioningMode::Parallel, &strategy, |i| i % 2 == 0);
        assert_eq!(started.len(), 9);
        assert!(left.is_empty());
        assert_eq!(why, None);
    }

    #[test]
    fn an_interrupt_stops_new_starts() {
        let mut s = Scheduler::new(
            3,
            ProvisioningMode::Parallel,
            &ProvisioningStrategy {
                slots: 1,
                ..Default::default()
            },
        );
        assert_eq!(s.next_step(), Next::Start(0));
        s.interrupt();
        assert_eq!(s.next_step(), Next::Done);
        s.finished(true);
        assert_eq!(s.not_started(), (vec![1, 2], Some(StopReason::Interrupted)));
    }
}

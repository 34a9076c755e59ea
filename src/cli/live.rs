//! The live view of an apply on a terminal: one line per instance in flight (its phase, e.g.
//! `powering`, `BOOTING`, `INSTALLING`, `UP`, and the time it has taken) under a line of overall
//! counts, with the plain Terraform-style lines scrolling above. Fed by the executor's lines.

use bcmhcl::exec::apply::Reporter;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What the executor's lines say about one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Started,
    Phase(String),
    Finished,
    Failed,
}

/// Reads one executor line: `ADDR: Creating...`, `ADDR: node001 is INSTALLING`,
/// `ADDR: Creation complete after 3s`, ...
pub fn parse(line: &str) -> Option<(String, Event)> {
    let (addr, text) = line.split_once("]: ").map(|(a, t)| (format!("{a}]"), t))?;
    let event = if text.starts_with("Creating...") || text.starts_with("Modifying...") {
        Event::Started
    } else if text.starts_with("Powering ") {
        Event::Phase("powering".into())
    } else if text.contains("complete after") {
        Event::Finished
    } else if let Some((_, phase)) = text.rsplit_once(" is ") {
        Event::Phase(phase.split_whitespace().next().unwrap_or(phase).to_string())
    } else if text.starts_with("Still ") {
        return None;
    } else if text.to_ascii_lowercase().contains("failed") {
        Event::Failed
    } else {
        return None;
    };
    Some((addr, event))
}

struct InFlight {
    bar: ProgressBar,
    phase: String,
    since: Instant,
}

pub struct LiveReporter {
    multi: MultiProgress,
    overall: ProgressBar,
    in_flight: BTreeMap<String, InFlight>,
    done: usize,
    failed: usize,
}

impl LiveReporter {
    pub fn new() -> LiveReporter {
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new_spinner());
        overall.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        overall.enable_steady_tick(Duration::from_millis(200));
        LiveReporter {
            multi,
            overall,
            in_flight: BTreeMap::new(),
            done: 0,
            failed: 0,
        }
    }

    fn refresh(&self) {
        self.overall.set_message(format!(
            "{} in flight, {} done, {} failed",
            self.in_flight.len(),
            self.done,
            self.failed
        ));
        for (addr, f) in &self.in_flight {
            f.bar.set_message(format!(
                "{addr}  {}  {}s",
                f.phase,
                f.since.elapsed().as_secs()
            ));
        }
    }

    /// Clears the live lines (the plain lines stay).
    pub fn finish(&mut self) {
        for (_, f) in std::mem::take(&mut self.in_flight) {
            f.bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}

impl Reporter for LiveReporter {
    fn line(&mut self, text: &str) {
        let _ = self.multi.println(text);
        let Some((addr, event)) = parse(text) else {
            self.refresh();
            return;
        };
        match event {
            Event::Started => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
                self.in_flight.insert(
                    addr,
                    InFlight {
                        bar,
                        phase: "queued".into(),
                        since: Instant::now(),
                    },
                );
            }
            Event::Phase(p) => {
                if let Some(f) = self.in_flight.get_mut(&addr) {
                    f.phase = p;
                }
            }
            Event::Finished | Event::Failed => {
                if let Some(f) = self.in_flight.remove(&addr) {
                    f.bar.finish_and_clear();
                }
                if event == Event::Finished {
                    self.done += 1;
                } else {
                    self.failed += 1;
                }
            }
        }
        self.refresh();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executor_lines_become_phases_of_their_instance() {
        let a = r#"bcm_cmdevice_power.node["node001"]"#;
        assert_eq!(
            parse(&format!("{a}: Creating...")),
            Some((a.to_string(), Event::Started))
        );
        assert_eq!(
            parse(&format!("{a}: Powering on node001 (u-1)...")),
            Some((a.to_string(), Event::Phase("powering".into())))
        );
        assert_eq!(
            parse(&format!("{a}: node001 is INSTALLING")),
            Some((a.to_string(), Event::Phase("INSTALLING".into())))
        );
        assert_eq!(
            parse(&format!("{a}: node001 is UP after 3.0s")),
            Some((a.to_string(), Event::Phase("UP".into())))
        );
        assert_eq!(
            parse(&format!("{a}: Creation complete after 4s [id=u-1]")),
            Some((a.to_string(), Event::Finished))
        );
        assert_eq!(
            parse(&format!("{a}: Still creating... [10s elapsed]")),
            None
        );
        assert_eq!(parse("Apply complete!"), None);
    }
}

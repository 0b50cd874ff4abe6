//! Emulated provisioning cycles. A start or restart begins one; its state is computed from
//! timestamps whenever the job is read or changed (no timers), so every rule is a plain function
//! of `now` in milliseconds.

use crate::clock::iso_utc_ms;
use crate::model::{
    Cycle, CycleSettings, Execution, Job, JobStatusCode, Outcome, Progress, Quarantine,
    QuarantineReason, ScheduleState, SyncError, NEVER,
};

/// `progress[0].totalUnits` of a cycle when the job has no earlier entitled count.
pub const DEFAULT_UNITS: i64 = 100;
/// `progress[0].units`.
pub const UNITS: &str = "entries";
/// Longest cycle the control API accepts: one day.
pub const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

impl Cycle {
    /// Work done by `now`, in ms of the cycle's length.
    fn done_at(&self, now: u64) -> u64 {
        let running = self.resumed_at_ms.map_or(0, |at| now.saturating_sub(at));
        self.done_ms
            .saturating_add(running)
            .min(self.settings.duration_ms)
    }

    /// When a running cycle ends; `None` while paused.
    pub fn ends_at(&self) -> Option<u64> {
        self.resumed_at_ms
            .map(|at| at.saturating_add(self.settings.duration_ms.saturating_sub(self.done_ms)))
    }

    fn completed_units(&self, done_ms: u64) -> i64 {
        if self.settings.duration_ms == 0 {
            return self.total_units;
        }
        let left = i128::from(self.total_units - self.start_units);
        let units = i128::from(self.start_units)
            + left * i128::from(done_ms) / i128::from(self.settings.duration_ms);
        i64::try_from(units).unwrap_or(self.total_units)
    }
}

/// The settings a job's next cycle uses: its own, else the emulator-wide ones.
pub fn settings_for(job: &Job, defaults: CycleSettings) -> CycleSettings {
    job.cycle_settings.unwrap_or(defaults)
}

/// Begins a cycle at `now` that lasts `settings.duration_ms`: the job is Active, `lastExecution`
/// opens (`timeBegan` set, `timeEnded` and `state` null) and `progress` starts. With
/// `carry_progress`, unfinished progress carries over: a paused job continues from where it stopped.
pub fn begin(job: &mut Job, settings: CycleSettings, now: u64, carry_progress: bool) {
    let carried = job
        .status
        .progress
        .first()
        .filter(|p| {
            carry_progress && p.total_units > 0 && (0..p.total_units).contains(&p.completed_units)
        })
        .map(|p| (p.completed_units, p.total_units));
    let (completed, total) = carried.unwrap_or_else(|| {
        let entitled = job
            .status
            .last_execution
            .as_ref()
            .map_or(0, |e| e.count_entitled);
        (
            0,
            if entitled > 0 {
                entitled
            } else {
                DEFAULT_UNITS
            },
        )
    });
    job.cycle = Some(Cycle {
        settings,
        done_ms: 0,
        resumed_at_ms: Some(now),
        start_units: completed,
        total_units: total,
    });
    job.status.code = JobStatusCode::Active;
    job.schedule.state = ScheduleState::Active;
    job.status.quarantine = None;
    job.status.last_execution = Some(begun(iso_utc_ms(now)));
    settle(job, now);
}

/// A cycle's execution as it begins: a fresh activity id, nothing counted yet, not ended.
fn begun(time_began: String) -> Execution {
    Execution {
        activity_identifier: Some(uuid::Uuid::new_v4().to_string()),
        count_entitled: 0,
        count_entitled_for_provisioning: 0,
        count_escrowed: 0,
        count_escrowed_raw: 0,
        count_exported: 0,
        count_exports: 0,
        count_imported: 0,
        count_imported_deltas: 0,
        count_imported_reference_deltas: 0,
        error: None,
        state: None,
        time_began,
        time_ended: None,
    }
}

/// Brings a job up to `now`: a running cycle whose time is up ends (as of its end time), one still
/// running shows its progress as of `now`; a paused one stays frozen.
pub fn settle(job: &mut Job, now: u64) {
    let Some(cycle) = job.cycle else {
        return;
    };
    match cycle.ends_at() {
        Some(end) if now >= end => finish(job, &cycle, end),
        Some(_) => observe(job, &cycle, now),
        None => {}
    }
}

/// Pause: a running cycle stops where it is; its progress and open `lastExecution` stay.
pub fn suspend(job: &mut Job, now: u64) {
    settle(job, now);
    if let Some(cycle) = job.cycle.as_mut() {
        cycle.done_ms = cycle.done_at(now);
        cycle.resumed_at_ms = None;
    }
}

/// Start on a paused job whose cycle was suspended: the same cycle goes on. False if there is none.
pub fn resume(job: &mut Job, now: u64) -> bool {
    match job.cycle.as_mut() {
        Some(cycle) if cycle.resumed_at_ms.is_none() => {
            cycle.resumed_at_ms = Some(now);
            true
        }
        _ => false,
    }
}

/// A forced state (control API) ends a cycle under way: `lastExecution` gets `timeEnded`, its
/// `state` stays null (the run neither succeeded nor failed).
pub fn interrupt(job: &mut Job, now: u64) {
    settle(job, now);
    if job.cycle.take().is_some() {
        if let Some(execution) = job.status.last_execution.as_mut() {
            execution.time_ended.get_or_insert_with(|| iso_utc_ms(now));
        }
    }
}

fn observe(job: &mut Job, cycle: &Cycle, now: u64) {
    let completed = cycle.completed_units(cycle.done_at(now));
    job.status.progress = vec![Progress {
        completed_units: completed,
        progress_observation_date_time: iso_utc_ms(now),
        total_units: cycle.total_units,
        units: Some(UNITS.to_owned()),
    }];
    if let Some(execution) = job.status.last_execution.as_mut() {
        execution.count_imported = completed;
    }
}

/// Ends the cycle at `end` with its outcome.
fn finish(job: &mut Job, cycle: &Cycle, end: u64) {
    job.cycle = None;
    let at = iso_utc_ms(end);
    let total = cycle.total_units;
    job.status.progress = vec![Progress {
        completed_units: total,
        progress_observation_date_time: at.clone(),
        total_units: total,
        units: Some(UNITS.to_owned()),
    }];
    let status = &mut job.status;
    let mut execution = status
        .last_execution
        .take()
        .unwrap_or_else(|| begun(at.clone()));
    execution.time_ended = Some(at.clone());
    execution.count_entitled = total;
    execution.count_entitled_for_provisioning = total;
    execution.count_imported = total;
    execution.count_imported_deltas = total / 10;
    execution.count_imported_reference_deltas = total / 50;
    execution.error = None;
    let (state, exported, escrowed) = match cycle.settings.outcome {
        Outcome::Succeeded => ("Succeeded", total / 20, 0),
        Outcome::EntryLevelErrors => ("EntryLevelErrors", total / 25, (total / 100).max(1)),
        Outcome::Failed | Outcome::Quarantine => ("Failed", 0, 0),
    };
    execution.state = Some(state.to_owned());
    execution.count_exported = exported;
    execution.count_exports = exported;
    execution.count_escrowed = escrowed;
    execution.count_escrowed_raw = escrowed;
    status.code = JobStatusCode::Active;
    status.quarantine = None;
    match cycle.settings.outcome {
        Outcome::Succeeded => {
            status.count_successive_complete_failures = 0;
            status.last_successful_execution = Some(execution.clone());
            if exported > 0 {
                status.last_successful_execution_with_exports = Some(execution.clone());
            }
            if status.steady_state_first_achieved_time == NEVER {
                status.steady_state_first_achieved_time = at.clone();
            }
            status.steady_state_last_achieved_time = at;
        }
        Outcome::EntryLevelErrors => status.count_successive_complete_failures = 0,
        Outcome::Failed => {
            status.count_successive_complete_failures += 1;
            // (ours) Graph does not document a code for a failed cycle.
            execution.error = Some(SyncError {
                code: "SynchronizationCycleFailed".to_owned(),
                message: "The provisioning cycle failed (emulated outcome 'failed').".to_owned(),
                tenant_actionable: false,
            });
        }
        Outcome::Quarantine => {
            status.count_successive_complete_failures += 1;
            let quarantine = Quarantine::new(QuarantineReason::TooManyDeletes, end);
            execution.error = Some(quarantine.error.clone());
            status.quarantine = Some(quarantine);
            status.code = JobStatusCode::Quarantine;
        }
    }
    status.last_execution = Some(execution);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(duration_ms: u64, outcome: Outcome) -> CycleSettings {
        CycleSettings {
            duration_ms,
            outcome,
        }
    }

    fn fresh() -> Job {
        Job::from_template("app.1", JobStatusCode::NotRun)
    }

    #[test]
    fn a_cycle_runs_then_succeeds_at_its_end_time() {
        let mut job = fresh();
        begin(&mut job, settings(1000, Outcome::Succeeded), 10_000, false);
        let running = job.status.last_execution.clone().unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert_eq!(running.state, None);
        assert_eq!(running.time_ended, None);
        assert_eq!(running.time_began, "1970-01-01T00:00:10.0000000Z");
        settle(&mut job, 10_250);
        assert_eq!(job.status.progress[0].completed_units, 25);
        assert_eq!(job.status.progress[0].total_units, DEFAULT_UNITS);
        // Read long after: the cycle ended at 11 s, not at the time of the read.
        settle(&mut job, 99_000);
        let done = job.status.last_execution.clone().unwrap();
        assert_eq!(done.state.as_deref(), Some("Succeeded"));
        assert_eq!(
            done.time_ended.as_deref(),
            Some("1970-01-01T00:00:11.0000000Z")
        );
        assert_eq!(done.activity_identifier, running.activity_identifier);
        assert_eq!(job.status.last_successful_execution, Some(done));
        assert_eq!(
            job.status.steady_state_first_achieved_time,
            "1970-01-01T00:00:11.0000000Z"
        );
        assert_eq!(
            job.status.steady_state_last_achieved_time,
            "1970-01-01T00:00:11.0000000Z"
        );
        assert!(job.cycle.is_none());
        // A second success moves only the last steady-state time.
        begin(&mut job, settings(0, Outcome::Succeeded), 20_000, false);
        assert_eq!(
            job.status.steady_state_first_achieved_time,
            "1970-01-01T00:00:11.0000000Z"
        );
        assert_eq!(
            job.status.steady_state_last_achieved_time,
            "1970-01-01T00:00:20.0000000Z"
        );
    }

    #[test]
    fn outcomes_other_than_success() {
        for (outcome, state, code) in [
            (
                Outcome::EntryLevelErrors,
                "EntryLevelErrors",
                JobStatusCode::Active,
            ),
            (Outcome::Failed, "Failed", JobStatusCode::Active),
            (Outcome::Quarantine, "Failed", JobStatusCode::Quarantine),
        ] {
            let mut job = fresh();
            begin(&mut job, settings(0, outcome), 5_000, false);
            let execution = job.status.last_execution.clone().unwrap();
            assert_eq!(execution.state.as_deref(), Some(state));
            assert_eq!(job.status.code, code);
            assert!(job.status.last_successful_execution.is_none());
            assert_eq!(job.status.steady_state_last_achieved_time, NEVER);
            assert_eq!(
                job.status.quarantine.is_some(),
                outcome == Outcome::Quarantine
            );
            assert_eq!(
                execution.error.is_some(),
                outcome != Outcome::EntryLevelErrors
            );
        }
    }

    #[test]
    fn pause_freezes_and_start_resumes_the_same_cycle() {
        let mut job = fresh();
        begin(&mut job, settings(1000, Outcome::Succeeded), 0, false);
        suspend(&mut job, 400);
        let at_pause = job.status.progress.clone();
        assert_eq!(at_pause[0].completed_units, 40);
        settle(&mut job, 50_000);
        assert_eq!(job.status.progress, at_pause);
        assert!(resume(&mut job, 50_000));
        assert!(!resume(&mut job, 50_001));
        settle(&mut job, 50_300);
        assert_eq!(job.status.progress[0].completed_units, 70);
        settle(&mut job, 50_600);
        assert_eq!(
            job.status.last_execution.unwrap().time_ended.as_deref(),
            Some("1970-01-01T00:00:50.6000000Z")
        );
    }

    #[test]
    fn carried_progress_never_goes_back() {
        let mut job = fresh();
        job.status.progress = vec![Progress {
            completed_units: 769,
            progress_observation_date_time: NEVER.to_owned(),
            total_units: 1240,
            units: None,
        }];
        begin(&mut job, settings(3000, Outcome::Succeeded), 0, true);
        assert_eq!(job.status.progress[0].completed_units, 769);
        assert_eq!(job.status.progress[0].total_units, 1240);
        settle(&mut job, 1500);
        assert_eq!(job.status.progress[0].completed_units, 769 + 471 / 2);
    }

    #[test]
    fn interrupt_closes_the_open_execution() {
        let mut job = fresh();
        begin(&mut job, settings(1000, Outcome::Succeeded), 0, false);
        interrupt(&mut job, 500);
        let execution = job.status.last_execution.unwrap();
        assert_eq!(execution.state, None);
        assert_eq!(
            execution.time_ended.as_deref(),
            Some("1970-01-01T00:00:00.5000000Z")
        );
        assert!(job.cycle.is_none());
    }
}

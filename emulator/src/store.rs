//! The tenant's service principals and jobs, and the job lifecycle transitions.

use std::collections::HashMap;

use crate::cycle;
use crate::model::{
    schedule_state_for, CycleSettings, Job, JobStatusCode, Quarantine, QuarantineReason,
};
use crate::seed::ServicePrincipal;

/// Why a job operation did not apply.
#[derive(Debug, PartialEq, Eq)]
pub enum JobError {
    /// No service principal with that object id.
    NoServicePrincipal,
    /// The service principal has no job with that id.
    NoJob,
    /// The job's status is `NotConfigured`: it cannot run until configured.
    NotConfigured,
}

/// Flags of `criteria.resetScope` in a restart request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResetScope {
    pub watermark: bool,
    pub escrows: bool,
    pub quarantine_state: bool,
    pub connector_data_store: bool,
    pub force_deletes: bool,
}

impl ResetScope {
    /// Parses Graph's comma-separated flags (`"Watermark, Escrows, QuarantineState"`).
    pub fn parse(text: &str) -> Result<ResetScope, String> {
        let mut scope = ResetScope::default();
        for flag in text.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match flag.to_ascii_lowercase().as_str() {
                "none" => {}
                "watermark" => scope.watermark = true,
                "escrows" => scope.escrows = true,
                "quarantinestate" => scope.quarantine_state = true,
                "connectordatastore" => scope.connector_data_store = true,
                "forcedeletes" => scope.force_deletes = true,
                "full" => {
                    scope = ResetScope {
                        watermark: true,
                        escrows: true,
                        quarantine_state: true,
                        connector_data_store: true,
                        force_deletes: scope.force_deletes,
                    }
                }
                _ => {
                    return Err(format!(
                        "'{flag}' is not a valid synchronizationJobRestartScope value."
                    ))
                }
            }
        }
        Ok(scope)
    }
}

/// All service principals, keyed by object id.
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    service_principals: HashMap<String, ServicePrincipal>,
}

impl Tenant {
    pub fn new(service_principals: &[ServicePrincipal]) -> Tenant {
        Tenant {
            service_principals: service_principals
                .iter()
                .map(|sp| (sp.id.clone(), sp.clone()))
                .collect(),
        }
    }

    pub fn service_principal(&self, sp_id: &str) -> Result<&ServicePrincipal, JobError> {
        self.service_principals
            .get(sp_id)
            .ok_or(JobError::NoServicePrincipal)
    }

    /// A job as of `now_ms` (its cycle brought up to date).
    pub fn job(&mut self, sp_id: &str, job_id: &str, now_ms: u64) -> Result<&Job, JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        cycle::settle(job, now_ms);
        Ok(job)
    }

    /// A service principal's jobs as of `now_ms`.
    pub fn jobs(&mut self, sp_id: &str, now_ms: u64) -> Result<&[Job], JobError> {
        let sp = self
            .service_principals
            .get_mut(sp_id)
            .ok_or(JobError::NoServicePrincipal)?;
        for job in &mut sp.jobs {
            cycle::settle(job, now_ms);
        }
        Ok(&sp.jobs)
    }

    fn job_mut(&mut self, sp_id: &str, job_id: &str) -> Result<&mut Job, JobError> {
        self.service_principals
            .get_mut(sp_id)
            .ok_or(JobError::NoServicePrincipal)?
            .jobs
            .iter_mut()
            .find(|j| j.id == job_id)
            .ok_or(JobError::NoJob)
    }

    /// `POST .../start`: NotRun and Quarantine begin a cycle (quarantine cleared); Paused resumes
    /// its suspended cycle, or begins one carrying its progress over; Active stays as it is
    /// (running cycle or not); NotConfigured is refused.
    pub fn start(
        &mut self,
        sp_id: &str,
        job_id: &str,
        now_ms: u64,
        defaults: CycleSettings,
    ) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        cycle::settle(job, now_ms);
        match job.status.code {
            JobStatusCode::NotConfigured => Err(JobError::NotConfigured),
            JobStatusCode::Active => Ok(()),
            from => {
                if from == JobStatusCode::Paused && cycle::resume(job, now_ms) {
                    set_code(job, JobStatusCode::Active, None, now_ms);
                    cycle::settle(job, now_ms);
                    return Ok(());
                }
                if from == JobStatusCode::Quarantine {
                    job.status.count_successive_complete_failures = 0;
                }
                let settings = cycle::settings_for(job, defaults);
                cycle::begin(job, settings, now_ms, from == JobStatusCode::Paused);
                Ok(())
            }
        }
    }

    /// `POST .../pause`: any configured job becomes Paused (a quarantine is dropped with it); a
    /// running cycle stops where it is.
    pub fn pause(&mut self, sp_id: &str, job_id: &str, now_ms: u64) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        if job.status.code == JobStatusCode::NotConfigured {
            return Err(JobError::NotConfigured);
        }
        cycle::suspend(job, now_ms);
        set_code(job, JobStatusCode::Paused, None, now_ms);
        Ok(())
    }

    /// `POST .../restart`: applies the reset scope, then begins a fresh cycle. A quarantined job
    /// stays quarantined unless the scope includes `QuarantineState` (or `Full`).
    pub fn restart(
        &mut self,
        sp_id: &str,
        job_id: &str,
        scope: ResetScope,
        now_ms: u64,
        defaults: CycleSettings,
    ) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        if job.status.code == JobStatusCode::NotConfigured {
            return Err(JobError::NotConfigured);
        }
        cycle::settle(job, now_ms);
        if scope.watermark {
            job.status.progress.clear();
            job.status.synchronized_entry_count_by_type.clear();
            job.status.steady_state_first_achieved_time = crate::model::NEVER.to_owned();
            job.status.steady_state_last_achieved_time = crate::model::NEVER.to_owned();
        }
        if scope.escrows {
            job.status.escrows_pruned = true;
        }
        if job.status.code == JobStatusCode::Quarantine && !scope.quarantine_state {
            return Ok(());
        }
        job.status.count_successive_complete_failures = 0;
        let settings = cycle::settings_for(job, defaults);
        cycle::begin(job, settings, now_ms, false);
        Ok(())
    }

    /// `POST .../jobs`: a new job from `template_id`, NotConfigured until set up.
    pub fn create(&mut self, sp_id: &str, template_id: &str) -> Result<Job, JobError> {
        let sp = self
            .service_principals
            .get_mut(sp_id)
            .ok_or(JobError::NoServicePrincipal)?;
        let id = format!("{template_id}.{}", uuid::Uuid::new_v4().simple());
        let job = Job::from_template(&id, JobStatusCode::NotConfigured);
        sp.jobs.push(job.clone());
        Ok(job)
    }

    /// `DELETE .../jobs/{jobId}`.
    pub fn delete(&mut self, sp_id: &str, job_id: &str) -> Result<(), JobError> {
        let sp = self
            .service_principals
            .get_mut(sp_id)
            .ok_or(JobError::NoServicePrincipal)?;
        let before = sp.jobs.len();
        sp.jobs.retain(|j| j.id != job_id);
        if sp.jobs.len() == before {
            return Err(JobError::NoJob);
        }
        Ok(())
    }

    /// Control API: sets a job's status code (when given) and its own cycle settings (when
    /// given; `Some(None)` clears them), creating the service principal and job if needed (a new
    /// job without a code is NotRun). A forced code interrupts a cycle under way.
    pub fn force_status(
        &mut self,
        sp_id: &str,
        job_id: &str,
        code: Option<JobStatusCode>,
        reason: QuarantineReason,
        cycle_settings: Option<Option<CycleSettings>>,
        now_ms: u64,
    ) -> Job {
        let sp = self
            .service_principals
            .entry(sp_id.to_owned())
            .or_insert_with(|| ServicePrincipal {
                id: sp_id.to_owned(),
                app_id: uuid::Uuid::new_v4().to_string(),
                display_name: "Emulated application".to_owned(),
                jobs: Vec::new(),
            });
        let index = match sp.jobs.iter().position(|j| j.id == job_id) {
            Some(index) => index,
            None => {
                let code = code.unwrap_or(JobStatusCode::NotRun);
                let mut job = Job::from_template(job_id, code);
                set_code(&mut job, code, Some(reason), now_ms);
                sp.jobs.push(job);
                sp.jobs.len() - 1
            }
        };
        let job = &mut sp.jobs[index];
        if let Some(code) = code {
            cycle::interrupt(job, now_ms);
            set_code(job, code, Some(reason), now_ms);
        }
        if let Some(settings) = cycle_settings {
            job.cycle_settings = settings;
        }
        cycle::settle(job, now_ms);
        job.clone()
    }
}

fn set_code(job: &mut Job, code: JobStatusCode, reason: Option<QuarantineReason>, now_ms: u64) {
    job.status.code = code;
    job.schedule.state = schedule_state_for(code);
    job.status.quarantine = match (code, reason) {
        (JobStatusCode::Quarantine, Some(reason)) => Some(Quarantine::new(reason, now_ms)),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const SF: &str = "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d";
    const PAUSED: &str = "salesforce.e4bbf44533ea4eabb17027f3a92e92aa";
    const QUARANTINED: &str =
        "salesforce.0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e.7c1d9f4e-3b2a-4c5d-8e6f-9a0b1c2d3e4f";
    const SN: &str = "8d2e4f6a-1b3c-4d5e-a6f7-0b1c2d3e4f5a";
    const ACTIVE: &str = "serviceNow.a1b2c3d4e5f60718293a4b5c6d7e8f90";
    const NOT_RUN: &str = "serviceNow.1f2e3d4c5b6a79880716253443526170";
    const WD: &str = "b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e";
    const NOT_CONFIGURED: &str = "workday.9f8e7d6c5b4a39281706f5e4d3c2b1a0";

    const QUICK: CycleSettings = CycleSettings {
        duration_ms: 1000,
        outcome: crate::model::Outcome::Succeeded,
    };

    fn tenant() -> Tenant {
        Tenant::new(
            &crate::seed::parse(crate::seed::BUILT_IN)
                .unwrap()
                .service_principals,
        )
    }

    fn code(t: &mut Tenant, sp: &str, job: &str) -> JobStatusCode {
        t.job(sp, job, 0).unwrap().status.code
    }

    #[test]
    fn start_resumes_paused_carrying_progress_over() {
        let mut t = tenant();
        let before = t.job(SF, PAUSED, 0).unwrap().status.progress[0].clone();
        t.start(SF, PAUSED, 1_739_441_825_000, QUICK).unwrap();
        let job = t.job(SF, PAUSED, 1_739_441_825_000).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert_eq!(
            job.status.progress[0].completed_units,
            before.completed_units
        );
        assert_eq!(job.status.progress[0].total_units, before.total_units);
        let execution = job.status.last_execution.as_ref().unwrap();
        assert_eq!(execution.time_began, "2025-02-13T10:17:05.0000000Z");
        assert_eq!(execution.time_ended, None);
    }

    #[test]
    fn start_clears_quarantine_and_runs_not_run() {
        let mut t = tenant();
        t.start(SF, QUARANTINED, 0, QUICK).unwrap();
        let job = t.job(SF, QUARANTINED, 0).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert!(job.status.quarantine.is_none());
        t.start(SN, NOT_RUN, 0, QUICK).unwrap();
        assert_eq!(code(&mut t, SN, NOT_RUN), JobStatusCode::Active);
    }

    #[test]
    fn start_on_active_changes_nothing_and_not_configured_is_refused() {
        let mut t = tenant();
        let before = t.job(SN, ACTIVE, 0).unwrap().clone();
        t.start(SN, ACTIVE, 5, QUICK).unwrap();
        assert_eq!(t.job(SN, ACTIVE, 5).unwrap(), &before);
        assert_eq!(
            t.start(WD, NOT_CONFIGURED, 0, QUICK),
            Err(JobError::NotConfigured)
        );
        assert_eq!(t.start(WD, "nope", 0, QUICK), Err(JobError::NoJob));
        assert_eq!(
            t.start("nope", NOT_CONFIGURED, 0, QUICK),
            Err(JobError::NoServicePrincipal)
        );
    }

    #[test]
    fn restart_clears_quarantine_only_with_quarantine_state() {
        let mut t = tenant();
        let scope = ResetScope::parse("Watermark, Escrows").unwrap();
        t.restart(SF, QUARANTINED, scope, 0, QUICK).unwrap();
        assert_eq!(code(&mut t, SF, QUARANTINED), JobStatusCode::Quarantine);
        let scope = ResetScope::parse("Watermark, Escrows, QuarantineState").unwrap();
        t.restart(SF, QUARANTINED, scope, 0, QUICK).unwrap();
        let job = t.job(SF, QUARANTINED, 0).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert!(job.status.quarantine.is_none());
        assert!(job.cycle.is_some());
        assert!(ResetScope::parse("Watermark, Bogus").is_err());
        assert!(ResetScope::parse("Full").unwrap().quarantine_state);
    }

    #[test]
    fn a_job_setting_overrides_the_defaults() {
        let mut t = tenant();
        let own = CycleSettings {
            duration_ms: 0,
            outcome: crate::model::Outcome::Quarantine,
        };
        t.force_status(
            SN,
            NOT_RUN,
            None,
            QuarantineReason::TooManyDeletes,
            Some(Some(own)),
            0,
        );
        t.start(SN, NOT_RUN, 10, QUICK).unwrap();
        assert_eq!(code(&mut t, SN, NOT_RUN), JobStatusCode::Quarantine);
    }

    #[test]
    fn pause_create_delete_and_force() {
        let mut t = tenant();
        t.pause(SN, ACTIVE, 0).unwrap();
        let job = t.job(SN, ACTIVE, 0).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Paused);
        assert_eq!(job.schedule.state, crate::model::ScheduleState::Paused);
        assert_eq!(t.pause(WD, NOT_CONFIGURED, 0), Err(JobError::NotConfigured));
        let created = t.create(WD, "workday").unwrap();
        assert!(created.id.starts_with("workday."));
        t.delete(WD, &created.id).unwrap();
        assert_eq!(t.delete(WD, &created.id), Err(JobError::NoJob));
        let forced = t.force_status(
            "new-sp",
            "tpl.x",
            Some(JobStatusCode::Quarantine),
            QuarantineReason::QuarantinedOnDemand,
            None,
            0,
        );
        assert_eq!(forced.template_id, "tpl");
        assert_eq!(
            forced.status.quarantine.unwrap().reason,
            QuarantineReason::QuarantinedOnDemand
        );
        let forced = t.force_status(
            "new-sp",
            "tpl.x",
            Some(JobStatusCode::Paused),
            QuarantineReason::TooManyDeletes,
            None,
            0,
        );
        assert!(forced.status.quarantine.is_none());
        let created = t.force_status("new-sp", "tpl.y", None, QuarantineReason::Unknown, None, 0);
        assert_eq!(created.status.code, JobStatusCode::NotRun);
    }
}

//! The tenant's service principals and jobs, and the job lifecycle transitions.

use std::collections::HashMap;

use crate::model::{
    execution_at, schedule_state_for, Job, JobStatusCode, Quarantine, QuarantineReason,
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

    pub fn job(&self, sp_id: &str, job_id: &str) -> Result<&Job, JobError> {
        self.service_principal(sp_id)?
            .jobs
            .iter()
            .find(|j| j.id == job_id)
            .ok_or(JobError::NoJob)
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

    /// `POST .../start`: Paused, NotRun and Quarantine become Active (progress kept, quarantine
    /// cleared); Active stays as it is; NotConfigured is refused.
    pub fn start(&mut self, sp_id: &str, job_id: &str, now: u64) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        match job.status.code {
            JobStatusCode::NotConfigured => Err(JobError::NotConfigured),
            JobStatusCode::Active => Ok(()),
            from => {
                if from == JobStatusCode::Quarantine {
                    job.status.count_successive_complete_failures = 0;
                }
                run(job, now);
                Ok(())
            }
        }
    }

    /// `POST .../pause`: any configured job becomes Paused (a quarantine is dropped with it).
    pub fn pause(&mut self, sp_id: &str, job_id: &str) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        if job.status.code == JobStatusCode::NotConfigured {
            return Err(JobError::NotConfigured);
        }
        set_code(job, JobStatusCode::Paused, None, 0);
        Ok(())
    }

    /// `POST .../restart`: applies the reset scope, then runs the job. A quarantined job stays
    /// quarantined unless the scope includes `QuarantineState` (or `Full`).
    pub fn restart(
        &mut self,
        sp_id: &str,
        job_id: &str,
        scope: ResetScope,
        now: u64,
    ) -> Result<(), JobError> {
        let job = self.job_mut(sp_id, job_id)?;
        if job.status.code == JobStatusCode::NotConfigured {
            return Err(JobError::NotConfigured);
        }
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
        run(job, now);
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

    /// Control API: sets a job's status code, creating the service principal and job if needed.
    pub fn force_status(
        &mut self,
        sp_id: &str,
        job_id: &str,
        code: JobStatusCode,
        reason: QuarantineReason,
        now: u64,
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
                sp.jobs.push(Job::from_template(job_id, code));
                sp.jobs.len() - 1
            }
        };
        let job = &mut sp.jobs[index];
        set_code(job, code, Some(reason), now);
        job.clone()
    }
}

/// Marks the job Active with a fresh finished run, keeping its progress.
fn run(job: &mut Job, now: u64) {
    set_code(job, JobStatusCode::Active, None, now);
    let execution = execution_at(now);
    job.status.last_successful_execution = Some(execution.clone());
    job.status.last_execution = Some(execution);
}

fn set_code(job: &mut Job, code: JobStatusCode, reason: Option<QuarantineReason>, now: u64) {
    job.status.code = code;
    job.schedule.state = schedule_state_for(code);
    job.status.quarantine = match (code, reason) {
        (JobStatusCode::Quarantine, Some(reason)) => Some(Quarantine::new(reason, now)),
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

    fn tenant() -> Tenant {
        Tenant::new(
            &crate::seed::parse(crate::seed::BUILT_IN)
                .unwrap()
                .service_principals,
        )
    }

    #[test]
    fn start_resumes_paused_keeping_progress() {
        let mut t = tenant();
        let progress = t.job(SF, PAUSED).unwrap().status.progress.clone();
        t.start(SF, PAUSED, 1_739_441_825).unwrap();
        let job = t.job(SF, PAUSED).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert_eq!(job.status.progress, progress);
        assert_eq!(
            job.status.last_execution.as_ref().unwrap().time_began,
            "2025-02-13T10:17:05Z"
        );
    }

    #[test]
    fn start_clears_quarantine_and_runs_not_run() {
        let mut t = tenant();
        t.start(SF, QUARANTINED, 0).unwrap();
        let job = t.job(SF, QUARANTINED).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert!(job.status.quarantine.is_none());
        t.start(SN, NOT_RUN, 0).unwrap();
        assert_eq!(
            t.job(SN, NOT_RUN).unwrap().status.code,
            JobStatusCode::Active
        );
    }

    #[test]
    fn start_on_active_changes_nothing_and_not_configured_is_refused() {
        let mut t = tenant();
        let before = t.job(SN, ACTIVE).unwrap().clone();
        t.start(SN, ACTIVE, 5).unwrap();
        assert_eq!(t.job(SN, ACTIVE).unwrap(), &before);
        assert_eq!(t.start(WD, NOT_CONFIGURED, 0), Err(JobError::NotConfigured));
        assert_eq!(t.start(WD, "nope", 0), Err(JobError::NoJob));
        assert_eq!(
            t.start("nope", NOT_CONFIGURED, 0),
            Err(JobError::NoServicePrincipal)
        );
    }

    #[test]
    fn restart_clears_quarantine_only_with_quarantine_state() {
        let mut t = tenant();
        t.restart(
            SF,
            QUARANTINED,
            ResetScope::parse("Watermark, Escrows").unwrap(),
            0,
        )
        .unwrap();
        assert_eq!(
            t.job(SF, QUARANTINED).unwrap().status.code,
            JobStatusCode::Quarantine
        );
        let scope = ResetScope::parse("Watermark, Escrows, QuarantineState").unwrap();
        t.restart(SF, QUARANTINED, scope, 0).unwrap();
        let job = t.job(SF, QUARANTINED).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Active);
        assert!(job.status.quarantine.is_none());
        assert!(ResetScope::parse("Watermark, Bogus").is_err());
        assert!(ResetScope::parse("Full").unwrap().quarantine_state);
    }

    #[test]
    fn pause_create_delete_and_force() {
        let mut t = tenant();
        t.pause(SN, ACTIVE).unwrap();
        let job = t.job(SN, ACTIVE).unwrap();
        assert_eq!(job.status.code, JobStatusCode::Paused);
        assert_eq!(job.schedule.state, crate::model::ScheduleState::Paused);
        assert_eq!(t.pause(WD, NOT_CONFIGURED), Err(JobError::NotConfigured));
        let created = t.create(WD, "workday").unwrap();
        assert!(created.id.starts_with("workday."));
        t.delete(WD, &created.id).unwrap();
        assert_eq!(t.delete(WD, &created.id), Err(JobError::NoJob));
        let forced = t.force_status(
            "new-sp",
            "tpl.x",
            JobStatusCode::Quarantine,
            QuarantineReason::QuarantinedOnDemand,
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
            JobStatusCode::Paused,
            QuarantineReason::TooManyDeletes,
            0,
        );
        assert!(forced.status.quarantine.is_none());
    }
}

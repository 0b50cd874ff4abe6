//! The synchronization job resource, with Graph's exact field names and order.

use serde::{Deserialize, Serialize};

/// `status.code` of a synchronization job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatusCode {
    NotConfigured,
    NotRun,
    Active,
    Paused,
    Quarantine,
}

/// `status.quarantine.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuarantineReason {
    EncounteredBaseEscrowThreshold,
    EncounteredTotalEscrowThreshold,
    EncounteredEscrowProportionThreshold,
    EncounteredQuarantineException,
    Unknown,
    QuarantinedOnDemand,
    TooManyDeletes,
    IngestionInterrupted,
}

/// `schedule.state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScheduleState {
    Active,
    Disabled,
    Paused,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Job {
    pub id: String,
    pub template_id: String,
    pub schedule: Schedule,
    pub status: JobStatus,
    pub synchronization_job_settings: Vec<JobSetting>,
    /// The provisioning cycle under way (running or paused), if any; not part of Graph's JSON.
    #[serde(skip)]
    pub cycle: Option<Cycle>,
    /// This job's own cycle settings (control API), overriding the emulator-wide ones.
    #[serde(skip)]
    pub cycle_settings: Option<CycleSettings>,
}

/// How an emulated provisioning cycle ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Succeeded,
    EntryLevelErrors,
    Failed,
    /// The cycle fails and the job is quarantined (`TooManyDeletes`).
    Quarantine,
}

/// Length and outcome of the cycles a start or restart runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleSettings {
    pub duration_ms: u64,
    pub outcome: Outcome,
}

/// A provisioning cycle in progress. Its state is computed from timestamps when the job is read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    pub settings: CycleSettings,
    /// Work done (in ms of the cycle's length) before `resumed_at_ms`.
    pub done_ms: u64,
    /// When the cycle last began or resumed; `None` while the job is paused.
    pub resumed_at_ms: Option<u64>,
    /// `progress[0].completedUnits` when the cycle began (carried over from a paused run).
    pub start_units: i64,
    /// `progress[0].totalUnits`.
    pub total_units: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    #[serde(default)]
    pub expiration: Option<String>,
    #[serde(default = "default_interval")]
    pub interval: String,
    pub state: ScheduleState,
}

fn default_interval() -> String {
    "PT40M".to_owned()
}

/// Zero time as Graph prints it for "never".
pub const NEVER: &str = "0001-01-01T00:00:00Z";

fn never() -> String {
    NEVER.to_owned()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobStatus {
    pub code: JobStatusCode,
    #[serde(default)]
    pub count_successive_complete_failures: i64,
    #[serde(default)]
    pub escrows_pruned: bool,
    #[serde(default)]
    pub last_execution: Option<Execution>,
    #[serde(default)]
    pub last_successful_execution: Option<Execution>,
    #[serde(default)]
    pub last_successful_execution_with_exports: Option<Execution>,
    #[serde(default)]
    pub progress: Vec<Progress>,
    #[serde(default)]
    pub quarantine: Option<Quarantine>,
    #[serde(default = "never")]
    pub steady_state_first_achieved_time: String,
    #[serde(default = "never")]
    pub steady_state_last_achieved_time: String,
    #[serde(default)]
    pub synchronized_entry_count_by_type: Vec<EntryCount>,
    #[serde(default)]
    pub troubleshooting_url: Option<String>,
}

/// `synchronizationTaskExecution`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Execution {
    #[serde(default)]
    pub activity_identifier: Option<String>,
    #[serde(default)]
    pub count_entitled: i64,
    #[serde(default)]
    pub count_entitled_for_provisioning: i64,
    #[serde(default)]
    pub count_escrowed: i64,
    #[serde(default)]
    pub count_escrowed_raw: i64,
    #[serde(default)]
    pub count_exported: i64,
    #[serde(default)]
    pub count_exports: i64,
    #[serde(default)]
    pub count_imported: i64,
    #[serde(default)]
    pub count_imported_deltas: i64,
    #[serde(default)]
    pub count_imported_reference_deltas: i64,
    #[serde(default)]
    pub error: Option<SyncError>,
    /// `Succeeded`, `Failed` or `EntryLevelErrors`; null while the cycle runs.
    #[serde(default)]
    pub state: Option<String>,
    pub time_began: String,
    #[serde(default)]
    pub time_ended: Option<String>,
}

/// `synchronizationProgress`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Progress {
    pub completed_units: i64,
    pub progress_observation_date_time: String,
    pub total_units: i64,
    #[serde(default)]
    pub units: Option<String>,
}

/// `synchronizationQuarantine`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quarantine {
    pub current_began: String,
    pub next_attempt: String,
    pub reason: QuarantineReason,
    pub series_began: String,
    pub series_count: i64,
    pub error: SyncError,
}

/// `synchronizationError`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncError {
    pub code: String,
    pub message: String,
    pub tenant_actionable: bool,
}

/// `stringKeyLongValuePair`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryCount {
    pub key: String,
    pub value: i64,
}

/// `keyValuePair` in `synchronizationJobSettings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSetting {
    pub name: String,
    pub value: String,
}

/// The template id of a job id: the part before the first dot.
pub fn template_of(job_id: &str) -> &str {
    job_id.split('.').next().unwrap_or(job_id)
}

/// The schedule state that goes with a status code.
pub fn schedule_state_for(code: JobStatusCode) -> ScheduleState {
    match code {
        JobStatusCode::NotConfigured => ScheduleState::Disabled,
        JobStatusCode::Paused => ScheduleState::Paused,
        _ => ScheduleState::Active,
    }
}

impl Job {
    /// A job as a freshly created one from `templateId` looks, with the given status code.
    pub fn from_template(id: &str, code: JobStatusCode) -> Job {
        Job {
            id: id.to_owned(),
            template_id: template_of(id).to_owned(),
            schedule: Schedule {
                expiration: None,
                interval: default_interval(),
                state: schedule_state_for(code),
            },
            status: JobStatus {
                code,
                count_successive_complete_failures: 0,
                escrows_pruned: false,
                last_execution: None,
                last_successful_execution: None,
                last_successful_execution_with_exports: None,
                progress: Vec::new(),
                quarantine: None,
                steady_state_first_achieved_time: never(),
                steady_state_last_achieved_time: never(),
                synchronized_entry_count_by_type: Vec::new(),
                troubleshooting_url: None,
            },
            synchronization_job_settings: vec![JobSetting {
                name: "QuarantineTooManyDeletesThreshold".to_owned(),
                value: "500".to_owned(),
            }],
            cycle: None,
            cycle_settings: None,
        }
    }
}

impl Quarantine {
    /// A full quarantine object for `reason`, begun at `now_ms`.
    pub fn new(reason: QuarantineReason, now_ms: u64) -> Quarantine {
        let began = crate::clock::iso_utc_ms(now_ms);
        let (code, message) = match reason {
            QuarantineReason::TooManyDeletes => (
                "TooManyDeletes",
                "The job was quarantined because the number of deletions exceeded the QuarantineTooManyDeletesThreshold (500). Review the pending deletions, then restart the job.",
            ),
            QuarantineReason::QuarantinedOnDemand => (
                "QuarantinedOnDemand",
                "The job was quarantined on request.",
            ),
            QuarantineReason::EncounteredBaseEscrowThreshold
            | QuarantineReason::EncounteredTotalEscrowThreshold
            | QuarantineReason::EncounteredEscrowProportionThreshold => (
                "EscrowThresholdExceeded",
                "Too many objects failed to provision. Fix the errors listed in the provisioning logs, then restart the job.",
            ),
            QuarantineReason::EncounteredQuarantineException => (
                "HybridSynchronizationActiveDirectoryInvalidCredentials",
                "The credentials of the target application are not valid. Update them, then restart the job.",
            ),
            QuarantineReason::IngestionInterrupted => (
                "IngestionInterrupted",
                "The inbound ingestion was interrupted.",
            ),
            QuarantineReason::Unknown => ("Unknown", "The job was quarantined."),
        };
        Quarantine {
            current_began: began.clone(),
            next_attempt: crate::clock::iso_utc_ms(now_ms.saturating_add(6 * 3600 * 1000)),
            reason,
            series_began: began,
            series_count: 1,
            error: SyncError {
                code: code.to_owned(),
                message: message.to_owned(),
                tenant_actionable: !matches!(
                    reason,
                    QuarantineReason::Unknown | QuarantineReason::IngestionInterrupted
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_graph_casing_and_order() {
        let job = Job::from_template(
            "AppTemplate.e4bbf44533ea4eabb17027f3a92e92aa",
            JobStatusCode::Paused,
        );
        let text = serde_json::to_string(&job).unwrap();
        assert_eq!(
            text,
            r#"{"id":"AppTemplate.e4bbf44533ea4eabb17027f3a92e92aa","templateId":"AppTemplate","schedule":{"expiration":null,"interval":"PT40M","state":"Paused"},"status":{"code":"Paused","countSuccessiveCompleteFailures":0,"escrowsPruned":false,"lastExecution":null,"lastSuccessfulExecution":null,"lastSuccessfulExecutionWithExports":null,"progress":[],"quarantine":null,"steadyStateFirstAchievedTime":"0001-01-01T00:00:00Z","steadyStateLastAchievedTime":"0001-01-01T00:00:00Z","synchronizedEntryCountByType":[],"troubleshootingUrl":null},"synchronizationJobSettings":[{"name":"QuarantineTooManyDeletesThreshold","value":"500"}]}"#
        );
    }

    #[test]
    fn template_is_text_before_first_dot() {
        assert_eq!(template_of("salesforce.abc.def"), "salesforce");
        assert_eq!(template_of("plain"), "plain");
    }
}

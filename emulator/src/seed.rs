//! The seed tenant: the embedded `seed.json` or a `--seed FILE` in the same format.

use serde::Deserialize;

use crate::model::{schedule_state_for, Job, JobSetting, JobStatus, JobStatusCode, Schedule};
use crate::model::{Quarantine, QuarantineReason};

/// The built-in tenant, also the reference for the seed file format.
pub const BUILT_IN: &str = include_str!("seed.json");

/// A service principal with its jobs, in seed order.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub jobs: Vec<Job>,
}

/// A bearer token and the scopes it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenGrant {
    pub token: String,
    pub scopes: Vec<String>,
}

/// A loaded, validated seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Seed {
    pub service_principals: Vec<ServicePrincipal>,
    pub tokens: Vec<TokenGrant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedFile {
    service_principals: Vec<SeedServicePrincipal>,
    #[serde(default)]
    tokens: Option<Vec<SeedToken>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedServicePrincipal {
    id: String,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    jobs: Vec<SeedJob>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedJob {
    id: String,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    schedule: Option<Schedule>,
    status: JobStatus,
    #[serde(default)]
    synchronization_job_settings: Option<Vec<JobSetting>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedToken {
    token: String,
    scopes: Vec<String>,
}

/// Parses and validates seed JSON; the error names the JSON path at fault.
pub fn parse(text: &str) -> Result<Seed, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file: SeedFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            inner.to_string()
        } else {
            format!("at {path}: {inner}")
        }
    })?;
    let tokens = match file.tokens {
        None => default_tokens(),
        Some(tokens) => tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                if t.token.is_empty() || t.token.chars().any(|c| c.is_whitespace()) {
                    Err(format!(
                        "at tokens[{i}].token: must be non-empty without whitespace"
                    ))
                } else {
                    Ok(TokenGrant {
                        token: t.token,
                        scopes: t.scopes,
                    })
                }
            })
            .collect::<Result<_, _>>()?,
    };
    let mut service_principals: Vec<ServicePrincipal> = Vec::new();
    for (i, sp) in file.service_principals.into_iter().enumerate() {
        if sp.id.is_empty() {
            return Err(format!("at servicePrincipals[{i}].id: must not be empty"));
        }
        if service_principals.iter().any(|s| s.id == sp.id) {
            return Err(format!(
                "at servicePrincipals[{i}].id: duplicate service principal id '{}'",
                sp.id
            ));
        }
        let mut jobs: Vec<Job> = Vec::new();
        for (j, job) in sp.jobs.into_iter().enumerate() {
            let at = format!("servicePrincipals[{i}].jobs[{j}]");
            jobs.push(job_from_seed(job, &at, &jobs)?);
        }
        service_principals.push(ServicePrincipal {
            app_id: sp
                .app_id
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            display_name: sp
                .display_name
                .unwrap_or_else(|| "Emulated application".to_owned()),
            id: sp.id,
            jobs,
        });
    }
    Ok(Seed {
        service_principals,
        tokens,
    })
}

fn job_from_seed(job: SeedJob, at: &str, earlier: &[Job]) -> Result<Job, String> {
    if job.id.is_empty() {
        return Err(format!("at {at}.id: must not be empty"));
    }
    if earlier.iter().any(|j| j.id == job.id) {
        return Err(format!("at {at}.id: duplicate job id '{}'", job.id));
    }
    let mut status = job.status;
    match (status.code, &status.quarantine) {
        (JobStatusCode::Quarantine, None) => {
            status.quarantine = Some(Quarantine::new(QuarantineReason::Unknown, crate::clock::now_ms()));
        }
        (JobStatusCode::Quarantine, Some(_)) | (_, None) => {}
        (code, Some(_)) => {
            return Err(format!(
                "at {at}.status.quarantine: must be null when status.code is {code:?} (only Quarantine jobs carry one)"
            ))
        }
    }
    let template = Job::from_template(&job.id, status.code);
    Ok(Job {
        template_id: job.template_id.unwrap_or(template.template_id),
        schedule: job.schedule.unwrap_or(Schedule {
            state: schedule_state_for(status.code),
            ..template.schedule
        }),
        synchronization_job_settings: job
            .synchronization_job_settings
            .unwrap_or(template.synchronization_job_settings),
        status,
        id: job.id,
        cycle: None,
        cycle_settings: None,
    })
}

fn default_tokens() -> Vec<TokenGrant> {
    vec![
        TokenGrant {
            token: "demo-token-readwrite".to_owned(),
            scopes: vec!["Synchronization.ReadWrite.All".to_owned()],
        },
        TokenGrant {
            token: "demo-token-readonly".to_owned(),
            scopes: vec!["Synchronization.Read.All".to_owned()],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_seed_has_the_contract_ids() {
        let seed = parse(BUILT_IN).unwrap();
        let ids: Vec<(&str, Vec<(&str, JobStatusCode)>)> = seed
            .service_principals
            .iter()
            .map(|sp| {
                (
                    sp.id.as_str(),
                    sp.jobs
                        .iter()
                        .map(|j| (j.id.as_str(), j.status.code))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                (
                    "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d",
                    vec![
                        ("salesforce.e4bbf44533ea4eabb17027f3a92e92aa", JobStatusCode::Paused),
                        (
                            "salesforce.0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e.7c1d9f4e-3b2a-4c5d-8e6f-9a0b1c2d3e4f",
                            JobStatusCode::Quarantine
                        ),
                    ]
                ),
                (
                    "8d2e4f6a-1b3c-4d5e-a6f7-0b1c2d3e4f5a",
                    vec![
                        ("serviceNow.a1b2c3d4e5f60718293a4b5c6d7e8f90", JobStatusCode::Active),
                        ("serviceNow.1f2e3d4c5b6a79880716253443526170", JobStatusCode::NotRun),
                    ]
                ),
                (
                    "b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e",
                    vec![("workday.9f8e7d6c5b4a39281706f5e4d3c2b1a0", JobStatusCode::NotConfigured)]
                ),
            ]
        );
        assert_eq!(seed.tokens, default_tokens());
        let paused = &seed.service_principals[0].jobs[0];
        assert!(!paused.status.progress.is_empty());
        assert!(paused.status.last_execution.is_some());
        let quarantined = &seed.service_principals[0].jobs[1];
        assert_eq!(
            quarantined.status.quarantine.as_ref().map(|q| q.reason),
            Some(QuarantineReason::TooManyDeletes)
        );
    }

    #[test]
    fn minimal_seed_fills_defaults_and_demo_tokens() {
        let seed = parse(r#"{"servicePrincipals":[{"id":"sp","jobs":[{"id":"tpl.1","status":{"code":"NotConfigured"}}]}]}"#).unwrap();
        let job = &seed.service_principals[0].jobs[0];
        assert_eq!(job.template_id, "tpl");
        assert_eq!(job.schedule.state, crate::model::ScheduleState::Disabled);
        assert_eq!(seed.tokens.len(), 2);
    }

    #[test]
    fn errors_name_the_json_path() {
        let err = parse(r#"{"servicePrincipals":[{"id":"sp","jobs":[{"id":"a.1","status":{"code":"Running"}}]}]}"#).unwrap_err();
        assert!(
            err.contains("servicePrincipals[0].jobs[0].status.code"),
            "{err}"
        );
        let err =
            parse(r#"{"servicePrincipals":[{"id":"sp","jobs":[{"id":"a.1"}]}]}"#).unwrap_err();
        assert!(
            err.contains("servicePrincipals[0].jobs[0]") && err.contains("missing field `status`"),
            "{err}"
        );
        let err = parse(r#"{"servicePrincipals":[{"id":"sp"},{"id":"sp"}]}"#).unwrap_err();
        assert!(err.contains("servicePrincipals[1].id: duplicate"), "{err}");
        let err = parse(r#"{"servicePrincipals":[{"id":"sp","jobs":[{"id":"a.1","status":{"code":"Paused","quarantine":{"currentBegan":"x","nextAttempt":"x","reason":"Unknown","seriesBegan":"x","seriesCount":1,"error":{"code":"c","message":"m","tenantActionable":true}}}}]}]}"#).unwrap_err();
        assert!(err.contains("status.quarantine"), "{err}");
        assert!(parse("not json").is_err());
    }
}

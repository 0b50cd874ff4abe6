//! How long the engine alone takes to run a bulk call of 10 000 and of 100 000 jobs (the most a
//! call takes), every batch answered at once with 204s: no wasm, no network, only its own work.
//! `cargo run --release --example bulk_engine_time` (README, "Bulk figures").
use graph_sync_job::engine::*;
use graph_sync_job::input::ApiVersion;
use graph_sync_job::retry::RetryPolicy;
use graph_sync_job::views::{BatchView, SubResponseView};
fn main() {
    for n in [10_000usize, 100_000] {
        let jobs: Vec<(String, String)> = (0..n)
            .map(|i| (format!("sp-{}", i % 50), format!("job-{i}")))
            .collect();
        let t = std::time::Instant::now();
        let mut m = Machine::new(
            Op::Bulk(Bulk::new(JobAction::Start, None, 4, jobs)),
            Config {
                target: Target {
                    base: "https://graph.microsoft.com".into(),
                    version: ApiVersion::V1,
                },
                policy: RetryPolicy::default(),
                timeout_ms: 1e12,
                refreshable: false,
                client_request_id: "c".into(),
                dates: RustDates,
                seed: 1,
            },
        );
        let mut now = 1.0;
        m.start(now);
        m.token(now);
        let (mut batches, mut items) = (0, 0);
        let mut pending: Vec<(u32, usize)> = Vec::new();
        loop {
            for a in m.take() {
                match a {
                    Action::Send { slot, body, .. } => {
                        let k = body.unwrap().matches("\"id\"").count();
                        pending.push((slot, k));
                    }
                    Action::Item { .. } => items += 1,
                    Action::ReturnItems => {
                        println!("{n}: {:?}, {batches} batches, {items} items", t.elapsed());
                        break;
                    }
                    _ => {}
                }
            }
            if m.is_finished() {
                break;
            }
            let Some((slot, k)) = pending.pop() else {
                panic!("stuck")
            };
            batches += 1;
            now += 1.0;
            let responses = (1..=k)
                .map(|i| SubResponseView {
                    id: Some(i.to_string()),
                    status: Some(204.0),
                    ..Default::default()
                })
                .collect();
            m.response(
                slot,
                Answer {
                    status: 200,
                    body: Body::Batch(BatchView {
                        responses: Some(responses),
                    }),
                    ..Default::default()
                },
                now,
            );
        }
    }
}

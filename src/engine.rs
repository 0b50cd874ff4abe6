//! The attempt loop as a pure state machine (the sans-IO shape of ureq-proto): it never touches
//! the network, a timer or a JS value. The JS layer tells it what happened (`start`, `token`,
//! `response`, `no_response`, `waited`, `stopped`) and performs the [`Action`]s it queues: get a
//! token, send this request in this slot, wait N ms, tell a callback, finish with this value or
//! this error. Every decision lives here and is tested with plain values.
//!
//! An operation ([`Op`]) is a small description: which request comes next and how a success is
//! read. Slots are requests in flight; every operation but the bulk one uses slot 0 alone.

use crate::error::{self, ErrorData, ErrorKind, HttpResponse};
use crate::input::{self, ApiVersion};
use crate::options::Until;
use crate::retry::{self, Decision, Outcome, RetryPolicy};
use crate::text::decimal;
use crate::time;
use crate::views::{
    BatchView, GraphErrorView, HeaderView, InnerIds, JobView, PageView, StatusView,
};

/// Most pages `listSynchronizationJobs` follows before it stops with an error.
pub const MAX_PAGES: u32 = 100;
/// Most sub-requests in one `$batch` (Graph's limit).
pub const BATCH_SIZE: usize = 20;

/// The platform's date parsing and formatting (`Date.parse`, `toISOString`), given as a type so
/// the engine stays free of JS: the JS layer gives its own, native tests [`RustDates`]. A type,
/// not function pointers: its calls are direct, so the wasm needs no function table.
pub trait Dates {
    /// Epoch milliseconds of an HTTP date or an ISO-8601 date-time with a zone.
    fn parse(&self, s: &str) -> Option<f64>;
    /// ISO-8601 UTC with milliseconds, for the range a JS `Date` can hold.
    fn format(&self, ms: f64) -> Option<String>;

    /// An ISO-8601 date-time; one without a zone is read as UTC, as Graph means it.
    fn iso_ms(&self, value: &str) -> Option<f64> {
        self.parse(&time::as_utc(value))
    }
}

/// Rust's own ISO-8601 reading and writing, for native tests and examples (no HTTP dates).
#[derive(Debug, Clone, Copy, Default)]
pub struct RustDates;

impl Dates for RustDates {
    fn parse(&self, s: &str) -> Option<f64> {
        time::parse_iso_ms(s)
    }
    fn format(&self, ms: f64) -> Option<String> {
        time::iso_from_epoch_ms(ms)
    }
}

/// What a successful answer's body is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Nothing,
    Job,
    Page,
    Batch,
}

/// A request for the JS layer to send (it adds `Authorization` and `client-request-id`).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    /// JSON text; sent with `Content-Type: application/json`.
    pub body: Option<String>,
    /// The status that means success.
    pub expect: u16,
    pub read: Read,
}

impl Request {
    fn get(url: String, read: Read) -> Self {
        Self {
            method: "GET",
            url,
            body: None,
            expect: 200,
            read,
        }
    }
}

/// An answer, as far as the engine decides on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub status_text: String,
    pub headers: HeaderView,
    pub body: Body,
    /// The start of the body text (for a message when it is not a Graph error).
    pub body_head: Option<String>,
}

/// The body through the view the request asked for (or a Graph error for any other status).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Body {
    /// No body, or one that is not JSON.
    #[default]
    None,
    Error(Option<GraphErrorView>, Vec<InnerIds>),
    Job(JobView),
    Page(PageView),
    Batch(BatchView),
}

/// What the caller gets for start, pause and restart.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionResult {
    pub skipped: bool,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub client_request_id: String,
    pub attempts: u32,
    pub job_status: Option<String>,
}

/// One input position's result of a bulk call. The JS layer adds the error's body and headers
/// from sub-response `sub` of the last answer in `slot`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    pub index: u32,
    pub service_principal_id: String,
    pub job_id: String,
    pub ok: bool,
    pub skipped: bool,
    pub job_status: Option<String>,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub error: Option<ErrorData>,
    pub slot: u32,
    pub sub: Option<u32>,
}

/// What JS should attach as the error's `cause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    None,
    /// What the token source threw.
    Token,
    /// The caller's signal's reason.
    Signal,
    /// The platform's error from `fetch` (no response).
    Network,
    /// The last failure before the deadline passed.
    Last,
}

/// What the JS layer does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Ask the token source for a token (again, after a 401); answer with `token` or `token_failed`.
    Token,
    /// Send `url` in `slot`; answer with `response` or `no_answer`. `expect` is the success
    /// status (its body may be larger than an error body, which is capped sooner).
    Send {
        slot: u32,
        method: &'static str,
        url: String,
        body: Option<String>,
        expect: u16,
    },
    /// Answer `waited(slot)` after `ms`.
    Wait { slot: u32, ms: f64 },
    /// The answer in `slot` succeeded: tell `onResponse`.
    Ok {
        slot: u32,
        status: u16,
        request_id: Option<String>,
        attempts: u32,
    },
    /// Tell `onRetry`: the failure in `slot` is retried after `delay_ms`.
    Retry {
        slot: u32,
        /// For a bulk call's item: its sub-response in the batch answer in `slot`.
        sub: Option<u32>,
        attempt: u32,
        delay_ms: f64,
        error: ErrorData,
    },
    /// Keep the `value` array of the answer in `slot` (a page of jobs).
    Collect { slot: u32 },
    /// Tell `onProgress` about the job read in `slot`.
    Polled { slot: u32 },
    /// A bulk call's result for one input position.
    Item { item: ItemResult },
    /// Tell `onProgress` how a bulk call stands.
    Progress {
        done: u32,
        total: u32,
        ok: u32,
        failed: u32,
        skipped: u32,
    },
    /// Resolve with this.
    Finish { result: ActionResult },
    /// Resolve with the body of the answer in `slot`.
    Return { slot: u32 },
    /// Resolve with every kept page's items, in order.
    ReturnCollected,
    /// Resolve with the bulk results, in input order.
    ReturnItems,
    /// Reject. `slot`: whose answer's body and headers the error carries.
    Fail {
        error: ErrorData,
        slot: Option<u32>,
        cause: Cause,
    },
}

/// Which POST an action sends.
#[derive(Debug, Clone, PartialEq)]
pub enum JobAction {
    Start,
    Pause,
    /// With the reset scopes, joined as Graph writes them ("Watermark, Escrows").
    Restart(Option<String>),
}

impl JobAction {
    fn suffix(&self) -> &'static str {
        match self {
            Self::Start => "/start",
            Self::Pause => "/pause",
            Self::Restart(_) => "/restart",
        }
    }

    /// The request body: restart's criteria, else none.
    pub fn body(&self) -> Option<String> {
        match self {
            Self::Restart(Some(scope)) => {
                Some([r#"{"criteria":{"resetScope":""#, scope, r#""}}"#].concat())
            }
            _ => None,
        }
    }
}

/// Where the calls go.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The Graph root, e.g. `https://graph.microsoft.com`.
    pub base: String,
    pub version: ApiVersion,
}

impl Target {
    /// `{base}/{version}{path}`.
    pub fn url(&self, path: &str) -> String {
        [&self.base, "/", self.version.as_str(), path].concat()
    }
}

/// The `ifStatus` rule, for one job and for bulk items: the listed code a read job's
/// `status.code` is, if any (an action is sent only then).
fn listed(allowed: &[&'static str], code: Option<&str>) -> Option<&'static str> {
    allowed.iter().find(|a| code == Some(**a)).copied()
}

/// `/servicePrincipals/{id}/synchronization/jobs[/{jobId}]{suffix}`, ids encoded.
///
/// ```
/// use graph_sync_job::engine::{job_path, Target};
/// use graph_sync_job::input::ApiVersion;
/// let t = Target { base: "https://graph.microsoft.com".into(), version: ApiVersion::V1 };
/// assert_eq!(
///     t.url(&job_path("3f0c9b4e", Some("a/b"), "/start")),
///     "https://graph.microsoft.com/v1.0/servicePrincipals/3f0c9b4e/synchronization/jobs/a%2Fb/start"
/// );
/// ```
pub fn job_path(sp: &str, job: Option<&str>, suffix: &str) -> String {
    let mut p = [
        "/servicePrincipals/",
        &input::encode_segment(sp),
        "/synchronization/jobs",
    ]
    .concat();
    if let Some(j) = job {
        p.push_str("/");
        p.push_str(&input::encode_segment(j));
    }
    p.push_str(suffix);
    p
}

/// An operation: what is sent, and what a success leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// start, pause or restart one job; with `if_status`, read it first.
    Act {
        sp: String,
        job: String,
        action: JobAction,
        if_status: Option<Vec<&'static str>>,
        /// The status code the read found, when it let the action go (for the result).
        read: Option<&'static str>,
    },
    Get {
        sp: String,
        job: String,
    },
    List {
        sp: String,
        pages: u32,
    },
    Wait(Wait),
    Bulk(Bulk),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub sp: String,
    pub job: String,
    pub until: Until,
    pub interval_ms: f64,
    /// The first poll's `lastExecution.timeBegan` and whether that cycle was still running, and
    /// its `steadyStateLastAchievedTime`: the marks later polls are judged against.
    first: Option<FirstPoll>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct FirstPoll {
    began_ms: Option<f64>,
    running: bool,
    steady_ms: Option<f64>,
}

impl Wait {
    pub fn new(sp: String, job: String, until: Until, interval_ms: f64) -> Self {
        Self {
            sp,
            job,
            until,
            interval_ms,
            first: None,
        }
    }
}

/// What one poll of a wait says.
#[derive(Debug, Clone, PartialEq)]
pub enum PollVerdict {
    Pending,
    Reached,
    /// Quarantine or a failed cycle: `jobFailed` with this code and message.
    Failed(String, String),
}

fn ms_of(dates: &impl Dates, s: &Option<String>) -> Option<f64> {
    s.as_deref().and_then(|s| dates.iso_ms(s))
}

impl Wait {
    /// Judges one poll, by Graph's own timestamps against the first poll (never the local clock).
    pub fn judge(&mut self, job: &JobView, dates: &impl Dates) -> PollVerdict {
        let ms_of = |s: &Option<String>| ms_of(dates, s);
        let empty = StatusView::default();
        let status = job.status.as_ref().unwrap_or(&empty);
        let code = status.code.as_deref().unwrap_or("");
        let exec = status.last_execution.as_ref();
        let began = exec.and_then(|e| ms_of(&e.time_began));
        let ended = exec.and_then(|e| ms_of(&e.time_ended));
        // A cycle is running when it began and has not ended since.
        let running = began.is_some() && ended.is_none_or(|e| Some(e) < began);
        let steady = ms_of(&status.steady_state_last_achieved_time);
        let first = *self.first.get_or_insert(FirstPoll {
            began_ms: began,
            running,
            steady_ms: steady,
        });

        if code == "Quarantine" {
            let q = status.quarantine.as_ref();
            let reason = q
                .and_then(|q| q.reason.clone())
                .unwrap_or_else(|| "Unknown".to_owned());
            let detail = q
                .and_then(|q| q.error.as_ref())
                .and_then(|e| e.message.clone());
            let mut message = ["The job went into quarantine (", &reason, ")."].concat();
            if let Some(d) = detail {
                message.push_str(" ");
                message.push_str(&d);
            }
            return PollVerdict::Failed(reason, message);
        }
        match self.until {
            Until::Active if code == "Active" => PollVerdict::Reached,
            Until::Active => PollVerdict::Pending,
            Until::SteadyState => match (steady, first.steady_ms) {
                (Some(now), Some(then)) if now > then => PollVerdict::Reached,
                (Some(_), None) => PollVerdict::Reached,
                _ => PollVerdict::Pending,
            },
            Until::CycleComplete => {
                // The awaited cycle: the one running at the first poll, else the next to begin.
                let awaited = match (began, first.began_ms) {
                    (Some(b), Some(f)) => b > f || (first.running && b == f),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if !awaited || running {
                    return PollVerdict::Pending;
                }
                let failed = exec.and_then(|e| e.state.as_deref()) == Some("Failed");
                if failed {
                    let err = exec.and_then(|e| e.error.as_ref());
                    let code = err
                        .and_then(|e| e.code.clone())
                        .unwrap_or_else(|| "Failed".to_owned());
                    let mut message = "The provisioning cycle ended with state Failed.".to_owned();
                    if let Some(m) = err.and_then(|e| e.message.clone()) {
                        message.push_str(" ");
                        message.push_str(&m);
                    }
                    return PollVerdict::Failed(code, message);
                }
                PollVerdict::Reached
            }
        }
    }
}

/// Starting, pausing or restarting many jobs through `$batch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bulk {
    pub action: JobAction,
    pub if_status: Option<Vec<&'static str>>,
    pub concurrency: usize,
    /// Unique (servicePrincipalId, jobId) pairs, first-seen order.
    items: Vec<(String, String)>,
    /// For each unique pair, the input positions it stands at.
    positions: Vec<Vec<u32>>,
    total: u32,
    queue: Queue,
    /// Batches in flight, by slot.
    batches: Vec<Option<Vec<Sub>>>,
    timer: bool,
    /// Graph throttles per app and token, not per item: after a throttled answer nothing new is
    /// sent before this (epoch ms), so other items do not spend their retries meanwhile.
    hold_until: f64,
    /// Batches allowed in flight now: one after a throttled answer, one more after each batch
    /// that was not throttled, up to `concurrency` (additive increase, multiplicative decrease).
    window: usize,
    /// Counts throttled answers; a batch widens the window only if sent since the last one.
    epoch: u32,
    sent_in: Vec<u32>,
    done: u32,
    ok: u32,
    failed: u32,
    skipped: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sub {
    item: usize,
    /// A read for `ifStatus`, else the action.
    read: bool,
    /// For the action after a read: the status code the read found.
    found: Option<&'static str>,
    retries: u32,
    not_before: f64,
}

/// How one unique item of a bulk call ended, from sub-response `sub` of its batch's answer.
enum Settled {
    /// Acted on, or skipped by `ifStatus` (`job_status`: the state read).
    Done {
        skipped: bool,
        status: Option<u16>,
        job_status: Option<String>,
        request_id: Option<String>,
        sub: usize,
    },
    /// Failed: with this error, from this sub-response when there was one.
    Failed(ErrorData, Option<usize>),
}

/// A bulk call's sub-requests in the order they go: a `Vec` read from `head`. What is taken from
/// the front and given back (an item still waiting out its Retry-After, a retried one) goes back
/// into the place a taking freed, so both ends cost O(1) with `VecDeque`'s ring arithmetic left
/// out of the wasm. Every item given back was taken before and places are never reused
/// otherwise, so a freed place is always there (were it not, the item would be inserted: correct,
/// only slower). The `Vec` holds at most two entries per job: its read and its action.
#[derive(Debug, Clone, PartialEq, Default)]
struct Queue {
    items: Vec<Sub>,
    head: usize,
}

impl Queue {
    fn pop_front(&mut self) -> Option<Sub> {
        let s = *self.items.get(self.head)?;
        self.head += 1;
        Some(s)
    }

    fn push_front(&mut self, s: Sub) {
        if self.head > 0 {
            self.head -= 1;
            self.items[self.head] = s;
        } else {
            self.items.insert(0, s);
        }
    }

    fn push_back(&mut self, s: Sub) {
        self.items.push(s);
    }

    fn is_empty(&self) -> bool {
        self.head == self.items.len()
    }

    fn waiting(&self) -> &[Sub] {
        self.items.get(self.head..).unwrap_or_default()
    }
}

/// `n` empty places: a loop instead of `vec![None; n]`, which would bring the element's `Clone`
/// (a request's strings, a batch's items) into the wasm for values that are always `None`.
fn nones<T>(n: usize) -> Vec<Option<T>> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(None);
    }
    v
}

/// FNV-1a of a (servicePrincipalId, jobId) pair, the two ids apart by a byte UTF-8 never has.
fn fnv1a((sp, job): &(String, String)) -> u32 {
    let mut h = 0x811c_9dc5_u32;
    for part in [sp.as_bytes(), &[0xff], job.as_bytes()] {
        for &b in part {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    h
}

impl Bulk {
    /// Duplicate pairs are sent once and reported at each position.
    pub fn new(
        action: JobAction,
        if_status: Option<Vec<&'static str>>,
        concurrency: usize,
        jobs: Vec<(String, String)>,
    ) -> Self {
        let total = jobs.len() as u32;
        let mut items: Vec<(String, String)> = Vec::new();
        let mut positions: Vec<Vec<u32>> = Vec::new();
        // Pairs seen, found through an open-addressing table of indices into `items`, hashed with
        // FNV-1a: linear time, where a search of `items` for each job was quadratic (100 000
        // jobs took 28 s).
        // A slot holds 1 + the pair's index in `items`, 0 when free.
        let mask = (jobs.len() * 2).next_power_of_two() - 1;
        let mut seen = vec![0u32; mask + 1];
        for (i, pair) in jobs.into_iter().enumerate() {
            let mut at = fnv1a(&pair) as usize & mask;
            while seen[at] != 0 && items[seen[at] as usize - 1] != pair {
                at = (at + 1) & mask;
            }
            match seen[at] as usize {
                0 => {
                    items.push(pair);
                    seen[at] = items.len() as u32;
                    positions.push(vec![i as u32]);
                }
                u => positions[u - 1].push(i as u32),
            }
        }
        let read = if_status.is_some();
        let mut queue = Queue::default();
        for item in 0..items.len() {
            queue.push_back(Sub {
                item,
                read,
                found: None,
                retries: 0,
                not_before: 0.0,
            });
        }
        Self {
            action,
            if_status,
            concurrency: concurrency.max(1),
            items,
            positions,
            total,
            queue,
            batches: nones(concurrency.max(1)),
            timer: false,
            hold_until: 0.0,
            window: concurrency.max(1),
            epoch: 0,
            sent_in: vec![0; concurrency.max(1)],
            done: 0,
            ok: 0,
            failed: 0,
            skipped: 0,
        }
    }

    /// The `$batch` body for these sub-requests; ids are their 1-based positions.
    fn batch_body(&self, subs: &[Sub]) -> String {
        let mut out = String::from(r#"{"requests":["#);
        for (i, s) in subs.iter().enumerate() {
            let (sp, job) = &self.items[s.item];
            if i > 0 {
                out.push_str(",");
            }
            let id = decimal(i as u64 + 1);
            let (method, suffix) = if s.read {
                ("GET", "")
            } else {
                ("POST", self.action.suffix())
            };
            // Ids are percent-encoded, so the url needs no JSON escaping.
            out.push_str(
                &[
                    r#"{"id":""#,
                    &id,
                    r#"","method":""#,
                    method,
                    r#"","url":""#,
                    &job_path(sp, Some(job), suffix),
                    "\"",
                ]
                .concat(),
            );
            if let (false, Some(body)) = (s.read, self.action.body()) {
                out.push_str(r#","headers":{"Content-Type":"application/json"},"body":"#);
                out.push_str(&body);
            }
            out.push_str("}");
        }
        out.push_str("]}");
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    request: Request,
    retries: u32,
    /// Waiting for a fresh token before it is sent again.
    needs_token: bool,
}

/// One call: the operation, its policy and deadline, and the slots in flight.
pub struct Machine<D: Dates> {
    op: Op,
    target: Target,
    policy: RetryPolicy,
    timeout_ms: f64,
    /// Whether the token source can give a fresh token (a function or credential).
    refreshable: bool,
    client_request_id: String,
    dates: D,
    rng: u64,

    deadline: f64,
    attempts: u32,
    refreshed: bool,
    fetching_token: bool,
    have_token: bool,
    slots: Vec<Option<Slot>>,
    actions: Vec<Action>,
    finished: bool,
}

pub struct Config<D: Dates> {
    pub target: Target,
    pub policy: RetryPolicy,
    pub timeout_ms: f64,
    pub refreshable: bool,
    pub client_request_id: String,
    pub dates: D,
    /// Seeds the backoff jitter.
    pub seed: u64,
}

impl<D: Dates> Machine<D> {
    pub fn new(op: Op, c: Config<D>) -> Self {
        let slots = match &op {
            Op::Bulk(b) => b.concurrency,
            _ => 1,
        };
        Self {
            op,
            target: c.target,
            policy: c.policy,
            timeout_ms: c.timeout_ms,
            refreshable: c.refreshable,
            client_request_id: c.client_request_id,
            dates: c.dates,
            rng: c.seed | 1,
            deadline: 0.0,
            attempts: 0,
            refreshed: false,
            fetching_token: false,
            have_token: false,
            slots: nones(slots),
            actions: Vec::new(),
            finished: false,
        }
    }

    /// The actions queued since the last call, in order.
    pub fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The request in flight in `slot` (to read its answer through the right view).
    pub fn request(&self, slot: u32) -> Option<&Request> {
        self.slots.get(slot as usize)?.as_ref().map(|s| &s.request)
    }

    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The call begins: ask for a token.
    pub fn start(&mut self, now: f64) {
        self.deadline = now + self.timeout_ms;
        self.fetching_token = true;
        self.actions.push(Action::Token);
        match &self.op {
            Op::Bulk(b) if b.items.is_empty() => self.finish(Action::ReturnItems),
            _ => {}
        }
    }

    /// The token source gave a usable token (the JS layer checked it with `input::validate_token`).
    pub fn token(&mut self, now: f64) {
        if self.finished {
            return;
        }
        self.fetching_token = false;
        self.have_token = true;
        let mut waiting = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            if s.as_ref().is_some_and(|s| s.needs_token) {
                waiting.push(i as u32);
            }
        }
        if waiting.is_empty() && self.attempts == 0 {
            self.first_requests(now);
        }
        for slot in waiting {
            if let Some(s) = self.slots[slot as usize].as_mut() {
                s.needs_token = false;
            }
            self.send(slot);
        }
    }

    /// The token source failed or gave nothing usable.
    pub fn token_failed(&mut self, message: String, now: f64) {
        let d = self.no_response_error(ErrorKind::Token, message, now);
        self.fail(d, None, Cause::Token);
    }

    fn first_requests(&mut self, now: f64) {
        let request = match &self.op {
            Op::Act {
                sp,
                job,
                action,
                if_status,
                ..
            } => match if_status {
                Some(_) => Request::get(self.target.url(&job_path(sp, Some(job), "")), Read::Job),
                None => self.action_request(sp, job, action),
            },
            Op::Get { sp, job } => {
                Request::get(self.target.url(&job_path(sp, Some(job), "")), Read::Job)
            }
            Op::List { sp, .. } => {
                Request::get(self.target.url(&job_path(sp, None, "")), Read::Page)
            }
            Op::Wait(w) => Request::get(
                self.target.url(&job_path(&w.sp, Some(&w.job), "")),
                Read::Job,
            ),
            Op::Bulk(_) => return self.schedule(now),
        };
        self.put(0, request);
    }

    fn action_request(&self, sp: &str, job: &str, action: &JobAction) -> Request {
        Request {
            method: "POST",
            url: self.target.url(&job_path(sp, Some(job), action.suffix())),
            body: action.body(),
            expect: 204,
            read: Read::Nothing,
        }
    }

    /// Puts a fresh request in `slot` and sends it.
    fn put(&mut self, slot: u32, request: Request) {
        self.slots[slot as usize] = Some(Slot {
            request,
            retries: 0,
            needs_token: false,
        });
        self.send(slot);
    }

    fn send(&mut self, slot: u32) {
        let have_token = self.have_token;
        let Some(s) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        if !have_token {
            s.needs_token = true;
            return;
        }
        let r = &s.request;
        self.actions.push(Action::Send {
            slot,
            method: r.method,
            url: r.url.clone(),
            body: r.body.clone(),
            expect: r.expect,
        });
        self.attempts += 1;
    }

    /// An answer arrived in `slot`.
    pub fn response(&mut self, slot: u32, answer: Answer, now: f64) {
        if self.finished {
            return;
        }
        let Some(s) = self.slots.get(slot as usize).and_then(Option::as_ref) else {
            return;
        };
        let expect = s.request.expect;
        if answer.status == expect {
            let request_id = answer.headers.request_id.clone();
            self.actions.push(Action::Ok {
                slot,
                status: answer.status,
                request_id: request_id.clone(),
                attempts: self.attempts,
            });
            if let Some(s) = self.slots[slot as usize].as_mut() {
                s.retries = 0;
            }
            return self.succeeded(slot, answer, request_id, now);
        }
        let mut d = self.http_error(&answer, expect, now);
        // A 401 that arrives while the fresh token is on its way waits for it too (bulk calls).
        if answer.status == 401 && self.refreshable && (!self.refreshed || self.fetching_token) {
            // A token from a function or credential may have expired: get a fresh one, once per call.
            self.refreshed = true;
            self.have_token = false;
            if let Some(s) = self.slots[slot as usize].as_mut() {
                s.needs_token = true;
            }
            if !self.fetching_token {
                self.fetching_token = true;
                self.actions.push(Action::Token);
            }
            return;
        }
        self.add_hint(&mut d);
        self.retry_or_fail(slot, Outcome::Status(answer.status), d, now);
    }

    /// No answer in `slot`: the request failed before any response (network, CORS, reset).
    pub fn no_answer(&mut self, slot: u32, now: f64) {
        if self.finished
            || self
                .slots
                .get(slot as usize)
                .and_then(Option::as_ref)
                .is_none()
        {
            return;
        }
        let d = self.no_response_error(
            ErrorKind::Network,
            "The request to Microsoft Graph failed before any response arrived (network down, \
             connection refused or reset, DNS failure, or a CORS refusal)."
                .to_owned(),
            now,
        );
        self.retry_or_fail(slot, Outcome::NoResponse, d, now);
    }

    /// The wait in `slot` is over.
    pub fn waited(&mut self, slot: u32, now: f64) {
        if self.finished {
            return;
        }
        if let Op::Bulk(b) = &mut self.op {
            if slot as usize == b.concurrency {
                b.timer = false;
                return self.schedule(now);
            }
        }
        self.send(slot);
    }

    /// The caller's signal fired (`aborted`) or the deadline passed (`timed_out`). When both
    /// have, the caller's abort wins: it is what the caller asked for.
    pub fn stopped(&mut self, aborted: bool, timed_out: bool, now: f64) {
        if self.finished || !(aborted || timed_out) {
            return;
        }
        let d = if aborted {
            self.no_response_error(
                ErrorKind::Aborted,
                "The call was aborted through options.signal.".to_owned(),
                now,
            )
        } else {
            let message = [
                "The call did not finish within options.timeoutMs (",
                &decimal(self.timeout_ms as u64),
                " ms).",
            ]
            .concat();
            self.no_response_error(ErrorKind::Timeout, message, now)
        };
        self.fail(d, None, if aborted { Cause::Signal } else { Cause::Last });
    }

    /// An error with no response behind it, dated now, with the call's client-request-id.
    fn no_response_error(&self, kind: ErrorKind, message: String, now: f64) -> ErrorData {
        let mut d = ErrorData::without_response(kind, message);
        d.attempts = self.attempts;
        d.client_request_id = Some(self.client_request_id.clone());
        d.date = self.dates.format(now);
        d
    }

    fn http_error(&self, a: &Answer, expect: u16, now: f64) -> ErrorData {
        let (error, inner) = match &a.body {
            Body::Error(e, inner) => (e.as_ref(), inner.as_slice()),
            _ => (None, &[][..]),
        };
        let mut d = error::from_response(
            &HttpResponse {
                status: a.status,
                status_text: &a.status_text,
                headers: &a.headers,
                error,
                inner,
                body_head: a.body_head.as_deref(),
                expected: expect,
            },
            &self.dates,
            now,
        );
        d.attempts = self.attempts;
        if d.client_request_id.is_none() {
            d.client_request_id = Some(self.client_request_id.clone());
        }
        if d.date.is_none() {
            d.date = self.dates.format(now);
        }
        d
    }

    fn add_hint(&self, d: &mut ErrorData) {
        let ids = match &self.op {
            Op::Act { sp, job, .. } | Op::Get { sp, job } => (sp.as_str(), job.as_str()),
            Op::Wait(w) => (w.sp.as_str(), w.job.as_str()),
            Op::List { sp, .. } => (sp.as_str(), ""),
            Op::Bulk(_) => ("", ""),
        };
        d.hint = error::hint(d.status, &d.code, &d.message, ids);
    }

    /// Retries the request in `slot` after a wait, or gives up with `d`.
    fn retry_or_fail(&mut self, slot: u32, outcome: Outcome, d: ErrorData, now: f64) {
        let retries = self.slots[slot as usize].as_ref().map_or(0, |s| s.retries);
        let remaining = Some(self.deadline - now);
        let random = self.random();
        match retry::decide(
            &self.policy,
            outcome,
            d.retry_after_ms,
            retries,
            remaining,
            random,
        ) {
            Decision::RetryAfter(mut delay_ms) => {
                if let Op::Wait(w) = &self.op {
                    // A throttled poll waits at least the poll interval: stretched, never shortened.
                    delay_ms = delay_ms.max(w.interval_ms);
                }
                if let Some(s) = self.slots[slot as usize].as_mut() {
                    s.retries += 1;
                }
                if let (Op::Bulk(b), Outcome::Status(429 | 503)) = (&mut self.op, outcome) {
                    // The whole batch was throttled: no other batch goes out before it may.
                    b.hold_until = b.hold_until.max(now + delay_ms);
                    b.window = 1;
                    b.epoch += 1;
                }
                self.actions.push(Action::Retry {
                    slot,
                    sub: None,
                    attempt: retries + 1,
                    delay_ms,
                    error: d,
                });
                self.actions.push(Action::Wait { slot, ms: delay_ms });
            }
            Decision::GiveUp(_) => {
                if let Op::Bulk(_) = self.op {
                    return self.batch_failed(slot, d, now);
                }
                let cause = if outcome == Outcome::NoResponse {
                    Cause::Network
                } else {
                    Cause::None
                };
                self.fail(d, Some(slot), cause);
            }
        }
    }

    fn succeeded(&mut self, slot: u32, answer: Answer, request_id: Option<String>, now: f64) {
        let attempts = self.attempts;
        let client_request_id = self.client_request_id.clone();
        let result = |skipped, status, job_status| ActionResult {
            skipped,
            status,
            request_id: request_id.clone(),
            client_request_id: client_request_id.clone(),
            attempts,
            job_status,
        };
        match (&mut self.op, answer.body) {
            (
                Op::Act {
                    sp,
                    job,
                    action,
                    if_status,
                    read,
                },
                body,
            ) => match (if_status.take(), body) {
                // The read before the action: act only in a listed state.
                (Some(allowed), Body::Job(j)) => {
                    let code = j.status.and_then(|s| s.code);
                    if let Some(listed) = listed(&allowed, code.as_deref()) {
                        *read = Some(listed);
                        let (sp, job, action) = (sp.clone(), job.clone(), action.clone());
                        let r = self.action_request(&sp, &job, &action);
                        self.put(slot, r);
                    } else {
                        self.finish(Action::Finish {
                            result: result(true, None, code),
                        });
                    }
                }
                (Some(_), _) => self.unreadable(slot, answer.status, now),
                (None, _) => {
                    let read = read.map(str::to_owned);
                    self.finish(Action::Finish {
                        result: result(false, Some(answer.status), read),
                    })
                }
            },
            (Op::Get { .. }, Body::Job(_)) => self.finish(Action::Return { slot }),
            (Op::List { pages, .. }, Body::Page(p)) => {
                *pages += 1;
                let pages = *pages;
                self.actions.push(Action::Collect { slot });
                match p.next_link {
                    None => self.finish(Action::ReturnCollected),
                    Some(link) => self.next_page(slot, link, pages, now),
                }
            }
            (Op::Wait(w), Body::Job(j)) => {
                let verdict = w.judge(&j, &self.dates);
                let interval = w.interval_ms;
                self.actions.push(Action::Polled { slot });
                match verdict {
                    PollVerdict::Reached => self.finish(Action::Return { slot }),
                    PollVerdict::Pending => self.actions.push(Action::Wait { slot, ms: interval }),
                    PollVerdict::Failed(code, message) => {
                        let mut d = self.no_response_error(ErrorKind::JobFailed, message, now);
                        d.status = answer.status;
                        d.code = code;
                        d.request_id = request_id;
                        self.fail(d, Some(slot), Cause::None);
                    }
                }
            }
            (Op::Bulk(_), Body::Batch(b)) => self.batch_answered(slot, b, now),
            _ => self.unreadable(slot, answer.status, now),
        }
    }

    /// A success status whose body is not what the operation reads.
    fn unreadable(&mut self, slot: u32, status: u16, now: f64) {
        let mut d = self.no_response_error(
            ErrorKind::Http,
            [
                "Microsoft Graph answered HTTP ",
                &decimal(u64::from(status)),
                " with a body that is not the expected JSON.",
            ]
            .concat(),
            now,
        );
        d.status = status;
        self.fail(d, Some(slot), Cause::None);
    }

    fn next_page(&mut self, slot: u32, link: String, pages: u32, now: f64) {
        // Follow only links under the same Graph root: the token must not go anywhere else.
        let root = [self.target.base.as_str(), "/"].concat();
        let problem = if !link.starts_with(&root) || crate::text::has_any(&link, b"\r\n") {
            Some("an @odata.nextLink outside the Graph root the call uses; it was not followed.")
        } else if pages >= MAX_PAGES {
            Some("more than 100 pages of jobs; listing stopped there.")
        } else {
            None
        };
        match problem {
            Some(p) => {
                let mut d = self.no_response_error(
                    ErrorKind::Http,
                    ["Microsoft Graph answered with ", p].concat(),
                    now,
                );
                d.status = 200;
                d.code = "unexpectedResponse".to_owned();
                self.fail(d, Some(slot), Cause::None);
            }
            None => self.put(slot, Request::get(link, Read::Page)),
        }
    }

    fn finish(&mut self, last: Action) {
        if !self.finished {
            self.finished = true;
            self.actions.push(last);
        }
    }

    fn fail(&mut self, error: ErrorData, slot: Option<u32>, cause: Cause) {
        self.finish(Action::Fail { error, slot, cause });
    }

    // ---- bulk ----

    /// Fills free slots with batches of ready sub-requests; sets a timer for the earliest later
    /// one; finishes when nothing is left.
    fn schedule(&mut self, now: f64) {
        let Op::Bulk(b) = &mut self.op else { return };
        let mut sends = Vec::new();
        let mut in_flight = 0;
        for batch in &b.batches {
            in_flight += usize::from(batch.is_some());
        }
        for slot in 0..b.concurrency {
            if b.batches[slot].is_some() {
                continue;
            }
            if in_flight >= b.window {
                break;
            }
            // Ready items from the front, in order, until the batch is full; one still waiting out
            // its Retry-After keeps its place; during a hold none is ready. Taking them where they
            // stand keeps a batch's cost to its own items, not the whole queue's.
            let (mut subs, mut waiting) = (Vec::new(), Vec::new());
            while subs.len() < BATCH_SIZE && b.hold_until <= now {
                let Some(s) = b.queue.pop_front() else { break };
                if s.not_before <= now {
                    subs.push(s);
                } else {
                    waiting.push(s);
                }
            }
            while let Some(s) = waiting.pop() {
                b.queue.push_front(s);
            }
            if subs.is_empty() {
                break;
            }
            let body = b.batch_body(&subs);
            b.batches[slot] = Some(subs);
            b.sent_in[slot] = b.epoch;
            in_flight += 1;
            sends.push((slot as u32, body));
        }
        // Every batch in flight, the ones just made included.
        let busy = in_flight > 0;
        // When the next item is due, looked for only when a batch could go but none is ready.
        let mut earliest = f64::INFINITY;
        if !b.timer && in_flight < b.window {
            for s in b.queue.waiting() {
                earliest = earliest.min(s.not_before);
            }
            earliest = earliest.max(b.hold_until);
        }
        let timer_slot = b.concurrency as u32;
        let want_timer = earliest.is_finite();
        if want_timer {
            b.timer = true;
        }
        let all_done = !busy && b.queue.is_empty() && !b.timer;
        let url = self.target.url("/$batch");
        for (slot, body) in sends {
            let request = Request {
                method: "POST",
                url: url.clone(),
                body: Some(body),
                expect: 200,
                read: Read::Batch,
            };
            self.put(slot, request);
        }
        if want_timer {
            self.actions.push(Action::Wait {
                slot: timer_slot,
                ms: (earliest - now).max(0.0),
            });
        }
        if all_done {
            self.finish(Action::ReturnItems);
        }
    }

    fn batch_answered(&mut self, slot: u32, view: BatchView, now: f64) {
        let Op::Bulk(b) = &mut self.op else { return };
        let Some(subs) = b.batches[slot as usize].take() else {
            return;
        };
        // Each sub-response answers one sub-request (its id): what is read is moved out of it.
        let mut responses = view.responses.unwrap_or_default();
        let random = self.random();
        let mut any_throttled = false;
        let mut settled = Vec::new();
        for (i, sub) in subs.iter().enumerate() {
            let id = decimal(i as u64 + 1);
            let found = responses
                .iter()
                .position(|r| r.id.as_deref() == Some(id.as_str()));
            let Some(pos) = found else {
                let mut d = self.no_response_error(
                    ErrorKind::Http,
                    "Microsoft Graph's $batch answer had no response for this item.".to_owned(),
                    now,
                );
                d.code = "unexpectedResponse".to_owned();
                settled.push((sub.item, Settled::Failed(d, None)));
                continue;
            };
            let r = &mut responses[pos];
            let status = r
                .status
                .filter(|s| (0.0..1000.0).contains(s))
                .map_or(0, |s| s as u16);
            let headers = r.headers.take().unwrap_or_default();
            let request_id = headers.request_id.clone();
            let expect = if sub.read { 200 } else { 204 };
            if status == expect {
                if sub.read {
                    let code = r
                        .body
                        .as_mut()
                        .and_then(|b| b.status.as_mut())
                        .and_then(|s| s.code.take());
                    let Op::Bulk(b) = &mut self.op else { return };
                    let found = b
                        .if_status
                        .as_deref()
                        .and_then(|l| listed(l, code.as_deref()));
                    if found.is_some() {
                        b.queue.push_back(Sub {
                            item: sub.item,
                            read: false,
                            found,
                            retries: 0,
                            not_before: 0.0,
                        });
                    } else {
                        settled.push((
                            sub.item,
                            Settled::Done {
                                skipped: true,
                                status: None,
                                job_status: code,
                                request_id,
                                sub: pos,
                            },
                        ));
                    }
                } else {
                    settled.push((
                        sub.item,
                        Settled::Done {
                            skipped: false,
                            status: Some(status),
                            job_status: sub.found.map(str::to_owned),
                            request_id,
                            sub: pos,
                        },
                    ));
                }
                continue;
            }
            let error = r.body.as_mut().and_then(|b| b.error.take());
            let answer = Answer {
                status,
                status_text: String::new(),
                headers,
                body: Body::Error(error, Vec::new()),
                body_head: Some(String::new()),
            };
            let mut d = self.http_error(&answer, expect, now);
            let (sp, job) = match &self.op {
                Op::Bulk(b) => b.items[sub.item].clone(),
                _ => return,
            };
            d.hint = error::hint(d.status, &d.code, &d.message, (&sp, &job));
            let remaining = Some(self.deadline - now);
            match retry::decide(
                &self.policy,
                Outcome::Status(status),
                d.retry_after_ms,
                sub.retries,
                remaining,
                random,
            ) {
                Decision::RetryAfter(delay) => {
                    let throttled = status == 429 || d.retry_after_ms.is_some();
                    self.actions.push(Action::Retry {
                        slot,
                        sub: Some(pos as u32),
                        attempt: sub.retries + 1,
                        delay_ms: delay,
                        error: d,
                    });
                    let Op::Bulk(b) = &mut self.op else { return };
                    if throttled {
                        b.hold_until = b.hold_until.max(now + delay);
                        b.window = 1;
                        b.epoch += 1;
                        any_throttled = true;
                    }
                    // First in line when its time comes: a retried item must not starve behind new ones.
                    b.queue.push_front(Sub {
                        retries: sub.retries + 1,
                        not_before: now + delay,
                        ..*sub
                    });
                }
                Decision::GiveUp(_) => settled.push((sub.item, Settled::Failed(d, Some(pos)))),
            }
        }
        if let (false, Op::Bulk(b)) = (any_throttled, &mut self.op) {
            if b.sent_in[slot as usize] == b.epoch {
                b.window = (b.window + 1).min(b.concurrency);
            }
        }
        self.settle(slot, settled);
        self.progress();
        self.slots[slot as usize] = None;
        self.schedule(now);
    }

    /// A batch failed as a whole (after its retries): every item in it fails with `d`.
    fn batch_failed(&mut self, slot: u32, d: ErrorData, now: f64) {
        let Op::Bulk(b) = &mut self.op else { return };
        let subs = b.batches[slot as usize].take().unwrap_or_default();
        let mut settled = Vec::with_capacity(subs.len());
        for s in &subs {
            settled.push((s.item, Settled::Failed(d.clone(), None)));
        }
        self.settle(slot, settled);
        self.progress();
        self.slots[slot as usize] = None;
        self.schedule(now);
    }

    /// Reports each settled item at every input position it stands at, and counts it.
    fn settle(&mut self, slot: u32, settled: Vec<(usize, Settled)>) {
        let Op::Bulk(b) = &mut self.op else { return };
        for (item, outcome) in settled {
            let (sp, job) = b.items[item].clone();
            for &index in &b.positions[item] {
                let base = ItemResult {
                    index,
                    service_principal_id: sp.clone(),
                    job_id: job.clone(),
                    ok: false,
                    skipped: false,
                    job_status: None,
                    status: None,
                    request_id: None,
                    error: None,
                    slot,
                    sub: None,
                };
                b.done += 1;
                let item = match &outcome {
                    Settled::Done {
                        skipped,
                        status,
                        job_status,
                        request_id,
                        sub: pos,
                    } => {
                        if *skipped {
                            b.skipped += 1;
                        } else {
                            b.ok += 1;
                        }
                        ItemResult {
                            ok: !*skipped,
                            skipped: *skipped,
                            status: *status,
                            job_status: job_status.clone(),
                            request_id: request_id.clone(),
                            sub: Some(*pos as u32),
                            ..base
                        }
                    }
                    Settled::Failed(d, pos) => {
                        b.failed += 1;
                        ItemResult {
                            status: (d.status != 0).then_some(d.status),
                            request_id: d.request_id.clone(),
                            error: Some(d.clone()),
                            sub: pos.map(|p| p as u32),
                            ..base
                        }
                    }
                };
                self.actions.push(Action::Item { item });
            }
        }
    }

    fn progress(&mut self) {
        if let Op::Bulk(b) = &self.op {
            self.actions.push(Action::Progress {
                done: b.done,
                total: b.total,
                ok: b.ok,
                failed: b.failed,
                skipped: b.skipped,
            });
        }
    }
}

#[cfg(test)]
mod tests;

//! The few parts of Graph's answers that Rust decides on, as typed views.
//!
//! The platform parses (`JSON.parse`). The JS layer then reads exactly the paths declared here,
//! own properties only, into lists of cells (a string or absent), each a typed parameter
//! (wasm-bindgen's `Vec<JsValue>`, a cell read with `as_string`): an answer's row and its job's,
//! its inner errors' rows, a `$batch` answer's sub-responses' rows. Every table has a fixed length,
//! so rows are found by position; a job row is sent only where there is a status object. Nothing
//! else of an answer enters the wasm: the job, the page and the error body stay in JS and go back
//! to the caller as the platform parsed them.
//!
//! A path is property names joined by `/`. A value is read as a string when it is one; a path
//! starting with `#` reads a number (as the platform writes it); a path ending in `/` says whether
//! a plain object is there (`""`). Anything else reads as absent, because a server may send
//! anything. (A cell is read on its own, never failing the whole answer.)

/// One row: the values of a table's paths, in its order.
pub type Row = Vec<Option<String>>;

/// An answer's [`Top`] row and its body's [`Job`] row, as the JS layer sends them: one list of
/// cells, the job row left out when the body has no `status` object (a short row reads as absent).
pub fn answer_rows(cells: &[Option<String>]) -> (&[Option<String>], &[Option<String>]) {
    cells.split_at(cells.len().min(Top::PATHS.len()))
}

/// The [`Inner`] rows of an error's inner-error chain, as the JS layer sends them: one list of cells.
pub fn inner_rows(cells: &[Option<String>]) -> Vec<InnerIds> {
    let mut out = Vec::new();
    for row in cells.chunks(Inner::PATHS.len()) {
        out.push(InnerIds::from_row(row));
    }
    out
}

/// Declares the tables of paths once: for each, an enum of its positions and `PATHS` in the same
/// order; and [`TABLES`], all of them as one text for the JS layer.
macro_rules! tables {
    ($($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $p:literal,)* })*) => {
        $(
            $(#[$m])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $name { $($(#[$vm])* $v,)* }
            impl $name {
                pub const PATHS: &'static [&'static str] = &[$($p,)*];
            }
        )*
        /// Every table, in declaration order, for the JS layer: a line each, paths followed by a space.
        pub const TABLES: &str = concat!($($($p, " ",)* "\n",)*);
    };
}

tables! {
    /// An answer's row, read from `{ h: its headers (names lower-case), b: its parsed body }`.
    /// Its first ten paths match [`Sub`]'s: headers, then the error object.
    Top {
        RetryAfter = "h/retry-after",
        RequestId = "h/request-id",
        ClientRequestId = "h/client-request-id",
        Date = "h/date",
        ContentType = "h/content-type",
        Location = "h/location",
        Error = "b/error/",
        ErrorCode = "b/error/code",
        ErrorMessage = "b/error/message",
        ErrorTarget = "b/error/target",
        NextLink = "b/@odata.nextLink",
    }

    /// A `$batch` sub-response's row, read from the sub-response (header names lower-case).
    Sub {
        RetryAfter = "headers/retry-after",
        RequestId = "headers/request-id",
        ClientRequestId = "headers/client-request-id",
        Date = "headers/date",
        ContentType = "headers/content-type",
        Location = "headers/location",
        Error = "body/error/",
        ErrorCode = "body/error/code",
        ErrorMessage = "body/error/message",
        ErrorTarget = "body/error/target",
        Status = "#status",
        Id = "id",
        /// Whether the body has a status object: then the body's [`Job`] row follows this row.
        BodyStatus = "body/status/",
    }

    /// A job's row, read from the job (its `status` object, then what is in it).
    Job {
        Status = "status/",
        Code = "status/code",
        LastExecution = "status/lastExecution/",
        State = "status/lastExecution/state",
        TimeBegan = "status/lastExecution/timeBegan",
        TimeEnded = "status/lastExecution/timeEnded",
        ExecutionError = "status/lastExecution/error/",
        ExecutionErrorCode = "status/lastExecution/error/code",
        ExecutionErrorMessage = "status/lastExecution/error/message",
        ExecutionErrorTarget = "status/lastExecution/error/target",
        Quarantine = "status/quarantine/",
        Reason = "status/quarantine/reason",
        QuarantineError = "status/quarantine/error/",
        QuarantineErrorCode = "status/quarantine/error/code",
        QuarantineErrorMessage = "status/quarantine/error/message",
        QuarantineErrorTarget = "status/quarantine/error/target",
        SteadyState = "status/steadyStateLastAchievedTime",
    }

    /// One inner error's row (the JS layer flattens the `innerError` chain, any case, outermost first).
    Inner {
        RequestId = "request-id",
        ClientRequestId = "client-request-id",
        Date = "date",
    }

}

/// A non-empty string at `i`.
fn text(row: &[Option<String>], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Some(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Whether the object a `/`-ended path names is there.
fn has(row: &[Option<String>], i: usize) -> bool {
    matches!(row.get(i), Some(Some(_)))
}

/// The error object whose marker is at `i`, followed by its code, message and target.
fn error_at(row: &[Option<String>], i: usize) -> Option<GraphErrorView> {
    has(row, i).then(|| GraphErrorView {
        code: text(row, i + 1),
        message: text(row, i + 2),
        target: text(row, i + 3),
    })
}

/// `{"error": {...}}`: what a failed answer says, by Graph's rules (handle by code, never message).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ErrorBody {
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct GraphErrorView {
    pub code: Option<String>,
    pub message: Option<String>,
    pub target: Option<String>,
}

/// The ids an inner error carries. The JS layer flattens the chain (`innerError`/`innererror`,
/// any case) into a list, outermost first; the first that has an id gives it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct InnerIds {
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
}

/// The response headers Rust decides on (names lower-case).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HeaderView {
    pub retry_after: Option<String>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    pub content_type: Option<String>,
    pub location: Option<String>,
}

/// A synchronization job, as far as starting, pausing and waiting decide on it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JobView {
    pub status: Option<StatusView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct StatusView {
    pub code: Option<String>,
    pub last_execution: Option<ExecutionView>,
    pub quarantine: Option<QuarantineView>,
    pub steady_state_last_achieved_time: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExecutionView {
    pub state: Option<String>,
    pub time_began: Option<String>,
    pub time_ended: Option<String>,
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct QuarantineView {
    pub reason: Option<String>,
    pub error: Option<GraphErrorView>,
}

/// One page of `GET .../jobs`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageView {
    pub next_link: Option<String>,
}

/// A `$batch` answer: the sub-responses Rust decides on.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchView {
    pub responses: Option<Vec<SubResponseView>>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct SubResponseView {
    pub id: Option<String>,
    pub status: Option<f64>,
    pub headers: Option<HeaderView>,
    pub body: Option<SubBodyView>,
}

/// A sub-response body: a job (for reads) or a Graph error.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SubBodyView {
    pub error: Option<GraphErrorView>,
    pub status: Option<StatusView>,
}

impl HeaderView {
    /// From a [`Top`] or a [`Sub`] row (both begin with the same header paths).
    pub fn from_row(r: &[Option<String>]) -> Self {
        Self {
            retry_after: text(r, Top::RetryAfter as usize),
            request_id: text(r, Top::RequestId as usize),
            client_request_id: text(r, Top::ClientRequestId as usize),
            date: text(r, Top::Date as usize),
            content_type: text(r, Top::ContentType as usize),
            location: text(r, Top::Location as usize),
        }
    }
}

impl ErrorBody {
    /// From a [`Top`] or a [`Sub`] row.
    pub fn from_row(r: &[Option<String>]) -> Self {
        Self {
            error: error_at(r, Top::Error as usize),
        }
    }
}

impl InnerIds {
    pub fn from_row(r: &[Option<String>]) -> Self {
        Self {
            request_id: text(r, Inner::RequestId as usize),
            client_request_id: text(r, Inner::ClientRequestId as usize),
            date: text(r, Inner::Date as usize),
        }
    }
}

impl StatusView {
    /// From a [`Job`] row; `None` when the job had no status object.
    pub fn from_row(r: &[Option<String>]) -> Option<Self> {
        use Job as J;
        has(r, J::Status as usize).then(|| Self {
            code: text(r, J::Code as usize),
            last_execution: has(r, J::LastExecution as usize).then(|| ExecutionView {
                state: text(r, J::State as usize),
                time_began: text(r, J::TimeBegan as usize),
                time_ended: text(r, J::TimeEnded as usize),
                error: error_at(r, J::ExecutionError as usize),
            }),
            quarantine: has(r, J::Quarantine as usize).then(|| QuarantineView {
                reason: text(r, J::Reason as usize),
                error: error_at(r, J::QuarantineError as usize),
            }),
            steady_state_last_achieved_time: text(r, J::SteadyState as usize),
        })
    }
}

impl JobView {
    pub fn from_row(r: &[Option<String>]) -> Self {
        Self {
            status: StatusView::from_row(r),
        }
    }
}

impl PageView {
    pub fn from_row(r: &[Option<String>]) -> Self {
        Self {
            next_link: text(r, Top::NextLink as usize),
        }
    }
}

impl BatchView {
    /// From the sub-responses' cells: each [`Sub`] row, followed by its body's [`Job`] row when
    /// it says the body has a status object; `None` when the answer had no `responses` array.
    pub fn from_cells(subs: Option<&[Option<String>]>) -> Self {
        Self {
            responses: subs.map(|mut rest| {
                let mut out = Vec::new();
                while !rest.is_empty() {
                    let (r, after) = rest.split_at(rest.len().min(Sub::PATHS.len()));
                    let n = if has(r, Sub::BodyStatus as usize) {
                        after.len().min(Job::PATHS.len())
                    } else {
                        0
                    };
                    let (job, after) = after.split_at(n);
                    rest = after;
                    out.push(SubResponseView {
                        id: text(r, Sub::Id as usize),
                        // The platform wrote the number; a status is three digits.
                        status: text(r, Sub::Status as usize)
                            .and_then(|s| s.parse::<u16>().ok())
                            .map(f64::from),
                        headers: Some(HeaderView::from_row(r)),
                        body: Some(SubBodyView {
                            error: error_at(r, Sub::Error as usize),
                            status: StatusView::from_row(job),
                        }),
                    });
                }
                out
            }),
        }
    }
}

/// JS's reading of one path, for native tests: own properties of plain objects only.
#[cfg(test)]
pub(crate) fn pick(root: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let (number, path) = match path.strip_prefix('#') {
        Some(p) => (true, p),
        None => (false, path),
    };
    let object = path.ends_with('/');
    let mut v = Some(root);
    for key in path.split('/').filter(|k| !k.is_empty()) {
        v = v.and_then(Value::as_object).and_then(|o| o.get(key));
    }
    match v? {
        Value::Object(_) if object => Some(String::new()),
        _ if object => None,
        Value::String(s) if !number => Some(s.clone()),
        Value::Number(n) if number => Some(n.to_string()),
        _ => None,
    }
}

/// A row of `table` read from `root` as the JS layer reads it (test helper).
#[cfg(test)]
pub(crate) fn row(root: &serde_json::Value, table: &[&str]) -> Row {
    table.iter().map(|p| pick(root, p)).collect()
}

/// The [`Job`] row of a job as JS sends it: left out when it has no status object.
#[cfg(test)]
pub(crate) fn job_row(o: &serde_json::Value) -> Row {
    match o.get("status") {
        Some(s) if s.is_object() => row(o, Job::PATHS),
        _ => Row::new(),
    }
}

/// A view from JSON text, read as the JS layer reads an answer (test helper): headers for
/// [`HeaderView`], the body for the others.
#[cfg(test)]
pub(crate) fn from_json<T: FromJson>(text: &str) -> T {
    T::from_json(&serde_json::from_str(text).unwrap_or(serde_json::Value::Null))
}

#[cfg(test)]
pub(crate) trait FromJson {
    fn from_json(v: &serde_json::Value) -> Self;
}

#[cfg(test)]
fn top_row(h: &serde_json::Value, b: &serde_json::Value) -> Row {
    row(&serde_json::json!({ "h": h, "b": b }), Top::PATHS)
}

#[cfg(test)]
impl FromJson for HeaderView {
    fn from_json(v: &serde_json::Value) -> Self {
        HeaderView::from_row(&top_row(v, &serde_json::Value::Null))
    }
}

#[cfg(test)]
impl FromJson for ErrorBody {
    fn from_json(v: &serde_json::Value) -> Self {
        ErrorBody::from_row(&top_row(&serde_json::Value::Null, v))
    }
}

#[cfg(test)]
impl FromJson for JobView {
    fn from_json(v: &serde_json::Value) -> Self {
        JobView::from_row(&job_row(v))
    }
}

#[cfg(test)]
impl FromJson for PageView {
    fn from_json(v: &serde_json::Value) -> Self {
        PageView::from_row(&top_row(&serde_json::Value::Null, v))
    }
}

#[cfg(test)]
impl FromJson for BatchView {
    fn from_json(v: &serde_json::Value) -> Self {
        let subs: Option<Row> = v.get("responses").and_then(|r| r.as_array()).map(|list| {
            list.iter()
                .flat_map(|r| {
                    let lower = lower_headers(r);
                    let body = lower.get("body").unwrap_or(&serde_json::Value::Null);
                    [row(&lower, Sub::PATHS), job_row(body)].concat()
                })
                .collect()
        });
        BatchView::from_cells(subs.as_deref())
    }
}

/// A sub-response with its header names lower-cased, as the JS layer gives it.
#[cfg(test)]
fn lower_headers(r: &serde_json::Value) -> serde_json::Value {
    let mut r = r.clone();
    if let Some(h) = r.get_mut("headers").and_then(|h| h.as_object_mut()) {
        *h = h
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
    }
    r
}

#[cfg(test)]
impl FromJson for InnerIds {
    fn from_json(v: &serde_json::Value) -> Self {
        InnerIds::from_row(&row(v, Inner::PATHS))
    }
}

/// An inner-error chain (a JSON array) as the JS layer sends it (test helper).
#[cfg(test)]
pub(crate) fn inner_json(text: &str) -> Vec<InnerIds> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    v.as_array()
        .map(|l| {
            l.iter()
                .map(|i| InnerIds::from_row(&row(i, Inner::PATHS)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cross_whole_and_top_and_sub_share_positions() {
        // HeaderView and ErrorBody read either row at the same positions.
        for i in 0..=Top::ErrorTarget as usize {
            let after_root = |p: &str| p.split_once('/').map(|(_, rest)| rest.to_owned());
            assert_eq!(after_root(Top::PATHS[i]), after_root(Sub::PATHS[i]), "{i}");
        }
        // The JS layer takes them in this order.
        let joined = [Top::PATHS, Sub::PATHS, Job::PATHS, Inner::PATHS];
        let lines: Vec<Vec<&str>> = TABLES
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(lines, joined.map(|t| t.to_vec()));
    }

    #[test]
    fn answer_cells_split_into_rows() {
        let body = serde_json::json!({ "error": { "code": "E" }, "status": { "code": "Paused" } });
        let top = row(&serde_json::json!({ "h": {}, "b": body }), Top::PATHS);
        let with_job = [top.clone(), job_row(&body)].concat();
        let (t, job) = answer_rows(&with_job);
        assert_eq!(
            ErrorBody::from_row(t).error.unwrap().code.as_deref(),
            Some("E")
        );
        let code = JobView::from_row(job).status.unwrap().code;
        assert_eq!(code.as_deref(), Some("Paused"));
        // No status object: the JS layer leaves the job row out.
        assert_eq!(JobView::from_row(answer_rows(&top).1).status, None);
        assert_eq!(JobView::from_row(answer_rows(&[]).1).status, None);
        let chain = [
            row(&serde_json::json!({ "date": "d1" }), Inner::PATHS),
            row(&serde_json::json!({ "request-id": "r2" }), Inner::PATHS),
        ]
        .concat();
        let ids = inner_rows(&chain);
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].date.as_deref(), Some("d1"));
        assert_eq!(ids[1].request_id.as_deref(), Some("r2"));
    }

    #[test]
    fn graph_error_fields_and_odd_types() {
        let b: ErrorBody = from_json(r#"{"error":{"code":"X","message":"m","target":"t"}}"#);
        let e = b.error.unwrap();
        assert_eq!(
            (e.code.as_deref(), e.message.as_deref(), e.target.as_deref()),
            (Some("X"), Some("m"), Some("t"))
        );
        let odd: ErrorBody = from_json(r#"{"error":{"code":7,"message":["x"],"target":{"a":1}}}"#);
        assert_eq!(odd.error, Some(GraphErrorView::default()));
        for body in [
            r#"{"error":"denied"}"#,
            r#"{"error":null}"#,
            "[1,2]",
            "42",
            "null",
        ] {
            let b: ErrorBody = from_json(body);
            assert_eq!(b.error, None, "{body}");
        }
    }

    #[test]
    fn job_status_code_and_times() {
        let j: JobView = from_json(
            r#"{"id":"a","status":{"code":"Paused","lastExecution":{"state":"Failed","timeBegan":"2026-01-01T00:00:00Z",
            "timeEnded":"2026-01-01T00:01:00Z","error":{"code":"E1"}},"quarantine":{"reason":"TooManyDeletes"},
            "steadyStateLastAchievedTime":"0001-01-01T00:00:00Z"},"extra":{"deep":[1,2,3]}}"#,
        );
        let s = j.status.unwrap();
        assert_eq!(s.code.as_deref(), Some("Paused"));
        let e = s.last_execution.unwrap();
        assert_eq!(e.state.as_deref(), Some("Failed"));
        assert_eq!(e.error.unwrap().code.as_deref(), Some("E1"));
        assert_eq!(
            s.quarantine.unwrap().reason.as_deref(),
            Some("TooManyDeletes")
        );
        let bad: JobView =
            from_json(r#"{"status":{"code":"Active","lastExecution":"soon","quarantine":5}}"#);
        let s = bad.status.unwrap();
        assert_eq!(
            (s.code.as_deref(), s.last_execution, s.quarantine),
            (Some("Active"), None, None)
        );
    }

    #[test]
    fn batch_sub_responses() {
        let b: BatchView = from_json(
            r#"{"responses":[{"id":"2","status":429,"headers":{"retry-after":"3"}},
                {"id":"1","status":204},{"id":"3","status":404,"body":{"error":{"code":"NotFound"}}}]}"#,
        );
        let r = b.responses.unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0].headers.as_ref().unwrap().retry_after.as_deref(),
            Some("3")
        );
        assert_eq!(r[1].status, Some(204.0));
        assert_eq!(
            r[2].body
                .as_ref()
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .code
                .as_deref(),
            Some("NotFound")
        );
        // A job row follows only the sub-responses whose body has a status object.
        let reads: BatchView = from_json(
            r#"{"responses":[{"id":"1","status":200,"body":{"status":{"code":"Paused"}}},
                {"id":"2","status":200,"body":{"status":"odd"}},{"id":"3","status":200,"body":{"status":{"code":"Active"}}}]}"#,
        );
        let codes: Vec<_> = reads
            .responses
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.body.unwrap().status.and_then(|s| s.code)))
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            codes,
            [
                (some("1"), some("Paused")),
                (some("2"), None),
                (some("3"), some("Active"))
            ]
        );
        let not_list: BatchView = from_json(r#"{"responses":{"id":"1"}}"#);
        let odd_items: BatchView = from_json(r#"{"responses":[5,{"id":"1","status":"204"}]}"#);
        assert_eq!(odd_items.responses.unwrap()[1].status, None);
        assert_eq!(not_list.responses, None);
    }
}

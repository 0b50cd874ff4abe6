//! Paged job lists over real HTTP: `@odata.nextLink` followed as-is returns every job once.

mod common;

use common::*;
use serde_json::{json, Value};

fn list_path(version: &str, sp: &str) -> String {
    format!("/{version}/servicePrincipals/{sp}/synchronization/jobs")
}

/// Follows nextLinks from `first`; returns each page's job ids.
fn pages(emu: &Emulator, first: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut target = first.to_owned();
    loop {
        let response = emu.get(&target, RW);
        assert_eq!(response.status, 200, "{target}: {}", response.text());
        let body = response.json();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        out.push(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_owned())
                .collect(),
        );
        match body.get("@odata.nextLink") {
            None => return out,
            Some(Value::String(link)) => {
                // Absolute, back to this emulator; Graph puts it before `value`.
                assert!(keys.contains(&&"@odata.nextLink".to_owned()));
                let text = response.text();
                assert!(text.find("@odata.nextLink") < text.find("\"value\""));
                target = link
                    .strip_prefix(&emu.url)
                    .unwrap_or_else(|| panic!("{link} is not under {}", emu.url))
                    .to_owned();
                assert!(target.contains("$skiptoken="), "{link}");
            }
            Some(other) => panic!("nextLink is not a string: {other}"),
        }
        assert!(out.len() < 50, "endless paging");
    }
}

#[test]
fn command_line_page_size_pages_every_job_once() {
    let emu = Emulator::start_with(&["--page-size", "2"]);
    for _ in 0..3 {
        let response = emu.post(&list_path("beta", SF), RW, r#"{"templateId":"extra"}"#);
        assert_eq!(response.status, 201);
    }
    let pages_beta = pages(&emu, &list_path("beta", SF));
    assert_eq!(
        pages_beta.iter().map(Vec::len).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    let mut all: Vec<String> = pages_beta.concat();
    assert_eq!(all[..2], [SF_PAUSED, SF_QUARANTINED]);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5, "every job exactly once");
    // v1.0 links stay on v1.0; a page size that divides the count ends without a nextLink.
    let response = emu.get(&list_path("v1.0", SN), RW);
    let body = response.json();
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    assert!(body.get("@odata.nextLink").is_none());
    let first = emu.get(&list_path("v1.0", SF), RW).json();
    assert!(first["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/v1.0/servicePrincipals/{SF}/", emu.url)));
    assert_eq!(
        emu.control("GET", "/_emulator/paging", "").json(),
        json!({"pageSize": 2})
    );
}

#[test]
fn paging_set_through_the_control_api() {
    let emu = Emulator::start();
    // Off by default: one page, no nextLink.
    let body = emu.get(&list_path("beta", SF), RW).json();
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    assert!(body.get("@odata.nextLink").is_none());
    assert_eq!(
        emu.control("GET", "/_emulator/paging", "").json(),
        json!({"pageSize": null})
    );
    let response = emu.control("POST", "/_emulator/paging", r#"{"pageSize":1}"#);
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"pageSize": 1}));
    // Ids that need encoding survive the round trip through the link.
    let sp = "odd sp/with?chars";
    for job in ["t.1", "t.2", "t.3"] {
        let response = emu.control(
            "PUT",
            &format!("/_emulator/servicePrincipals/odd%20sp%2Fwith%3Fchars/jobs/{job}"),
            r#"{"code":"Paused"}"#,
        );
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let got = pages(
        &emu,
        "/beta/servicePrincipals/odd%20sp%2Fwith%3Fchars/synchronization/jobs",
    );
    assert_eq!(got, [["t.1"], ["t.2"], ["t.3"]], "{sp}");
    // The link names the host the client used.
    let raw = format!(
        "GET {} HTTP/1.1\r\nHost: localhost:{}\r\nAuthorization: {RW}\r\nConnection: close\r\n\r\n",
        list_path("beta", SF),
        emu.port
    );
    let response = emu.raw(raw.as_bytes()).unwrap();
    let link = response.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        link.starts_with(&format!("http://localhost:{}/beta/", emu.port)),
        "{link}"
    );
    // A nextLink's relative form works inside $batch.
    let relative = link.split_once("/beta").unwrap().1.to_owned();
    let batch = json!({"requests": [{"id": "1", "method": "GET", "url": relative}]});
    let response = emu.post("/beta/$batch", RW, &batch.to_string());
    assert_eq!(response.status, 200);
    let sub = &response.json()["responses"][0];
    assert_eq!(sub["status"], 200, "{sub}");
    assert_eq!(sub["body"]["value"][0]["id"], SF_QUARANTINED);
    // A bad token is a 400.
    let response = emu.get(&format!("{}?$skiptoken=bogus", list_path("beta", SF)), RW);
    assert_eq!(response.graph_error(400), "BadRequest");
    emu.refuses_setting(
        "paging",
        &[
            r#"{"pageSize":0}"#,
            r#"{"pageSize":1001}"#,
            r#"{"pageSize":"2"}"#,
            r#"{"size":2}"#,
        ],
    );
    assert_eq!(
        emu.control("POST", "/_emulator/paging", r#"{"pageSize":null}"#)
            .json(),
        json!({"pageSize": null})
    );
    assert!(emu
        .get(&list_path("beta", SF), RW)
        .json()
        .get("@odata.nextLink")
        .is_none());
    emu.control("POST", "/_emulator/paging", r#"{"pageSize":1}"#);
    emu.reset_restores("paging", json!({"pageSize": null}));
}

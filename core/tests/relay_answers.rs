//! The answer table every platform shares (`tests/vectors/relay-answers.json`),
//! run through `RelayClient` with a scripted `HttpClient`: each case's answer
//! must give its expected result, and the request sent must be the one the
//! case names. Python and Kotlin run the same file through their own
//! `HttpClient` implementations.

use std::sync::Mutex;
use std::time::Duration;

use rapport_core::sync::{
    HttpClient, HttpFailure, HttpRequest, HttpResponse, RelayClient, RelayUrl, Transport,
    TransportError,
};
use serde_json::{Value, json};

/// Answers every request with the case's answer and keeps the request.
struct Scripted {
    answer: Value,
    seen: Mutex<Vec<HttpRequest>>,
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl HttpClient for Scripted {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let timeout = request.timeout;
        self.seen.lock().unwrap().push(request);
        match self.answer["failure"].as_str() {
            Some("unreachable") => {
                return Err(HttpFailure::Unreachable {
                    detail: "connection refused".into(),
                });
            }
            Some("timed_out") => return Err(HttpFailure::TimedOut { after: timeout }),
            Some(other) => panic!("unknown failure {other}"),
            None => {}
        }
        let body = match self.answer["body_hex"].as_str() {
            Some(h) => hex(h),
            None => self.answer["body"].as_str().unwrap().as_bytes().to_vec(),
        };
        Ok(HttpResponse {
            status: self.answer["status"].as_u64().unwrap() as u16,
            headers: self.answer["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect(),
            body,
        })
    }
}

fn outcome(client: &RelayClient<&Scripted>, call: &str) -> Result<Value, TransportError> {
    Ok(match call {
        "create_mailbox" => {
            let m = client.create_mailbox()?;
            json!({"mailbox_id": m.mailbox_id, "read_token": m.read_token})
        }
        "mint_post_token" => {
            let t = client.mint_post_token("mbx/1", "read-1")?;
            json!({"token_id": t.token_id, "post_token": t.post_token})
        }
        "revoke_post_token" => {
            client.revoke_post_token("mbx/1", "read-1", "tid-1")?;
            Value::Null
        }
        "post" => json!(client.post("mbx/1", "post-1", b"hello")?),
        "fetch" => {
            let page = client.fetch("mbx/1", "read-1", 5, 50)?;
            json!({
                "seqs": page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
                "bodies_hex": page.messages.iter().map(|m| to_hex(&m.body)).collect::<Vec<_>>(),
                "more": page.more,
            })
        }
        other => panic!("unknown call {other}"),
    })
}

fn matches(expect: &Value, got: &Result<Value, TransportError>) -> bool {
    match (expect["error"].as_str(), got) {
        (None, Ok(value)) => *value == expect["ok"],
        (Some("unreachable"), Err(TransportError::Unreachable { .. }))
        | (Some("protocol"), Err(TransportError::Protocol { .. })) => true,
        (Some("refused"), Err(TransportError::Refused { status, code, .. })) => {
            u64::from(*status) == expect["status"].as_u64().unwrap()
                && code.as_str() == expect["code"].as_str().unwrap()
        }
        (Some("rate_limited"), Err(TransportError::RateLimited { retry_after_secs })) => {
            *retry_after_secs == expect["retry_after_secs"].as_u64().unwrap()
        }
        _ => false,
    }
}

#[test]
fn every_answer_the_apps_used_to_map_means_the_same_here() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/relay-answers.json"
    );
    let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let base = RelayUrl::parse(table["relay"].as_str().unwrap()).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "the table lost cases: {}", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let http = Scripted {
            answer: case["answer"].clone(),
            seen: Mutex::new(Vec::new()),
        };
        let client =
            RelayClient::new(base.clone(), &http).with_timeout(Duration::from_millis(1500));
        let got = outcome(&client, case["call"].as_str().unwrap());
        if !matches(&case["expect"], &got) {
            failures.push(format!("{name}: expected {}, got {got:?}", case["expect"]));
        }
        let seen = http.seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{name}: exactly one request, never a retry");
        let request = &seen[0];
        assert_eq!(request.timeout, Duration::from_millis(1500), "{name}");
        if let Some(want) = case.get("request") {
            let header = |n: &str| {
                request
                    .headers
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(request.method.as_str(), want["method"], "{name}");
            assert_eq!(request.url, want["url"].as_str().unwrap(), "{name}");
            assert_eq!(
                header("authorization").map_or(Value::Null, Value::from),
                want["authorization"],
                "{name}"
            );
            assert_eq!(
                request.body,
                want["body"].as_str().unwrap().as_bytes(),
                "{name}"
            );
            if let Some(ct) = want.get("content_type") {
                assert_eq!(header("content-type").as_deref(), ct.as_str(), "{name}");
            }
        }
        // The token travels in a header only: never in the URL or any error.
        for token in ["read-1", "post-1"] {
            assert!(!request.url.contains(token), "{name}: token in the URL");
            if let Err(e) = &got {
                assert!(!e.to_string().contains(token), "{name}: token in {e}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_timeout_names_the_host_and_how_long_it_waited() {
    let http = Scripted {
        answer: json!({"failure": "timed_out"}),
        seen: Mutex::new(Vec::new()),
    };
    let client = RelayClient::new(RelayUrl::parse("https://relay.example.org").unwrap(), &http)
        .with_timeout(Duration::from_secs(12));
    let text = client.create_mailbox().unwrap_err().to_string();
    assert!(
        text.contains("relay.example.org") && text.contains("12 s"),
        "{text}"
    );
    assert!(text.contains("sync again"), "{text}");
}

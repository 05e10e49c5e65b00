//! The OpenAPI document at `/v1/openapi.json` describes the API the router
//! really serves: every route and method it answers, every error in the
//! shared shape with every code, the bearer scheme, the binary post body.
//! A route added without a description, or a description without a route,
//! fails here.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::InProcess;
use rapport_protocol::{Endpoint, ErrorCode};
use serde_json::Value;

const DOCUMENT: &str = "/v1/openapi.json";

/// Every method a route could be given.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

async fn document(relay: &InProcess) -> Value {
    let answer = relay
        .raw(Request::get(DOCUMENT).body(Body::empty()).unwrap())
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "application/json");
    answer.json()
}

/// `(path template, method)` of every operation the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, Method)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.insert((path.clone(), method));
        }
    }
    out
}

/// The template with ids of the right shape filled in.
fn filled(template: &str) -> String {
    template
        .replace("{mailbox_id}", "AAAAAAAAAAAAAAAAAAAAAA")
        .replace("{token_id}", "AAAAAAAAAAAAAAAAAAAAAA")
}

#[tokio::test]
async fn the_document_describes_exactly_the_routes_and_methods_the_router_answers() {
    let relay = InProcess::new();
    let doc = document(&relay).await;
    let documented = operations(&doc);

    let mut paths: BTreeSet<String> = Endpoint::ALL.iter().map(|e| e.route().to_owned()).collect();
    paths.insert(DOCUMENT.to_owned());
    let documented_paths: BTreeSet<String> = documented.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        documented_paths, paths,
        "the document's paths are not the protocol's endpoints and {DOCUMENT}"
    );

    for path in &paths {
        for method in METHODS {
            let request = Request::builder()
                .method(method.clone())
                .uri(filled(path))
                .body(Body::empty())
                .unwrap();
            let answer = relay.raw(request).await;
            let routed = answer.status != StatusCode::METHOD_NOT_ALLOWED
                && answer.status != StatusCode::NOT_FOUND
                || answer.status == StatusCode::NOT_FOUND && answer.error_code() != "not_found";
            let described = documented.contains(&(path.clone(), method.clone()));
            assert_eq!(
                routed,
                described,
                "{method} {path}: the router answers {} but the document {} it",
                answer.status,
                if described {
                    "describes"
                } else {
                    "does not describe"
                }
            );
        }
    }
}

#[tokio::test]
async fn every_error_answer_is_the_shared_shape_and_every_code_is_listed() {
    let relay = InProcess::new();
    let doc = document(&relay).await;
    let schemas = &doc["components"]["schemas"];

    let body = &schemas["ErrorBody"];
    let required: BTreeSet<&str> = body["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, BTreeSet::from(["error", "detail"]), "{body}");
    assert_eq!(
        body["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorCode"
    );

    let listed: BTreeSet<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("ErrorCode lists no values: {}", schemas["ErrorCode"]))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let sent: BTreeSet<&str> = ErrorCode::ALL
        .iter()
        .filter(|c| **c != ErrorCode::Unknown)
        .map(ErrorCode::as_str)
        .collect();
    assert_eq!(listed, sent);

    for (path, method) in operations(&doc) {
        let responses = &doc["paths"][&path][method.as_str().to_lowercase()]["responses"];
        let statuses: Vec<&String> = responses.as_object().unwrap().keys().collect();
        assert!(
            statuses.iter().any(|s| s.as_str() == "429"),
            "{method} {path} does not document 429"
        );
        for (status, response) in responses.as_object().unwrap() {
            if status.starts_with('2') {
                continue;
            }
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} {status}"
            );
        }
    }
}

#[tokio::test]
async fn tokens_are_bearer_and_a_message_is_posted_as_bytes() {
    let relay = InProcess::new();
    let doc = document(&relay).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let post = &doc["paths"]["/v1/mailboxes/{mailbox_id}/messages"]["post"];
    assert!(
        post["requestBody"]["content"]["application/octet-stream"].is_object(),
        "{post}"
    );
    assert_eq!(post["security"][0]["bearer"], Value::Array(vec![]));
    let health = &doc["paths"]["/v1/health"]["get"];
    assert!(health.get("security").is_none(), "{health}");
}

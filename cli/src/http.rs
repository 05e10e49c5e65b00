//! The relay's HTTP API as a [`Transport`], with a small blocking client.
//!
//! This lives in the CLI, not in the core: phone apps bring their own HTTP
//! stack (URLSession, OkHttp) through the same trait, so the mobile library
//! carries no TLS code.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rapport_core::sync::{
    FetchPage, Fetched, MailboxCredentials, PostToken, Transport, TransportError,
};
use serde_json::Value;

/// A relay at a base URL such as `http://127.0.0.1:8080`.
pub struct HttpTransport {
    base: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A client for the relay at `base_url`.
    pub fn new(base_url: &str) -> HttpTransport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        HttpTransport {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: config.into(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.base)
    }

    /// Sends a request and returns the JSON body of a 2xx answer.
    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<Value, TransportError> {
        let url = self.url(path);
        let auth = token.map(|t| format!("Bearer {t}"));
        let result = match (method, body) {
            ("GET", _) => {
                let mut req = self.agent.get(&url);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            ("DELETE", _) => {
                let mut req = self.agent.delete(&url);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            (_, body) => {
                let mut req = self
                    .agent
                    .post(&url)
                    .header("Content-Type", "application/octet-stream");
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.send(body.unwrap_or_default())
            }
        };
        let mut response = result.map_err(|e| TransportError::Unreachable {
            detail: e.to_string(),
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let text =
            response
                .body_mut()
                .read_to_string()
                .map_err(|e| TransportError::Unreachable {
                    detail: e.to_string(),
                })?;
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| TransportError::Protocol {
                detail: format!("{status} with a body that is not JSON: {e}"),
            })?
        };
        match status {
            200..=299 => Ok(json),
            429 => Err(TransportError::RateLimited {
                retry_after_secs: retry_after,
            }),
            _ => Err(TransportError::Refused {
                status,
                code: json["error"].as_str().unwrap_or("error").to_owned(),
                detail: json["detail"]
                    .as_str()
                    .unwrap_or("the relay gave no reason")
                    .to_owned(),
            }),
        }
    }
}

fn field(json: &Value, name: &str) -> Result<String, TransportError> {
    json[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| TransportError::Protocol {
            detail: format!("the answer has no {name:?}"),
        })
}

impl Transport for HttpTransport {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        let json = self.call("POST", "/mailboxes", None, None)?;
        Ok(MailboxCredentials {
            mailbox_id: field(&json, "mailbox_id")?,
            read_token: field(&json, "read_token")?,
        })
    }

    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<PostToken, TransportError> {
        let json = self.call(
            "POST",
            &format!("/mailboxes/{mailbox_id}/post-tokens"),
            Some(read_token),
            None,
        )?;
        Ok(PostToken {
            token_id: field(&json, "token_id")?,
            post_token: field(&json, "post_token")?,
        })
    }

    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), TransportError> {
        self.call(
            "DELETE",
            &format!("/mailboxes/{mailbox_id}/post-tokens/{token_id}"),
            Some(read_token),
            None,
        )?;
        Ok(())
    }

    fn post(
        &self,
        mailbox_id: &str,
        post_token: &str,
        envelope: &[u8],
    ) -> Result<u64, TransportError> {
        let json = self.call(
            "POST",
            &format!("/mailboxes/{mailbox_id}/messages"),
            Some(post_token),
            Some(envelope),
        )?;
        json["seq"]
            .as_u64()
            .ok_or_else(|| TransportError::Protocol {
                detail: "the answer has no \"seq\"".into(),
            })
    }

    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError> {
        let json = self.call(
            "GET",
            &format!("/mailboxes/{mailbox_id}/messages?after={after}&limit={limit}"),
            Some(read_token),
            None,
        )?;
        let bad = |detail: &str| TransportError::Protocol {
            detail: detail.into(),
        };
        let messages = json["messages"]
            .as_array()
            .ok_or_else(|| bad("the answer has no \"messages\""))?
            .iter()
            .map(|m| {
                Ok(Fetched {
                    seq: m["seq"]
                        .as_u64()
                        .ok_or_else(|| bad("a message has no seq"))?,
                    body: STANDARD
                        .decode(
                            m["body"]
                                .as_str()
                                .ok_or_else(|| bad("a message has no body"))?,
                        )
                        .map_err(|_| bad("a message body is not base64"))?,
                })
            })
            .collect::<Result<Vec<_>, TransportError>>()?;
        Ok(FetchPage {
            messages,
            more: json["more"].as_bool().unwrap_or(false),
        })
    }
}

//! The command line's [`HttpClient`]: one blocking request over ureq (rustls).
//!
//! Only the platform call lives here; the relay's protocol (paths, bodies,
//! what each answer means) is the core's `RelayClient`, as on the phones.
//! Redirects are never followed and nothing is logged.

use std::io::Read;

use rapport_core::sync::{
    HttpClient, HttpFailure, HttpRequest, HttpResponse, RelayClient, RelayUrl,
};
use ureq::RequestExt;
use ureq::http;

/// The most of an answer read: a page of envelopes is about 5.6 MB of
/// base64; anything much larger is not the relay.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// ureq, configured for the relay.
pub struct UreqClient {
    agent: ureq::Agent,
}

impl UreqClient {
    /// A client that never follows redirects and hands every status back.
    pub fn new() -> UreqClient {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        UreqClient {
            agent: config.into(),
        }
    }
}

impl Default for UreqClient {
    fn default() -> Self {
        UreqClient::new()
    }
}

impl HttpClient for UreqClient {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = builder
            .body(request.body)
            .map_err(|e| HttpFailure::Unreachable {
                detail: format!("the request could not be built: {e}"),
            })?;
        let timeout = request.timeout;
        let failure = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => HttpFailure::TimedOut { after: timeout },
            other => HttpFailure::Unreachable {
                detail: other.to_string(),
            },
        };
        let mut response = built
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(timeout))
            .run()
            .map_err(failure)?;
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut => HttpFailure::TimedOut { after: timeout },
                _ => HttpFailure::Unreachable {
                    detail: e.to_string(),
                },
            })?;
        if body.len() as u64 > MAX_ANSWER_BYTES {
            return Err(HttpFailure::Unreachable {
                detail: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
            });
        }
        Ok(HttpResponse {
            status: response.status().as_u16(),
            headers,
            body,
        })
    }
}

/// The relay at `url` (checked by the core's one rule), over ureq.
pub fn relay_at(url: &str) -> Result<RelayClient<UreqClient>, rapport_core::Error> {
    Ok(RelayClient::new(RelayUrl::parse(url)?, UreqClient::new()))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    use rapport_core::sync::Method;

    use super::*;

    fn request(url: String, timeout: Duration) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url,
            headers: vec![("authorization".into(), "Bearer secret-token".into())],
            body: b"envelope".to_vec(),
            timeout,
        }
    }

    /// A server that answers every connection with `answer` (or never, when
    /// `None`), counting the requests it saw.
    fn serve(answer: Option<&'static str>) -> (String, std::sync::mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                // Everything the client sends, until it pauses.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    seen.extend_from_slice(&buf[..n]);
                }
                let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
                match answer {
                    Some(a) => {
                        let _ = stream.write_all(a.as_bytes());
                    }
                    None => std::thread::sleep(Duration::from_secs(5)),
                }
            }
        });
        (url, rx)
    }

    #[test]
    fn a_redirect_comes_back_as_an_answer_and_is_never_followed() {
        let (url, seen) = serve(Some(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/steal\r\nContent-Length: 0\r\n\r\n",
        ));
        let answer = UreqClient::new()
            .send(request(
                format!("{url}/v1/mailboxes"),
                Duration::from_secs(5),
            ))
            .unwrap();
        assert_eq!(answer.status, 302);
        assert_eq!(answer.header("location"), Some("http://127.0.0.1:1/steal"));
        let first = seen.recv().unwrap();
        assert!(first.starts_with("POST /v1/mailboxes"), "{first}");
        assert!(first.contains("secret-token") && first.ends_with("envelope"));
        assert!(seen.recv_timeout(Duration::from_millis(300)).is_err());
    }

    #[test]
    fn a_relay_that_stalls_times_out_and_a_closed_port_is_unreachable() {
        let (url, _seen) = serve(None);
        let stalled = UreqClient::new()
            .send(request(url, Duration::from_millis(300)))
            .unwrap_err();
        assert!(
            matches!(stalled, HttpFailure::TimedOut { .. }),
            "{stalled:?}"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let closed = UreqClient::new()
            .send(request(
                format!("http://127.0.0.1:{port}"),
                Duration::from_secs(5),
            ))
            .unwrap_err();
        assert!(
            matches!(closed, HttpFailure::Unreachable { .. }),
            "{closed:?}"
        );
        assert!(!closed.to_string().contains("secret-token"));
    }
}

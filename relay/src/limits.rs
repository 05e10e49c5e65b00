//! What one token or one mailbox may cost the relay.

use crate::error::RelayError;

/// The relay's limits. The defaults suit a practice relay on a small server:
/// a therapist's mailbox holds weeks of check-ins for every client, and a
/// device syncing a backlog is never slowed down.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest message body, in bytes. Envelopes are capped at 64 KiB by the
    /// clients too, so anything larger is not an envelope.
    pub max_body_bytes: usize,
    /// Requests per second each token may make, on average.
    pub rate_per_second: f64,
    /// Requests a token may make in a burst above the average rate.
    pub burst: u32,
    /// Failed requests (a bad, unknown or revoked token, a malformed
    /// request) one peer may make per second on average; once its burst is
    /// spent, every request from that peer waits. Made-up tokens each get a
    /// fresh token bucket, so this is what stops them.
    pub failures_per_second: f64,
    /// Failed requests one peer may make in a burst.
    pub failure_burst: u32,
    /// Mailboxes one peer may create per hour on average.
    pub mailboxes_per_hour: f64,
    /// Mailboxes one peer may create in a burst (a clinic's phones behind
    /// one address joining on the same morning).
    pub mailbox_burst: u32,
    /// Most messages one mailbox may hold before its owner prunes it.
    pub mailbox_quota_messages: u64,
    /// Most bytes of messages one mailbox may hold.
    pub mailbox_quota_bytes: u64,
    /// Most messages one fetch returns, whatever `limit` asks for.
    pub max_fetch_limit: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 64 * 1024,
            rate_per_second: 20.0,
            burst: 200,
            failures_per_second: 1.0,
            failure_burst: 100,
            mailboxes_per_hour: 30.0,
            mailbox_burst: 30,
            mailbox_quota_messages: 10_000,
            mailbox_quota_bytes: 64 * 1024 * 1024,
            max_fetch_limit: 500,
        }
    }
}

impl Limits {
    /// Checks that every limit lets at least something through.
    pub fn validate(&self) -> Result<(), RelayError> {
        let invalid = |detail: &str| {
            Err(RelayError::InvalidLimits {
                detail: detail.to_owned(),
            })
        };
        if self.max_body_bytes == 0 {
            return invalid("max_body_bytes must be at least 1");
        }
        if !(self.rate_per_second.is_finite() && self.rate_per_second > 0.0) {
            return invalid("rate_per_second must be a positive number");
        }
        if self.burst == 0 {
            return invalid("burst must be at least 1");
        }
        for (name, rate) in [
            ("failures_per_second", self.failures_per_second),
            ("mailboxes_per_hour", self.mailboxes_per_hour),
        ] {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(RelayError::InvalidLimits {
                    detail: format!("{name} must be a positive number"),
                });
            }
        }
        if self.failure_burst == 0 || self.mailbox_burst == 0 {
            return invalid("failure_burst and mailbox_burst must be at least 1");
        }
        if self.mailbox_quota_messages == 0 || self.mailbox_quota_bytes == 0 {
            return invalid("mailbox quotas must be at least 1");
        }
        if self.max_fetch_limit == 0 {
            return invalid("max_fetch_limit must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Limits::default().validate().is_ok());
    }

    #[test]
    fn a_zero_rate_is_refused() {
        let limits = Limits {
            rate_per_second: 0.0,
            ..Limits::default()
        };
        assert!(limits.validate().is_err());
    }
}

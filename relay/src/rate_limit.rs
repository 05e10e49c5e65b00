//! Rate limiting with token buckets, in memory: per token (the hash of
//! whatever token a request presents, checked before storage is touched) and
//! per peer ([`PeerKey`], a keyed hash of the source address that never
//! leaves memory) for what a token cannot pay for: requests without one,
//! requests that fail (so made-up tokens cannot each mint a fresh burst), and
//! mailbox creation. A bucket that has refilled completely is
//! indistinguishable from no bucket, so such buckets are dropped from time to
//! time and memory stays proportional to the keys active in the last
//! `burst / rate` seconds.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::capability::TokenHash;

/// Sweep full buckets once the map holds more than this many.
const SWEEP_ABOVE: usize = 1024;
/// And at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Longest `Retry-After` ever suggested.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

struct Bucket {
    tokens: f64,
    updated: Instant,
}

struct Buckets<K> {
    by_key: HashMap<K, Bucket>,
    last_sweep: Instant,
}

/// Stands for a peer's source address without being it: a hash of the
/// address (IPv6 by its /64) under a key drawn at random when the relay
/// starts and never written anywhere. Equal for requests from one peer while
/// the process runs; useless for learning who the peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerKey(pub u64);

/// Token buckets for every key (token or peer) seen recently.
pub struct RateLimiter<K = TokenHash> {
    rate: f64,
    burst: f64,
    buckets: Mutex<Buckets<K>>,
}

impl<K: Hash + Eq + Copy> RateLimiter<K> {
    /// `rate` requests per second on average, bursts of up to `burst`.
    pub fn new(rate: f64, burst: u32) -> RateLimiter<K> {
        RateLimiter {
            // A zero or nonsensical rate would never refill; `Limits`
            // validation refuses it, and this keeps the arithmetic finite.
            rate: if rate.is_finite() && rate > 0.0 {
                rate
            } else {
                f64::MIN_POSITIVE
            },
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    /// Takes one request from `key`'s bucket, or says how long to wait
    /// before one is available.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.take_at(key, Instant::now(), true)
    }

    /// Whether `key`'s bucket has a request left, without taking it.
    pub fn peek(&self, key: &K) -> Result<(), Duration> {
        self.take_at(key, Instant::now(), false)
    }

    /// Takes one request from `key`'s bucket if there is one left (a
    /// failure is paid for after the fact; an empty bucket stays empty).
    pub fn charge(&self, key: &K) {
        let _ = self.check(key);
    }

    #[cfg(test)]
    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        self.take_at(key, now, true)
    }

    fn take_at(&self, key: &K, now: Instant, take: bool) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.by_key.len() > SWEEP_ABOVE
            && now.saturating_duration_since(buckets.last_sweep) >= SWEEP_EVERY
        {
            let (rate, burst) = (self.rate, self.burst);
            buckets
                .by_key
                .retain(|_, b| refilled(b, now, rate, burst) < burst);
            buckets.last_sweep = now;
        }
        let bucket = buckets.by_key.entry(*key).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        bucket.tokens = refilled(bucket, now, self.rate, self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            if take {
                bucket.tokens -= 1.0;
            }
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.rate;
            Err(Duration::try_from_secs_f64(wait)
                .unwrap_or(MAX_RETRY_AFTER)
                .min(MAX_RETRY_AFTER))
        }
    }
}

fn refilled(bucket: &Bucket, now: Instant, rate: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rate).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(n: u8) -> TokenHash {
        TokenHash::from_bytes([n; 32])
    }

    #[test]
    fn a_burst_is_allowed_then_refused_then_allowed_again_after_waiting() {
        let limiter = RateLimiter::new(2.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(&token(1), start).is_ok());
        }
        let wait = limiter.check_at(&token(1), start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(
            limiter
                .check_at(&token(1), start + Duration::from_millis(500))
                .is_ok()
        );
    }

    #[test]
    fn tokens_do_not_share_a_bucket() {
        let limiter = RateLimiter::new(1.0, 1);
        let now = Instant::now();
        assert!(limiter.check_at(&token(1), now).is_ok());
        assert!(limiter.check_at(&token(1), now).is_err());
        assert!(limiter.check_at(&token(2), now).is_ok());
    }

    #[test]
    fn idle_buckets_are_forgotten() {
        let limiter = RateLimiter::new(100.0, 1);
        let start = Instant::now();
        for n in 0..=(SWEEP_ABOVE + 10) {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&(n as u64).to_le_bytes());
            let _ = limiter.check_at(&TokenHash::from_bytes(bytes), start);
        }
        let later = start + Duration::from_secs(2);
        let _ = limiter.check_at(&token(1), later);
        let buckets = limiter.buckets.lock().unwrap();
        assert_eq!(buckets.by_key.len(), 1);
    }

    #[test]
    fn a_tiny_rate_gives_a_bounded_retry_after() {
        let limiter = RateLimiter::new(0.0, 1);
        let now = Instant::now();
        let _ = limiter.check_at(&token(1), now);
        assert_eq!(limiter.check_at(&token(1), now), Err(MAX_RETRY_AFTER));
    }
}

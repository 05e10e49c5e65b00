//! How long a new invite stays valid: a week unless the therapist says
//! otherwise, never more than a year and a day (a single-use secret should
//! not outlive the plan it was made for), and never no time at all.

use chrono::Duration;

use crate::error::InviteError;

/// How long an invite stays valid when the therapist does not say.
pub const DEFAULT_VALIDITY_DAYS: i64 = 7;

/// The longest an invite may stay valid.
pub const MAX_VALIDITY_DAYS: i64 = 366;

/// [`DEFAULT_VALIDITY_DAYS`] as a duration.
pub fn default_validity() -> Duration {
    Duration::days(DEFAULT_VALIDITY_DAYS)
}

/// Checks how long a new invite is asked to stay valid: refused when zero
/// or negative ([`InviteError::ValidityNotPositive`]) or longer than
/// [`MAX_VALIDITY_DAYS`] ([`InviteError::ValidityTooLong`]). A front end
/// that reads a number of days passes `Duration::try_days(n)`, saturated:
/// out of range is too long (or not positive), never a panic.
pub fn check_validity(valid_for: Duration) -> Result<Duration, InviteError> {
    if valid_for <= Duration::zero() {
        return Err(InviteError::ValidityNotPositive);
    }
    if valid_for > Duration::days(MAX_VALIDITY_DAYS) {
        return Err(InviteError::ValidityTooLong {
            max_days: MAX_VALIDITY_DAYS,
        });
    }
    Ok(valid_for)
}

/// `days` as a duration for [`check_validity`], saturating at the ends of
/// chrono's range instead of panicking.
pub fn validity_days(days: i64) -> Duration {
    Duration::try_days(days).unwrap_or(if days < 0 {
        Duration::MIN
    } else {
        Duration::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_by_default_up_to_a_year_and_a_day() {
        assert_eq!(check_validity(default_validity()), Ok(Duration::days(7)));
        assert!(check_validity(Duration::minutes(1)).is_ok());
        assert_eq!(check_validity(validity_days(366)), Ok(Duration::days(366)));
    }

    #[test]
    fn longer_than_the_maximum_is_refused_naming_it() {
        for too_long in [
            Duration::days(366) + Duration::seconds(1),
            validity_days(367),
            validity_days(i64::MAX),
            Duration::MAX,
        ] {
            let e = check_validity(too_long).unwrap_err();
            assert_eq!(e, InviteError::ValidityTooLong { max_days: 366 });
            assert_eq!(e.code(), "validity_too_long");
            assert!(e.to_string().contains("at most 366 days"), "{e}");
        }
    }

    #[test]
    fn zero_or_negative_is_refused() {
        for not_positive in [
            Duration::zero(),
            validity_days(-3),
            validity_days(i64::MIN),
            Duration::MIN,
        ] {
            let e = check_validity(not_positive).unwrap_err();
            assert_eq!(e, InviteError::ValidityNotPositive);
            assert_eq!(e.code(), "validity_not_positive");
        }
    }
}

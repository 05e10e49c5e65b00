//! When recording a check-in shows crisis resources: the client asked for
//! support, or rated an item at or below the point its instrument names (for
//! "hopeful", the lowest). No score, no risk estimate: only what the client
//! said, answered with where to find help now.

use super::crisis::{CrisisResources, resources_for_locale};
use crate::error::Error;
use crate::model::{CheckIn, CheckInDraft, Instrument};
use crate::store::Store;

/// Why resources are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafetyReason {
    /// "I need support now".
    SupportRequested,
    /// A rating at or below the instrument's point for showing resources.
    LowRating {
        /// The item (`hopeful`).
        item: String,
        /// The rating given.
        rating: u8,
    },
}

/// Shown right after recording: where to find help now, and that nobody
/// watches check-ins in real time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyNotice {
    /// Why it is shown.
    pub reason: SafetyReason,
    /// Crisis lines for the client's locale (bundled, offline), and the
    /// "not monitored" statement in their language.
    pub resources: CrisisResources,
}

/// What recording a check-in gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    /// The stored check-in.
    pub checkin: CheckIn,
    /// Crisis resources, when the check-in calls for them.
    pub safety: Option<SafetyNotice>,
}

/// The notice a check-in calls for, if any.
pub fn notice_for(
    checkin: &CheckIn,
    instrument: &Instrument,
    locale: &str,
) -> Option<SafetyNotice> {
    let reason = if checkin.support_requested {
        SafetyReason::SupportRequested
    } else {
        instrument.items.iter().find_map(|item| {
            let at = item.offer_resources_at_or_below?;
            let &rating = checkin.answers.get(&item.id)?;
            (rating <= at).then(|| SafetyReason::LowRating {
                item: item.id.clone(),
                rating,
            })
        })?
    };
    Some(SafetyNotice {
        reason,
        resources: resources_for_locale(locale),
    })
}

impl Store {
    /// Records a check-in like [`Store::record`], and returns the crisis
    /// resources when the client asked for support or rated hope at its
    /// lowest: for the crisis country the client chose, else for
    /// `locale`'s region (such as `en-GB`), in `locale`'s language.
    pub fn record_checkin(
        &mut self,
        draft: CheckInDraft,
        locale: &str,
    ) -> Result<RecordOutcome, Error> {
        let checkin = self.record(draft)?;
        let safety = self
            .options
            .instruments
            .get(&checkin.instrument)
            .and_then(|instrument| notice_for(&checkin, instrument, locale));
        // The client's own choice of country, over the phone's region. A
        // setting that cannot be read must not cost the sheet: the region's
        // resources stand then.
        let safety = safety.map(|notice| match self.crisis_country() {
            Ok(Some(country)) => SafetyNotice {
                resources: crate::safety::resources_for(Some(&country), locale),
                ..notice
            },
            _ => notice,
        });
        Ok(RecordOutcome { checkin, safety })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InstrumentRef, Instruments};
    use chrono::{NaiveDate, Utc};

    fn checkin(heard: u8, hopeful: u8, support: bool) -> CheckIn {
        CheckIn {
            id: uuid::Uuid::now_v7(),
            instrument: InstrumentRef {
                id: "session-checkin".into(),
                version: 1,
            },
            session_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
            note: None,
            support_requested: support,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
            seen_at: None,
        }
    }

    fn notice(heard: u8, hopeful: u8, support: bool, locale: &str) -> Option<SafetyNotice> {
        let instruments = Instruments::bundled().unwrap();
        let instrument = instruments.latest("session-checkin").unwrap();
        notice_for(&checkin(heard, hopeful, support), instrument, locale)
    }

    #[test]
    fn lowest_hope_shows_resources_for_the_locale() {
        let shown = notice(4, 1, false, "en-GB").unwrap();
        assert_eq!(
            shown.reason,
            SafetyReason::LowRating {
                item: "hopeful".into(),
                rating: 1
            }
        );
        assert_eq!(shown.resources.region.as_deref(), Some("GB"));
        assert!(!shown.resources.lines.is_empty());
        assert!(shown.resources.not_monitored.contains("real time"));
    }

    #[test]
    fn a_low_but_not_lowest_rating_shows_nothing_unless_support_is_asked() {
        assert!(notice(1, 2, false, "en-US").is_none());
        assert!(notice(5, 5, false, "en-US").is_none());
        let asked = notice(5, 5, true, "de-DE").unwrap();
        assert_eq!(asked.reason, SafetyReason::SupportRequested);
        assert_eq!(asked.resources.region.as_deref(), Some("DE"));
    }
}

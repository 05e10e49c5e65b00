//! When recording a check-in shows crisis resources: the client asked for
//! support, or rated an item at or below the point named by the edition the
//! check-in answered. For "hopeful" that is 1 in v1, which asked about a
//! change ("I leave feeling more hopeful": a 1 there can be a steady client),
//! and 2 in v2, which asks about a state ("Right now I feel hopeful that
//! things can get better": "a little" hope is low hope). No score, no risk
//! estimate: only what the client said, answered with where to find help
//! now.

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

/// The notice a check-in calls for, if any; `instrument` is the edition
/// the check-in answered (never the current one: each edition keeps its
/// own point).
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
    /// resources when the client asked for support or rated hope at or
    /// below the point of the edition answered: for the crisis country the
    /// client chose, else for `locale`'s region (such as `en-GB`), in
    /// `locale`'s language.
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

    fn checkin(edition: u32, heard: u8, hopeful: u8, support: bool) -> CheckIn {
        CheckIn {
            id: uuid::Uuid::now_v7(),
            instrument: InstrumentRef {
                id: "session-checkin".into(),
                version: edition,
            },
            session_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
            note: None,
            support_requested: support,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
            seen_at: None,
            goal_ratings: Default::default(),
        }
    }

    /// The notice for a check-in on `edition`, judged by that edition.
    fn notice(
        edition: u32,
        (heard, hopeful): (u8, u8),
        support: bool,
        locale: &str,
    ) -> Option<SafetyNotice> {
        let instruments = Instruments::bundled().unwrap();
        let checkin = checkin(edition, heard, hopeful, support);
        notice_for(
            &checkin,
            instruments.get(&checkin.instrument).unwrap(),
            locale,
        )
    }

    #[test]
    fn little_hope_right_now_shows_resources_for_the_locale() {
        let shown = notice(2, (4, 2), false, "en-GB").unwrap();
        assert_eq!(
            shown.reason,
            SafetyReason::LowRating {
                item: "hopeful".into(),
                rating: 2
            }
        );
        assert_eq!(shown.resources.region.as_deref(), Some("GB"));
        assert!(!shown.resources.lines.is_empty());
        assert!(shown.resources.not_monitored.contains("real time"));
        assert!(notice(2, (4, 1), false, "en-GB").is_some());
    }

    #[test]
    fn some_hope_right_now_shows_nothing_unless_support_is_asked() {
        assert!(notice(2, (1, 3), false, "en-US").is_none());
        assert!(notice(2, (5, 5), false, "en-US").is_none());
        let asked = notice(2, (5, 5), true, "de-DE").unwrap();
        assert_eq!(asked.reason, SafetyReason::SupportRequested);
        assert_eq!(asked.resources.region.as_deref(), Some("DE"));
    }

    #[test]
    fn a_v1_check_in_keeps_v1s_point() {
        // v1 asked whether the client left "more hopeful": only its lowest
        // point offered resources, and a v1 check-in is still judged so.
        let shown = notice(1, (4, 1), false, "en-GB").unwrap();
        assert_eq!(
            shown.reason,
            SafetyReason::LowRating {
                item: "hopeful".into(),
                rating: 1
            }
        );
        assert!(notice(1, (1, 2), false, "en-US").is_none());
        assert!(notice(1, (5, 5), true, "en-US").is_some());
    }

    #[test]
    fn recording_judges_the_check_in_by_the_edition_it_answered() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(
            dir.path().join("c.db"),
            crate::KeySource::Passphrase(crate::Passphrase::new("pw").with_work_factor(4)),
        )
        .unwrap();
        let today = Utc::now().date_naive();
        let draft = |edition: u32, hopeful: u8| CheckInDraft {
            instrument: checkin(edition, 4, hopeful, false).instrument,
            session_date: today,
            answers: [("heard".into(), 4), ("hopeful".into(), hopeful)].into(),
            note: None,
            support_requested: false,
            goal_ratings: Default::default(),
        };
        let offered = |store: &mut Store, edition, hopeful| {
            store
                .record_checkin(draft(edition, hopeful), "en-GB")
                .unwrap()
                .safety
                .is_some()
        };
        assert!(offered(&mut store, 2, 2));
        assert!(!offered(&mut store, 2, 3));
        assert!(!offered(&mut store, 1, 2));
        assert!(offered(&mut store, 1, 1));
    }
}

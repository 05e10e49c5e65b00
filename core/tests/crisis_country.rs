//! The crisis country a client chooses when joining, or later, decides the
//! crisis sheet a check-in shows, whatever the phone's region says; a
//! country without checked lines shows emergency numbers a phone can dial.

mod common;

use chrono::Duration;
use common::{draft, passphrase, practice};
use rapport_core::model::Consent;
use rapport_core::safety::{ContactKind, SafetyReason};
use rapport_core::sync::{JoinChoices, MemoryTransport};
use rapport_core::{Error, Store};

fn join_with(country: Option<&str>) -> (common::Practice, Store, MemoryTransport) {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    let invite = p
        .therapist
        .invite_client(&relay, "C.", Duration::days(7))
        .unwrap();
    let mut client = common::open(&p.dir.path().join("c.db"), passphrase("c"));
    let joined = client
        .client_join_with(
            &relay,
            &invite.to_uri(),
            &JoinChoices {
                consent_version: Consent::CURRENT_VERSION,
                crisis_country: country.map(str::to_owned),
                ..JoinChoices::default()
            },
        )
        .unwrap();
    assert_eq!(
        joined.crisis_country,
        country.map(|c| c.to_ascii_uppercase()),
        "kept as an upper-case code"
    );
    p.therapist.sync(&relay).unwrap();
    (p, client, relay)
}

fn support(client: &mut Store, locale: &str) -> rapport_core::safety::SafetyNotice {
    let mut d = draft(3, 3, None);
    d.support_requested = true;
    let outcome = client.record_checkin(d, locale).unwrap();
    let notice = outcome.safety.expect("asking for support shows the sheet");
    assert_eq!(notice.reason, SafetyReason::SupportRequested);
    notice
}

#[test]
fn a_country_chosen_at_joining_decides_the_sheet_whatever_the_locale() {
    let (_p, mut client, _relay) = join_with(Some("ie"));
    assert_eq!(client.crisis_country().unwrap().as_deref(), Some("IE"));
    for locale in ["en_US.UTF-8", "de_DE.UTF-8", "en-GB", "fr"] {
        let sheet = support(&mut client, locale).resources;
        assert_eq!(sheet.region.as_deref(), Some("IE"), "{locale}");
        assert!(!sheet.is_fallback);
        assert!(
            sheet
                .lines
                .iter()
                .any(|l| l.kind == ContactKind::Phone && l.uri == "tel:116123")
        );
        let numbers: Vec<_> = sheet
            .emergency_numbers
            .iter()
            .map(|n| n.tel_uri.as_str())
            .collect();
        assert_eq!(numbers, ["tel:999", "tel:112"], "{locale}");
    }
    // The words follow the locale's language.
    assert!(
        support(&mut client, "de_DE.UTF-8")
            .resources
            .not_monitored
            .contains("Echtzeit")
    );
}

#[test]
fn without_a_choice_the_region_decides_and_a_later_choice_overrides_it() {
    let (_p, mut client, _relay) = join_with(None);
    assert_eq!(client.crisis_country().unwrap(), None);
    assert_eq!(
        support(&mut client, "en-GB").resources.region.as_deref(),
        Some("GB")
    );

    client.set_crisis_country(Some("FR")).unwrap();
    let sheet = support(&mut client, "en-GB").resources;
    assert_eq!(sheet.region.as_deref(), Some("FR"));
    assert_eq!(sheet.chosen_country.as_deref(), Some("FR"));
    let numbers: Vec<_> = sheet
        .emergency_numbers
        .iter()
        .map(|n| n.tel_uri.as_str())
        .collect();
    assert_eq!(numbers, ["tel:112", "tel:15"]);
    assert!(sheet.lines.iter().any(|l| l.uri == "tel:3114"));

    client.set_crisis_country(None).unwrap();
    assert_eq!(
        support(&mut client, "en-GB").resources.region.as_deref(),
        Some("GB")
    );
}

#[test]
fn a_country_without_checked_lines_shows_the_dialable_fallback() {
    let (_p, mut client, _relay) = join_with(Some("PT"));
    let sheet = support(&mut client, "en-GB").resources;
    assert!(
        sheet.is_fallback,
        "never the region's lines for another country"
    );
    assert!(sheet.lines.is_empty());
    assert_eq!(sheet.chosen_country.as_deref(), Some("PT"));
    let numbers: Vec<_> = sheet
        .emergency_numbers
        .iter()
        .map(|n| n.tel_uri.as_str())
        .collect();
    assert_eq!(numbers, ["tel:112", "tel:911"]);
    assert!(sheet.emergency_note.unwrap().contains("911"));
}

#[test]
fn a_country_that_is_not_a_code_is_refused_before_anything_is_sent() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    let invite = p
        .therapist
        .invite_client(&relay, "C.", Duration::days(7))
        .unwrap();
    let mut client = common::open(&p.dir.path().join("c.db"), passphrase("c"));
    let err = client
        .client_join_with(
            &relay,
            &invite.to_uri(),
            &JoinChoices {
                consent_version: Consent::CURRENT_VERSION,
                crisis_country: Some("Ireland".into()),
                ..JoinChoices::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCountry { .. }), "{err:?}");
    assert!(client.account().unwrap().is_none(), "not joined");
    assert!(p.therapist.sync(&relay).unwrap().paired.is_empty());
}

#[test]
fn leaving_keeps_the_country_and_erasing_forgets_it() {
    let (_p, mut client, relay) = join_with(Some("DE"));
    client.leave_therapist(&relay).unwrap();
    assert_eq!(client.crisis_country().unwrap().as_deref(), Some("DE"));
    assert!(client.erase_everything().unwrap());
    assert_eq!(client.crisis_country().unwrap(), None);
}

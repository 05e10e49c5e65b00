use super::*;
use crate::safety::contacts::DialableNumber;

/// Every bundled country, with the emergency numbers it shows, in order.
const COUNTRIES: [(&str, &[&str]); 8] = [
    ("US", &["911"]),
    ("GB", &["999"]),
    ("IE", &["999", "112"]),
    ("CA", &["911"]),
    ("AU", &["000"]),
    ("DE", &["112"]),
    ("FR", &["112", "15"]),
    ("ES", &["112"]),
];

fn data() -> &'static Dataset {
    bundled().expect("the bundled crisis file loads")
}

fn assert_fallback(r: &CrisisResources, statement: &str) {
    assert!(r.is_fallback, "{:?} should be the fallback", r.locale);
    assert_eq!(r.region, None, "{:?}", r.locale);
    assert!(r.lines.is_empty(), "{:?}", r.locale);
    let numbers: Vec<_> = r
        .emergency_numbers
        .iter()
        .map(|n| (n.shown.as_str(), n.tel_uri.as_str()))
        .collect();
    assert_eq!(
        numbers,
        [("112", "tel:112"), ("911", "tel:911")],
        "{:?}",
        r.locale
    );
    assert!(
        r.emergency_numbers.iter().all(|n| n.label.is_some()),
        "each fallback number says where it applies"
    );
    assert!(r.emergency_note.is_some(), "{:?}", r.locale);
    assert_eq!(r.not_monitored, statement, "{:?}", r.locale);
    assert_eq!(r.data_version, DATA_VERSION, "{:?}", r.locale);
}

fn assert_country(locale: &str, region: &str) -> CrisisResources {
    let r = resources_for_locale(locale);
    assert!(!r.is_fallback, "{locale:?} should resolve to {region}");
    assert_eq!(r.region.as_deref(), Some(region), "{locale:?}");
    assert_eq!(r.chosen_country, None, "{locale:?}");
    r
}

/// RFC 3966 `tel:` for what a phone dials here: an optional `+`, then
/// digits (with `*`, and `#` percent-encoded as `%23`). Short codes and
/// emergency numbers have no global form, and every phone's dialer takes
/// them without the `phone-context` parameter the RFC asks of local
/// numbers, so none is required.
fn is_tel_uri(uri: &str) -> bool {
    let Some(number) = uri.strip_prefix("tel:") else {
        return false;
    };
    let number = number.replace("%23", "#");
    let digits = number.strip_prefix('+').unwrap_or(&number);
    !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

/// RFC 5724 `sms:`: one recipient (a `tel:` number as above), optionally
/// `?body=` whose value is made only of unreserved characters and `%XX`
/// escapes.
fn is_sms_uri(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("sms:") else {
        return false;
    };
    let (recipient, fields) = match rest.split_once('?') {
        Some((recipient, fields)) => (recipient, Some(fields)),
        None => (rest, None),
    };
    if !is_tel_uri(&format!("tel:{recipient}")) {
        return false;
    }
    let Some(fields) = fields else {
        return true;
    };
    let Some(body) = fields.strip_prefix("body=") else {
        return false;
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => i += 1,
            _ => return false,
        }
    }
    !body.is_empty()
}

#[test]
fn the_link_checks_tell_good_links_from_bad() {
    for good in ["tel:988", "tel:+498001110111", "tel:*111%23", "tel:015"] {
        assert!(is_tel_uri(good), "{good}");
    }
    for bad in [
        "tel:",
        "tel:112 / 911",
        "tel:112/911",
        "988",
        "tel:abc",
        "tel:*#",
    ] {
        assert!(!is_tel_uri(bad), "{bad}");
    }
    for good in [
        "sms:741741?body=HOME",
        "sms:988",
        "sms:85258?body=SHOUT%20NOW",
    ] {
        assert!(is_sms_uri(good), "{good}");
    }
    for bad in [
        "sms:85258?body=SHOUT NOW",
        "sms:85258?body=",
        "sms:85258?subject=x",
        "sms:text me",
        "tel:85258",
        "sms:85258?body=%2",
    ] {
        assert!(!is_sms_uri(bad), "{bad}");
    }
}

#[test]
fn bundled_file_loads_and_is_not_the_builtin_fallback() {
    let loaded = load(BUNDLED).expect("bundled file is valid");
    assert_eq!(loaded.version, DATA_VERSION);
    assert_eq!(loaded.countries.len(), COUNTRIES.len());

    let r = resources_for_locale("en-GB");
    assert_ne!(r, builtin_fallback("en-GB", None));
    assert_eq!(r.data_version, DATA_VERSION);
    assert_ne!(r.data_version, BUILTIN_DATA_VERSION);
    assert!(!r.is_fallback);
}

#[test]
fn every_bundled_country_has_dialable_numbers_and_valid_links() {
    for (code, emergency) in COUNTRIES {
        // Chosen, and through a locale: the same data either way.
        for r in [
            resources_for(Some(code), "en"),
            assert_country(&format!("en-{code}"), code),
        ] {
            assert_eq!(r.region.as_deref(), Some(code));
            let shown: Vec<_> = r
                .emergency_numbers
                .iter()
                .map(|n| n.shown.as_str())
                .collect();
            assert_eq!(shown, emergency, "{code}");
            assert_eq!(r.emergency_number, emergency[0], "{code}");
            for number in &r.emergency_numbers {
                assert!(is_tel_uri(&number.tel_uri), "{code}: {}", number.tel_uri);
                assert_eq!(number.tel_uri, format!("tel:{}", number.dial), "{code}");
                assert!(number.dial.bytes().all(|b| b.is_ascii_digit()), "{code}");
            }
            assert!(!r.lines.is_empty(), "{code} has no crisis line");
            assert!(r.lines.len() <= 3, "{code} lists more than three lines");
            for line in &r.lines {
                let at = format!("{code} {} ({})", line.name, line.contact);
                assert!(line.dial.bytes().all(|b| b.is_ascii_digit()), "{at}: dial");
                match line.kind {
                    ContactKind::Phone => {
                        assert!(is_tel_uri(&line.uri), "{at}: {}", line.uri);
                        assert_eq!(line.uri, format!("tel:{}", line.dial), "{at}");
                        assert_eq!(line.text_body, None, "{at}: a call has no text body");
                    }
                    ContactKind::Text => {
                        assert!(is_sms_uri(&line.uri), "{at}: {}", line.uri);
                        let expected = match &line.text_body {
                            Some(body) => format!("sms:{}?body={body}", line.dial),
                            None => format!("sms:{}", line.dial),
                        };
                        assert_eq!(line.uri, expected, "{at}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_lines_the_issue_found_missing_are_there_where_their_page_was_found() {
    let us = resources_for(Some("US"), "en");
    let uris: Vec<_> = us.lines.iter().map(|l| l.uri.as_str()).collect();
    assert_eq!(uris, ["tel:988", "sms:988", "sms:741741?body=HOME"]);

    let fr = resources_for(Some("FR"), "fr-FR");
    let numbers: Vec<_> = fr
        .emergency_numbers
        .iter()
        .map(|n| (n.tel_uri.as_str(), n.label.as_deref()))
        .collect();
    assert_eq!(
        numbers,
        [
            ("tel:112", Some("Toute urgence")),
            ("tel:15", Some("SAMU : urgence médicale"))
        ]
    );
    assert_eq!(fr.lines[0].uri, "tel:3114");
    let fr_in_english = resources_for(Some("FR"), "en-GB");
    assert_eq!(
        fr_in_english.emergency_numbers[1].label.as_deref(),
        Some("SAMU: medical emergency")
    );

    let de = resources_for(Some("DE"), "de-DE");
    let uris: Vec<_> = de.lines.iter().map(|l| l.uri.as_str()).collect();
    assert_eq!(uris, ["tel:08001110111", "tel:08001110222"]);

    let ie = resources_for(Some("IE"), "en");
    let uris: Vec<_> = ie
        .emergency_numbers
        .iter()
        .map(|n| n.tel_uri.as_str())
        .collect();
    assert_eq!(uris, ["tel:999", "tel:112"]);
    assert_eq!(ie.lines[0].uri, "tel:116123");
}

#[test]
fn what_could_not_be_verified_is_said_in_the_file() {
    let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
    let gaps = json["not_verified"].as_array().expect("not_verified");
    let said: Vec<String> = gaps
        .iter()
        .map(|g| format!("{} {}", g["country"], g["line"]))
        .collect();
    for missing in ["116 123", "Pieta", "50808"] {
        assert!(
            said.iter().any(|s| s.contains(missing)),
            "{missing} not accounted for: {said:?}"
        );
    }
    // A line left out is not in the data.
    for (country, left_out) in [
        ("IE", &["1800247247", "51444", "50808"][..]),
        ("DE", &["116123"]),
    ] {
        let r = resources_for(Some(country), "en");
        for line in &r.lines {
            assert!(
                !left_out.contains(&line.dial.as_str()),
                "{country}: {}",
                line.name
            );
        }
    }
}

#[test]
fn choosing_a_country_overrides_the_region() {
    // A US-set phone in Dublin, a UK-set phone in Dublin, a German one.
    for locale in ["en_US.UTF-8", "en-GB", "de_DE.UTF-8", "de", ""] {
        let r = resources_for(Some("IE"), locale);
        assert_eq!(r.region.as_deref(), Some("IE"), "{locale:?}");
        assert_eq!(r.chosen_country.as_deref(), Some("IE"), "{locale:?}");
        assert!(!r.is_fallback);
        assert!(r.lines.iter().any(|l| l.dial == "116123"), "{locale:?}");
        assert!(!r.lines.iter().any(|l| l.dial == "988" || l.dial == "85258"));
    }
    // The words still follow the locale's language.
    assert_eq!(
        resources_for(Some("IE"), "de_DE.UTF-8").not_monitored,
        data().statements.de
    );
    // Spelled loosely, it is the same choice.
    assert_eq!(
        resources_for(Some(" ie "), "en").region.as_deref(),
        Some("IE")
    );
    assert_eq!(
        resources_for(Some("uk"), "en").region.as_deref(),
        Some("GB")
    );
    // No choice: the region decides, as before.
    assert_eq!(resources_for(None, "en-US"), resources_for_locale("en-US"));
}

#[test]
fn an_unknown_country_falls_back_to_the_list_never_to_the_region() {
    for (chosen, locale) in [("PT", "en-GB"), ("JP", "en_US.UTF-8"), ("ZZ", "de-DE")] {
        let r = resources_for(Some(chosen), locale);
        let statement = if locale.starts_with("de") {
            &data().statements.de
        } else {
            &data().statements.en
        };
        assert_fallback(&r, statement);
        assert_eq!(r.chosen_country.as_deref(), Some(chosen));
    }
    // Not a country code at all: still the list, and still not the region.
    let r = resources_for(Some("Ireland"), "en-IE");
    assert_fallback(&r, &data().statements.en);
    // The sentence saying which number applies where, in the language.
    let en = resources_for(Some("PT"), "en").emergency_note.unwrap();
    assert!(
        en.contains("112") && en.contains("911") && en.contains("EU"),
        "{en}"
    );
    let de = resources_for(Some("PT"), "de").emergency_note.unwrap();
    assert!(
        de.contains("112") && de.contains("911") && de.contains("EU-Land"),
        "{de}"
    );
    let labels: Vec<_> = resources_for(Some("PT"), "es")
        .emergency_numbers
        .into_iter()
        .map(|n| n.label.unwrap_or_default())
        .collect();
    assert_eq!(
        labels,
        ["Todos los países de la UE", "Estados Unidos y Canadá"]
    );
}

#[test]
fn a_country_is_checked_and_spelled_one_way() {
    assert_eq!(check_country("ie").unwrap(), "IE");
    assert_eq!(check_country(" DE\n").unwrap(), "DE");
    assert_eq!(check_country("UK").unwrap(), "GB");
    assert_eq!(
        check_country("PT").unwrap(),
        "PT",
        "any country may be chosen"
    );
    for bad in ["", "I", "IRL", "Ireland", "1E", "🙂", "I E"] {
        let err = check_country(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidCountry { .. }), "{bad:?}");
        assert_eq!(err.code(), "invalid_country");
    }
}

#[test]
fn the_picker_lists_the_bundled_countries_and_pre_selects_the_region() {
    let codes: Vec<_> = countries().into_iter().map(|c| c.code).collect();
    let mut expected: Vec<_> = COUNTRIES.iter().map(|(c, _)| c.to_string()).collect();
    expected.sort();
    assert_eq!(codes, expected);
    assert!(countries().iter().all(|c| !c.name.is_empty()));

    assert_eq!(country_for_locale("en_IE.UTF-8").as_deref(), Some("IE"));
    assert_eq!(country_for_locale("en-UK").as_deref(), Some("GB"));
    assert_eq!(country_for_locale("pt-PT").as_deref(), Some("PT"));
    assert_eq!(country_for_locale("de"), None);
    assert_eq!(
        country_for_locale("es-419"),
        None,
        "an area is not a country"
    );
    assert_eq!(country_for_locale("🙂"), None);
}

#[test]
fn data_version_is_the_file_version() {
    let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
    assert_eq!(json["version"].as_u64(), Some(u64::from(DATA_VERSION)));
}

#[test]
fn every_line_is_sourced_and_checked_in_this_edition() {
    const NOT_A_SOURCE: [&str; 9] = [
        "wikipedia.",
        "wikimedia.",
        "wikimili.",
        "wikiwand.",
        "theinfolist.",
        "findahelpline.",
        "befrienders.",
        "suicide.org",
        "pastebin.",
    ];
    let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
    let file_verified_on: NaiveDate = json["verified_on"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("file verified_on");
    let kept_unverified: Vec<String> = json["not_verified"]
        .as_array()
        .expect("not_verified")
        .iter()
        .filter(|g| g["decision"] == "kept")
        .map(|g| g["country"].as_str().unwrap_or_default().to_owned())
        .collect();
    for (code, country) in &data().countries {
        for line in &country.lines {
            let at = format!("{code} {} ({})", line.name, line.contact);
            let rest = line
                .source_url
                .strip_prefix("https://")
                .unwrap_or_else(|| panic!("{at}: source is not https"));
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            assert!(host.contains('.'), "{at}: no host in {}", line.source_url);
            let host = host.to_ascii_lowercase();
            for bad in NOT_A_SOURCE {
                assert!(
                    !host.contains(bad),
                    "{at}: {host} is not the service's page"
                );
            }
            // Checked for this edition, unless the file says why not.
            if line.verified_on != file_verified_on {
                assert!(
                    kept_unverified.contains(code),
                    "{at}: checked on {} and not listed in not_verified",
                    line.verified_on
                );
            }
            assert!(line.verified_on <= file_verified_on, "{at}");
            for language in &line.languages {
                assert!(
                    language.len() >= 2 && language.chars().all(|c| c.is_ascii_lowercase()),
                    "{at}: language {language:?}"
                );
            }
        }
    }
}

#[test]
fn provenance_is_recorded_honestly() {
    let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
    let countries = json["countries"].as_object().expect("countries");
    for (code, country) in countries {
        for line in country["lines"].as_array().expect("lines") {
            let by = line["verified_by"].as_str().expect("verified_by");
            assert!(by.contains("stored copy"), "{code}: {by}");
        }
        for number in country["emergency"].as_array().expect("emergency") {
            let by = number["verified_by"].as_str().expect("verified_by");
            assert!(by.contains("stored copy"), "{code}: {by}");
            assert_eq!(number["verified_on"], "2026-11-30", "{code}");
        }
    }
}

#[test]
fn french_canadian_gets_canada_in_french() {
    let r = assert_country("fr-CA", "CA");
    assert_eq!(r.not_monitored, data().statements.fr);
    assert!(r.not_monitored.contains("thérapeute"));
    assert_eq!(r.emergency_number, "911");
    assert!(r.lines.iter().any(|l| l.dial == "988"));
}

#[test]
fn posix_locales_work() {
    let r = assert_country("en_GB.UTF-8", "GB");
    assert_eq!(r.not_monitored, data().statements.en);
    assert_eq!(r.locale, "en_GB.UTF-8", "the locale is reported as given");

    let r = assert_country("de_DE@euro", "DE");
    assert_eq!(r.not_monitored, data().statements.de);
    assert_country("de_DE.UTF-8@euro", "DE");
    assert_country("en_IE.utf8", "IE");
}

#[test]
fn common_tags_resolve() {
    for (locale, region) in [
        ("en-GB", "GB"),
        ("en-US", "US"),
        ("en-IE", "IE"),
        ("en-AU", "AU"),
        ("de-DE", "DE"),
        ("es-ES", "ES"),
        ("fr-FR", "FR"),
        ("en-CA", "CA"),
        ("de-Latn-DE", "DE"),
        ("en-GB-oxendict", "GB"),
    ] {
        assert_country(locale, region);
    }
    assert_eq!(
        resources_for_locale("es-ES").not_monitored,
        data().statements.es
    );
}

#[test]
fn case_and_whitespace_do_not_matter() {
    for locale in [
        "en-gb",
        "EN-GB",
        "En_Gb",
        " en-GB ",
        "\ten_GB\n",
        "en - GB",
        "en-GB\u{a0}",
    ] {
        let r = assert_country(locale, "GB");
        assert_eq!(r.not_monitored, data().statements.en, "{locale:?}");
    }
    let r = assert_country(" DE_de ", "DE");
    assert_eq!(r.not_monitored, data().statements.de);
}

#[test]
fn uk_is_read_as_gb() {
    assert_country("en-UK", "GB");
}

#[test]
fn extra_subtags_never_invent_a_country() {
    assert_fallback(&resources_for_locale("zh-Hant-TW"), &data().statements.en);
    assert_fallback(&resources_for_locale("sr-Latn-RS"), &data().statements.en);
    assert_fallback(&resources_for_locale("es-419"), &data().statements.es);
    // An extension is not a region.
    assert_fallback(
        &resources_for_locale("en-u-rg-gbzzzz"),
        &data().statements.en,
    );
    assert_fallback(&resources_for_locale("de-x-gb"), &data().statements.de);
}

#[test]
fn a_language_alone_gives_the_fallback_in_that_language() {
    assert_fallback(&resources_for_locale("de"), &data().statements.de);
    assert_fallback(&resources_for_locale("fr"), &data().statements.fr);
    assert_fallback(&resources_for_locale("es"), &data().statements.es);
    assert_fallback(&resources_for_locale("en"), &data().statements.en);
    assert_fallback(&resources_for_locale("pt"), &data().statements.en);
    // A region code alone is read as a language, not guessed as a country.
    assert_fallback(&resources_for_locale("GB"), &data().statements.en);
}

#[test]
fn unknown_or_garbage_input_gives_the_english_fallback() {
    for locale in [
        "xx-ZZ",
        "",
        "🙂",
        "   ",
        "-",
        "_GB",
        "@euro",
        ".UTF-8",
        "12-34",
        "C",
        "POSIX",
        "e-GB",
        "engl-GB",
        "en-🙂",
        "🙂-GB",
        "en-G",
        "\0",
        "en_GB\u{301}",
    ] {
        let r = resources_for_locale(locale);
        assert_fallback(&r, &data().statements.en);
        assert_eq!(r.locale, locale);
    }
}

#[test]
fn statements_say_not_monitored_and_claim_no_assessment() {
    let s = &data().statements;
    let english = s.en.to_lowercase();
    for word in ["risk", "score", "diagnos"] {
        assert!(
            !english.contains(word),
            "English statement mentions {word:?}"
        );
    }
    assert!(english.contains("not a crisis service"));
    assert!(english.contains("real time"));
    assert!(english.contains("emergency"));
    for (text, words) in [
        (&s.de, ["risiko", "diagnos", "echtzeit"]),
        (&s.fr, ["risque", "diagnos", "temps réel"]),
        (&s.es, ["riesgo", "diagnós", "tiempo real"]),
    ] {
        let lower = text.to_lowercase();
        assert!(!lower.contains(words[0]), "{text}");
        assert!(!lower.contains(words[1]), "{text}");
        assert!(lower.contains(words[2]), "{text} should say 'real time'");
    }
    for text in [&s.en, &s.de, &s.fr, &s.es] {
        assert_eq!(text.matches('.').count(), 2, "two sentences: {text}");
        assert!(text.ends_with('.'));
        assert!(text.starts_with("Rapport"));
    }
    // The formal address in each translation.
    assert!(s.de.contains("Sie ") && !s.de.contains(" du "));
    assert!(s.fr.contains("vous") && !s.fr.contains(" tu "));
    assert!(s.es.contains("usted") && s.es.contains("su terapeuta"));
}

#[test]
fn builtin_fallback_is_emergency_only_in_english() {
    let builtin_statement = BUILTIN_STATEMENT.to_lowercase();
    for word in ["risk", "score", "diagnos"] {
        assert!(!builtin_statement.contains(word));
    }
    assert_eq!(
        BUILTIN_STATEMENT,
        data().statements.en,
        "keep both wordings equal"
    );
    assert_eq!(
        BUILTIN_WHICH_APPLIES,
        data().which_applies.en,
        "keep both wordings equal"
    );

    let r = resolve(None, Some("IE"), "de-DE");
    assert!(r.is_fallback);
    assert_eq!(r.region, None);
    assert_eq!(r.chosen_country.as_deref(), Some("IE"));
    assert!(r.lines.is_empty());
    let numbers: Vec<_> = r
        .emergency_numbers
        .iter()
        .map(|n| (n.tel_uri.as_str(), n.label.as_deref()))
        .collect();
    assert_eq!(
        numbers,
        [
            ("tel:112", Some("Every EU country")),
            ("tel:911", Some("United States and Canada"))
        ]
    );
    assert_eq!(r.emergency_number, "112", "never the text \"112 / 911\"");
    assert_eq!(r.not_monitored, BUILTIN_STATEMENT);
    assert_eq!(r.data_version, BUILTIN_DATA_VERSION);
    assert_eq!(r.locale, "de-DE");
}

#[test]
fn no_emergency_number_is_text_a_phone_cannot_dial() {
    for r in [
        resources_for_locale("de"),
        builtin_fallback("de", None),
        resources_for(Some("PT"), "en"),
    ] {
        assert!(!r.emergency_number.contains('/'), "{}", r.emergency_number);
        assert!(DialableNumber::new(&r.emergency_number).is_some());
        assert_eq!(r.emergency_numbers.len(), 2);
    }
}

#[test]
fn a_defective_file_is_rejected_whole() {
    assert!(load("").is_err());
    assert!(load("{").is_err());
    assert!(load("[]").is_err());
    for (from, to) in [
        ("\"dial\": \"116123\"", "\"dial\": \"116 123\""),
        ("\"dial\": \"85258\"", "\"dial\": \"+85258\""),
        ("\"number\": \"999\"", "\"number\": \"\""),
        ("\"number\": \"15\"", "\"number\": \"SAMU\""),
        (
            "\"number\": \"911\",\n        \"label\": {",
            "\"number\": \"9 1 1\",\n        \"label\": {",
        ),
        ("https://988lifeline.org", "http://988lifeline.org"),
        ("\"kind\": \"phone\"", "\"kind\": \"fax\""),
        ("\"text_body\": \"SHOUT\"", "\"text_body\": \"\""),
        (
            "\"verified_on\": \"2026-11-30\",\n          \"verified_by\"",
            "\"verified_on\": \"2027-01-01\",\n          \"verified_by\"",
        ),
        ("\"GB\": {", "\"gb\": {"),
        ("\"es\": \"Rapport", "\"pt\": \"Rapport"),
        (
            "\"name\": \"Lifeline\"",
            "\"name\": \"Lifeline\", \"extra\": 1",
        ),
        ("\"decision\": \"kept\"", "\"decision\": \"maybe\""),
        ("\"country\": \"ES\"", "\"country\": \"PT\""),
        ("\"es\": \"Todos los países de la UE\"", "\"es\": \" \""),
    ] {
        assert!(
            BUNDLED.contains(from),
            "test edit {from:?} no longer applies"
        );
        let edited = BUNDLED.replacen(from, to, 1);
        assert!(load(&edited).is_err(), "accepted a file with {to:?}");
    }
}

#[test]
fn serialises_for_the_bindings() {
    assert_eq!(
        serde_json::to_value(ContactKind::Phone).expect("serialises"),
        serde_json::json!("phone")
    );
    assert_eq!(
        serde_json::to_value(ContactKind::Text).expect("serialises"),
        serde_json::json!("text")
    );
    let r = resources_for_locale("en-GB");
    let json = serde_json::to_value(&r).expect("serialises");
    assert_eq!(json["region"], "GB");
    assert_eq!(json["lines"][0]["verified_on"], "2026-11-30");
    assert_eq!(json["lines"][1]["kind"], "text");
    assert_eq!(json["lines"][1]["text_body"], "SHOUT");
    assert_eq!(json["emergency_numbers"][0]["tel_uri"], "tel:999");
}

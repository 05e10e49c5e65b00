//! Reading the parts of a device locale that choose crisis resources: its
//! language (for the statement's wording) and its region (for the country,
//! when the client has not chosen one).

/// The parts of a locale that matter here.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ParsedLocale {
    /// Lower-case primary language ("en"), if the locale starts with one.
    pub(super) language: Option<String>,
    /// Upper-case ISO 3166 region ("GB") or UN M.49 area ("419"), if given.
    pub(super) region: Option<String>,
}

/// Reads BCP 47 tags (`en-GB`, `zh-Hant-TW`) and POSIX locales
/// (`en_GB.UTF-8`, `de_DE@euro`) alike, ignoring case and whitespace.
///
/// Strict about shape: the first subtag must be a 2- or 3-letter language, and
/// the region is the first later subtag of 2 letters or 3 digits, before any
/// extension. Scripts and extended languages are skipped; anything else ends
/// the search, so garbage never turns into a country.
pub(super) fn parse_locale(input: &str) -> ParsedLocale {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    // POSIX: language[_territory][.codeset][@modifier]
    let tag = compact.split(['.', '@']).next().unwrap_or_default();
    let mut subtags = tag.split(['-', '_']);

    let language = match subtags.next() {
        Some(first) if (2..=3).contains(&first.len()) && is_ascii_alpha(first) => {
            first.to_ascii_lowercase()
        }
        _ => return ParsedLocale::default(),
    };

    let mut region = None;
    for subtag in subtags {
        if subtag.len() == 2 && is_ascii_alpha(subtag) {
            region = Some(canonical_region(&subtag.to_ascii_uppercase()));
            break;
        }
        if subtag.len() == 3 && subtag.bytes().all(|b| b.is_ascii_digit()) {
            region = Some(subtag.to_owned());
            break;
        }
        let skippable = (subtag.len() == 3 || subtag.len() == 4) && is_ascii_alpha(subtag);
        if !skippable {
            // An extension singleton, a variant or garbage: no region follows.
            break;
        }
    }

    ParsedLocale {
        language: Some(language),
        region,
    }
}

fn is_ascii_alpha(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Maps the one common non-ISO spelling we can place without guessing: "UK"
/// (reserved in ISO 3166 for the United Kingdom) is "GB".
pub(super) fn canonical_region(region: &str) -> String {
    match region {
        "UK" => "GB".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_locale_reads_the_parts() {
        let p = parse_locale("zh-yue-HK");
        assert_eq!(p.language.as_deref(), Some("zh"));
        assert_eq!(p.region.as_deref(), Some("HK"));
        let p = parse_locale("es_419.UTF-8");
        assert_eq!(p.region.as_deref(), Some("419"));
        assert_eq!(parse_locale("🙂"), ParsedLocale::default());
    }
}

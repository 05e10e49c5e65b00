//! Ready-to-dial numbers and the `tel:`/`sms:` links that start a call or a
//! text, built once here for every front end.
//!
//! A malformed link fails silently on a phone: the button does nothing at the
//! one moment it must work. Both apps used to build these themselves, and to
//! split the fallback's "112 / 911" into two numbers (never one call to
//! 112911); now they show what this module gives.

use serde::Serialize;

/// An emergency number as shown, with what to dial and the link that dials it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialableNumber {
    /// As the data prints it ("112", "000").
    pub shown: String,
    /// The characters to dial: digits, and `+`, `*` or `#` where the number
    /// has them.
    pub dial: String,
    /// The `tel:` link that starts the call (RFC 3966).
    pub tel_uri: String,
    /// What the number is for or where it applies, when that needs saying
    /// ("SAMU: medical emergency", "Every EU country"), in the client's
    /// language; `None` for a country's one emergency number.
    pub label: Option<String>,
}

impl DialableNumber {
    /// The number in `shown`, or `None` when it holds no digit (then a
    /// screen shows the text, not a dead button).
    pub fn new(shown: &str) -> Option<DialableNumber> {
        let shown = shown.trim();
        let dial = dial_string(shown)?;
        Some(DialableNumber {
            shown: shown.to_owned(),
            tel_uri: tel_uri(&dial),
            dial,
            label: None,
        })
    }

    /// This number, with what it is for or where it applies.
    pub fn with_label(self, label: &str) -> DialableNumber {
        DialableNumber {
            label: Some(label.to_owned()),
            ..self
        }
    }

    /// Every number in a text that lists several ("112 / 911", "999, 112"),
    /// one each; `None` if any part is not a number, so a text that is not
    /// a plain list is never half-read.
    pub fn list(text: &str) -> Option<Vec<DialableNumber>> {
        text.split(['/', ',', ';'])
            .map(DialableNumber::new)
            .collect::<Option<Vec<_>>>()
            .filter(|numbers| !numbers.is_empty())
    }
}

/// What a phone can dial from `number`: digits, `+`, `*` and `#`, with the
/// spaces, dashes and dots people write between them dropped. `None` when
/// nothing is left to dial or a letter is in it ("ask at reception").
pub fn dial_string(number: &str) -> Option<String> {
    let mut dial = String::new();
    for c in number.chars() {
        match c {
            '0'..='9' | '+' | '*' | '#' => dial.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return None,
        }
    }
    dial.chars().any(|c| c.is_ascii_digit()).then_some(dial)
}

/// The `tel:` link for a dial string (`#` percent-encoded, as RFC 3966 asks).
pub fn tel_uri(dial: &str) -> String {
    format!("tel:{}", dial.replace('#', "%23"))
}

/// The `sms:` link that opens a text to `dial`, with `body` filled in when
/// the service asks for a keyword (RFC 5724 `?body=`, which Android's and
/// iOS's messaging apps read).
pub fn sms_uri(dial: &str, body: Option<&str>) -> String {
    let number = dial.replace('#', "%23");
    match body.map(str::trim).filter(|b| !b.is_empty()) {
        Some(body) => format!("sms:{number}?body={}", percent_encode(body)),
        None => format!("sms:{number}"),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, byte by
/// byte in UTF-8.
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dial_string_keeps_what_a_phone_dials_and_nothing_else() {
        assert_eq!(dial_string("988").as_deref(), Some("988"));
        assert_eq!(
            dial_string("+49 800 111-0-111").as_deref(),
            Some("+498001110111")
        );
        assert_eq!(dial_string("*111#").as_deref(), Some("*111#"));
        assert_eq!(dial_string("ask at reception"), None);
        assert_eq!(dial_string("Text SHOUT to 85258"), None);
        assert_eq!(dial_string(" - "), None);
    }

    #[test]
    fn links_start_the_call_or_the_text_with_the_keyword_encoded() {
        assert_eq!(tel_uri("988"), "tel:988");
        assert_eq!(tel_uri("*111#"), "tel:*111%23");
        assert_eq!(sms_uri("741741", Some("HOME")), "sms:741741?body=HOME");
        assert_eq!(
            sms_uri("85258", Some("SHOUT NOW é")),
            "sms:85258?body=SHOUT%20NOW%20%C3%A9"
        );
        assert_eq!(sms_uri("85258", Some(" ")), "sms:85258");
        assert_eq!(sms_uri("85258", None), "sms:85258");
    }

    #[test]
    fn a_list_of_emergency_numbers_becomes_one_number_each() {
        let numbers = DialableNumber::list("112 / 911").unwrap();
        let shown: Vec<_> = numbers
            .iter()
            .map(|n| (n.shown.as_str(), n.dial.as_str(), n.tel_uri.as_str()))
            .collect();
        assert_eq!(
            shown,
            [("112", "112", "tel:112"), ("911", "911", "tel:911")],
            "two buttons, never one call to 112911"
        );
        assert_eq!(DialableNumber::list("999").unwrap().len(), 1);
        assert_eq!(DialableNumber::list("999, 112;000").unwrap().len(), 3);
        assert_eq!(DialableNumber::list("112 / the police"), None);
        assert_eq!(DialableNumber::list(""), None);
    }
}

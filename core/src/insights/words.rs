//! Small pieces of the sentences flags and briefs are made of: dates,
//! listings, item names, two-decimal figures.

use chrono::{Datelike, NaiveDate};

/// "5 Oct 2026": written by hand because chrono's strftime parses its
/// pattern on every call, and a long series formats thousands of dates.
pub(crate) fn day(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// `x` with two decimals ("2.58", "-2.58"), without pulling float formatting
/// (and its tables) into the phone library for one number.
pub(crate) fn hundredths(x: f64) -> String {
    let h = (x * 100.0).round() as i64;
    let sign = if h < 0 { "−" } else { "" };
    format!("{sign}{}.{:02}", h.abs() / 100, h.abs() % 100)
}

/// `worked_on` → "worked on".
pub(crate) fn item_name(id: &str) -> String {
    id.replace('_', " ")
}

/// "heard 1 and hopeful 2"; "a, b and c".
pub(crate) fn listing(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "four sessions": small counts in words read better in a sentence.
pub(crate) fn sessions(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    match n {
        1 => "one session".into(),
        n if n < WORDS.len() => format!("{} sessions", WORDS[n]),
        n => format!("{n} sessions"),
    }
}

/// The first letter in upper case.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A note quoted in a reason, cut to a sentence's length on a character
/// boundary.
pub(crate) fn quote(note: &str) -> String {
    const MAX: usize = 120;
    let one_line: String = note.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        format!("‘{one_line}’")
    } else {
        let cut: String = one_line.chars().take(MAX - 1).collect();
        format!("‘{}…’", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_as_a_person_would_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        assert_eq!(day(d), "5 Oct 2026");
        assert_eq!(hundredths(2.581_989), "2.58");
        assert_eq!(hundredths(-2.581_989), "−2.58");
        assert_eq!(hundredths(-0.5), "−0.50");
        assert_eq!(item_name("worked_on"), "worked on");
        assert_eq!(listing(&[]), "");
        assert_eq!(listing(&["a".into()]), "a");
        assert_eq!(listing(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(sessions(1), "one session");
        assert_eq!(sessions(4), "four sessions");
        assert_eq!(sessions(12), "12 sessions");
        assert_eq!(capitalise("heard fell"), "Heard fell");
        assert_eq!(
            quote("work is\n getting on top of me"),
            "‘work is getting on top of me’"
        );
        let long = quote(&"é".repeat(300));
        assert_eq!(long.chars().count(), 122);
        assert!(long.ends_with("…’"));
    }
}

//! A date as the brief's one-line list writes it, in English (the sentences
//! of flags and briefs are told in the reader's language: `sentences.rs`).

use chrono::{Datelike, NaiveDate};

/// "5 Oct 2026": written by hand because chrono's strftime parses its
/// pattern on every call.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_a_person_would_write_it() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        assert_eq!(day(d), "5 Oct 2026");
    }
}

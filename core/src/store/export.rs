//! The client's right to take everything with them: every check-in, with
//! private notes, as JSON (complete, for machines) or CSV (for a spreadsheet).
//!
//! An export is plaintext by the client's explicit choice; where it goes is up
//! to them (the CLI writes it owner-readable only and says so).

use super::{Membership, Store};
use crate::error::Error;
use crate::model::{CheckIn, NoteVisibility};
use crate::role::Role;

/// Identifies the JSON layout, so a later importer knows what it reads.
pub const EXPORT_FORMAT: &str = "rapport-export/1";

impl Store {
    /// Every live check-in, newest session first.
    pub fn all_checkins(&self) -> Result<Vec<CheckIn>, Error> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.history(cursor.as_ref(), super::MAX_PAGE)?;
            out.extend(page.checkins);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Everything this device holds of the client, as pretty JSON.
    pub fn export_json(&self) -> Result<String, Error> {
        let account = self.account()?;
        let consent: Option<u32> = self
            .conn
            .query_row(
                "SELECT consent_version FROM account WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .ok()
            .flatten();
        let membership = self.membership()?;
        let checkins = self.all_checkins()?;
        // Written by hand: the export is the phone library's only JSON
        // output, and serde_json's serializer and `Value` would add tens of
        // KiB to it for one document.
        let mut out = String::from("{\n");
        field(&mut out, 1, "format", &string(EXPORT_FORMAT));
        field(
            &mut out,
            1,
            "exported_at",
            &string(&self.options.clock.now().to_rfc3339()),
        );
        let account = match account {
            None => "null".to_owned(),
            Some(a) => {
                let mut obj = String::from("{\n");
                let role = match a.role {
                    Role::Client => "client",
                    Role::Therapist => "therapist",
                };
                field(&mut obj, 2, "role", &string(role));
                field(&mut obj, 2, "relay_url", &string(&a.relay_url));
                field(
                    &mut obj,
                    2,
                    "consent_version",
                    &consent.map_or("null".to_owned(), |v| v.to_string()),
                );
                let sharing = match membership {
                    Some(Membership::Active { paused: true }) => "paused",
                    Some(Membership::Active { paused: false }) => "active",
                    Some(Membership::Erasing) => "erasing",
                    Some(Membership::Revoked { .. }) => "ended by therapist",
                    None => "not joined",
                };
                last_field(&mut obj, 2, "sharing", &string(sharing));
                obj.push_str("  }");
                obj
            }
        };
        field(&mut out, 1, "account", &account);
        let items: Vec<String> = checkins.iter().map(checkin_json).collect();
        let list = if items.is_empty() {
            "[]".to_owned()
        } else {
            format!("[\n    {}\n  ]", items.join(",\n    "))
        };
        last_field(&mut out, 1, "checkins", &list);
        out.push_str("}\n");
        Ok(out)
    }

    /// Every check-in as CSV: one row each, one column per item.
    pub fn export_csv(&self) -> Result<String, Error> {
        let checkins = self.all_checkins()?;
        let mut items: Vec<String> = self
            .options
            .instruments
            .iter()
            .flat_map(|i| i.items.iter().map(|item| item.id.clone()))
            .collect();
        for c in &checkins {
            items.extend(c.answers.keys().cloned());
        }
        let mut seen = std::collections::HashSet::new();
        items.retain(|i| seen.insert(i.clone()));

        let mut header: Vec<String> = vec!["id".into(), "session_date".into(), "instrument".into()];
        header.extend(items.iter().cloned());
        header.extend(
            [
                "note",
                "note_visibility",
                "support_requested",
                "created_at",
                "updated_at",
                "version",
                "seen_at",
            ]
            .map(String::from),
        );
        let mut out = csv_row(&header);
        for c in &checkins {
            let mut row = vec![
                c.id.to_string(),
                c.session_date.to_string(),
                c.instrument.to_string(),
            ];
            row.extend(
                items
                    .iter()
                    .map(|i| c.answers.get(i).map(u8::to_string).unwrap_or_default()),
            );
            row.push(c.note.as_ref().map(|n| n.text.clone()).unwrap_or_default());
            row.push(c.note.as_ref().map(visibility).unwrap_or_default().into());
            row.push(c.support_requested.to_string());
            row.push(c.created_at.to_rfc3339());
            row.push(c.updated_at.to_rfc3339());
            row.push(c.version.to_string());
            row.push(c.seen_at.map(|t| t.to_rfc3339()).unwrap_or_default());
            out.push_str(&csv_row(&row));
        }
        Ok(out)
    }
}

fn visibility(note: &crate::model::Note) -> &'static str {
    match note.visibility {
        NoteVisibility::Shared => "shared",
        NoteVisibility::Private => "private",
    }
}

/// One check-in as a one-line JSON object.
fn checkin_json(c: &CheckIn) -> String {
    let answers: Vec<String> = c
        .answers
        .iter()
        .map(|(item, v)| format!("{}: {v}", string(item)))
        .collect();
    let note = match &c.note {
        Some(n) => format!(
            "{{\"text\": {}, \"visibility\": {}}}",
            string(&n.text),
            string(visibility(n))
        ),
        None => "null".to_owned(),
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("null".to_owned(), |t| string(&t.to_rfc3339()))
    };
    format!(
        "{{\"id\": {}, \"session_date\": {}, \"instrument\": {{\"id\": {}, \"version\": {}}}, \
         \"answers\": {{{}}}, \"note\": {note}, \"support_requested\": {}, \"created_at\": {}, \
         \"updated_at\": {}, \"version\": {}, \"seen_by_therapist_at\": {}}}",
        string(&c.id.to_string()),
        string(&c.session_date.to_string()),
        string(&c.instrument.id),
        c.instrument.version,
        answers.join(", "),
        c.support_requested,
        time(Some(c.created_at)),
        time(Some(c.updated_at)),
        c.version,
        time(c.seen_at),
    )
}

/// A JSON string literal (RFC 8259 escaping).
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn field(out: &mut String, depth: usize, name: &str, value: &str) {
    out.push_str(&format!(
        "{}{}: {value},\n",
        "  ".repeat(depth),
        string(name)
    ));
}

fn last_field(out: &mut String, depth: usize, name: &str, value: &str) {
    out.push_str(&format!(
        "{}{}: {value}\n",
        "  ".repeat(depth),
        string(name)
    ));
}

/// One RFC 4180 line. A cell a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`) gets a leading apostrophe: a note is text.
fn csv_row(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|cell| {
            let cell = if cell.starts_with(['=', '+', '-', '@']) {
                format!("'{cell}")
            } else {
                cell.clone()
            };
            if cell.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_so_any_note_round_trips() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} ünïcode ✓";
        let parsed: String = serde_json::from_str(&string(nasty)).unwrap();
        assert_eq!(parsed, nasty);
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        let row = csv_row(&[
            "plain".into(),
            "a, b".into(),
            "say \"hi\"".into(),
            "two\nlines".into(),
            "=HYPERLINK(\"x\")".into(),
        ]);
        assert_eq!(
            row,
            "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
    }
}

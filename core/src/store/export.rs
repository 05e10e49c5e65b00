//! The client's right to take everything with them: every check-in, with
//! private notes, and every goal, private ones too, as JSON (complete, for
//! machines) or CSV (one row per check-in, for a spreadsheet).
//!
//! An export is plaintext by the client's explicit choice; where it goes is up
//! to them (the CLI writes it owner-readable only and says so).

use serde::Serialize;

use super::{Membership, Store};
use crate::error::{Error, StoreError};
use crate::model::{Answers, CheckIn, Goal, GoalRatings, NoteVisibility};
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

    /// Everything this device holds of the client, as pretty JSON: the
    /// fields of [`Export`], in that order.
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
        let goals = self.goals()?;
        let export = Export {
            format: EXPORT_FORMAT,
            exported_at: self.options.clock.now().to_rfc3339(),
            account: account.as_ref().map(|a| ExportAccount {
                role: match a.role {
                    Role::Client => "client",
                    Role::Therapist => "therapist",
                },
                relay_url: &a.relay_url,
                consent_version: consent,
                sharing: match membership {
                    Some(Membership::Active { paused: true }) => "paused",
                    Some(Membership::Active { paused: false }) => "active",
                    Some(Membership::Erasing) => "erasing",
                    Some(Membership::Revoked { .. }) => "ended by therapist",
                    None => "not joined",
                },
            }),
            checkins: checkins.iter().map(ExportCheckIn::from).collect(),
            goals: goals.iter().map(ExportGoal::from).collect(),
        };
        let mut out = serde_json::to_string_pretty(&export).map_err(|e| {
            // Cannot happen: strings, numbers and string-keyed maps only.
            StoreError::UnreadableRecord {
                table: "checkins",
                row: "export".into(),
                detail: e.to_string(),
            }
        })?;
        out.push('\n');
        Ok(out)
    }

    /// Every check-in as CSV: one row each, one column per item and one per
    /// goal (headed by its words).
    pub fn export_csv(&self) -> Result<String, Error> {
        let checkins = self.all_checkins()?;
        let goals = self.goals()?;
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
        header.extend(goals.iter().map(|g| format!("goal: {}", g.text)));
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
            row.extend(goals.iter().map(|g| {
                c.goal_ratings
                    .get(&g.id)
                    .map(u8::to_string)
                    .unwrap_or_default()
            }));
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

/// The JSON export, field by field in the order written. Times are RFC 3339
/// with an explicit offset (`+00:00`), as `DateTime::to_rfc3339` writes them.
#[derive(Serialize)]
struct Export<'a> {
    /// [`EXPORT_FORMAT`].
    format: &'static str,
    exported_at: String,
    /// `null` before joining a therapist (or after leaving).
    account: Option<ExportAccount<'a>>,
    /// Newest session first.
    checkins: Vec<ExportCheckIn<'a>>,
    /// Active goals in the order they were set, then archived ones.
    goals: Vec<ExportGoal<'a>>,
}

#[derive(Serialize)]
struct ExportGoal<'a> {
    id: String,
    text: &'a str,
    /// Whether the therapist sees it.
    shared: bool,
    set_in_session: bool,
    created_at: String,
    updated_at: String,
    archived_at: Option<String>,
    version: u32,
    /// Earlier wordings, oldest first.
    earlier_texts: Vec<ExportWording<'a>>,
}

#[derive(Serialize)]
struct ExportWording<'a> {
    text: &'a str,
    set_at: String,
    replaced_at: String,
}

impl<'a> From<&'a Goal> for ExportGoal<'a> {
    fn from(g: &'a Goal) -> Self {
        ExportGoal {
            id: g.id.to_string(),
            text: &g.text,
            shared: g.shared,
            set_in_session: g.set_in_session,
            created_at: g.created_at.to_rfc3339(),
            updated_at: g.updated_at.to_rfc3339(),
            archived_at: g.archived_at.map(|t| t.to_rfc3339()),
            version: g.version,
            earlier_texts: g
                .earlier_texts
                .iter()
                .map(|w| ExportWording {
                    text: &w.text,
                    set_at: w.set_at.to_rfc3339(),
                    replaced_at: w.replaced_at.to_rfc3339(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ExportAccount<'a> {
    role: &'static str,
    relay_url: &'a str,
    consent_version: Option<u32>,
    /// `active`, `paused`, `erasing`, `ended by therapist` or `not joined`.
    sharing: &'static str,
}

#[derive(Serialize)]
struct ExportCheckIn<'a> {
    id: String,
    session_date: String,
    instrument: ExportInstrument<'a>,
    /// Ratings by item id, in item-id order.
    answers: &'a Answers,
    note: Option<ExportNote<'a>>,
    support_requested: bool,
    /// "How close am I" by goal id; left out when no goal was rated.
    #[serde(skip_serializing_if = "GoalRatings::is_empty")]
    goal_ratings: &'a GoalRatings,
    created_at: String,
    updated_at: String,
    version: u32,
    seen_by_therapist_at: Option<String>,
}

#[derive(Serialize)]
struct ExportInstrument<'a> {
    id: &'a str,
    version: u32,
}

#[derive(Serialize)]
struct ExportNote<'a> {
    text: &'a str,
    /// `shared` or `private`.
    visibility: &'static str,
}

impl<'a> From<&'a CheckIn> for ExportCheckIn<'a> {
    fn from(c: &'a CheckIn) -> Self {
        ExportCheckIn {
            id: c.id.to_string(),
            session_date: c.session_date.to_string(),
            instrument: ExportInstrument {
                id: &c.instrument.id,
                version: c.instrument.version,
            },
            answers: &c.answers,
            note: c.note.as_ref().map(|n| ExportNote {
                text: &n.text,
                visibility: visibility(n),
            }),
            support_requested: c.support_requested,
            goal_ratings: &c.goal_ratings,
            created_at: c.created_at.to_rfc3339(),
            updated_at: c.updated_at.to_rfc3339(),
            version: c.version,
            seen_by_therapist_at: c.seen_at.map(|t| t.to_rfc3339()),
        }
    }
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

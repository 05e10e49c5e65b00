//! What the CLI prints: tables for people, JSON for programs.

use std::io::IsTerminal;

use rapport_core::sync::{ClientCheckIns, SyncReport, Transport};
use rapport_core::{CheckIn, NoteVisibility, Store};
use serde_json::{Value, json};

/// Said wherever a client might expect someone to be watching.
pub const NOT_MONITORED: &str = "Rapport is not a crisis service: your therapist reads check-ins \
before your next session, not in real time. If you need help now, call your local emergency number.";

/// The therapist's dashboard as JSON:
/// `{"clients": [{"label", "checkins": [{"session_date", "answers", "note", "seen"}], "alerts": []}]}`.
pub fn dashboard_json(clients: &[ClientCheckIns]) -> Value {
    json!({
        "clients": clients.iter().map(|c| json!({
            "label": c.label,
            "checkins": c.checkins.iter().map(|r| json!({
                "session_date": r.body.session_date.to_string(),
                "answers": r.body.answers,
                "note": r.body.shared_note,
                "seen": r.seen,
            })).collect::<Vec<_>>(),
            "alerts": [],
        })).collect::<Vec<_>>(),
    })
}

fn rating(answers: &rapport_core::Answers, item: &str) -> String {
    answers
        .get(item)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into())
}

/// The therapist's dashboard as a table per client.
pub fn dashboard_table(clients: &[ClientCheckIns]) -> String {
    let mut out = String::new();
    if clients.is_empty() {
        out.push_str(
            "No clients yet: `rapport therapist invite --label INITIALS` makes an invite.\n",
        );
    }
    for c in clients {
        out.push_str(&format!(
            "\n{}  ({} check-ins)\n",
            c.label,
            c.checkins.len()
        ));
        out.push_str("  session      heard  hopeful  worked-on  fit  seen  note\n");
        for r in &c.checkins {
            let a = &r.body.answers;
            out.push_str(&format!(
                "  {}  {:>5}  {:>7}  {:>9}  {:>3}  {:>4}  {}\n",
                r.body.session_date,
                rating(a, "heard"),
                rating(a, "hopeful"),
                rating(a, "worked_on"),
                rating(a, "fit"),
                if r.seen { "yes" } else { "no" },
                r.body.shared_note.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

/// A client's history as JSON.
pub fn history_json(checkins: &[CheckIn]) -> Value {
    json!({
        "checkins": checkins.iter().map(|c| json!({
            "id": c.id.to_string(),
            "session_date": c.session_date.to_string(),
            "answers": c.answers,
            "note": c.note.as_ref().map(|n| n.text.clone()),
            "note_private": c.note.as_ref().map(|n| n.visibility == NoteVisibility::Private),
            "version": c.version,
            "seen": c.seen_at.is_some(),
        })).collect::<Vec<_>>(),
    })
}

/// A client's history as a table.
pub fn history_table(checkins: &[CheckIn]) -> String {
    let mut out = String::from("session      heard  hopeful  status                        note\n");
    for c in checkins {
        let status = if c.seen_at.is_some() {
            "seen by your therapist"
        } else {
            "not seen yet"
        };
        let note = match &c.note {
            Some(n) if n.visibility == NoteVisibility::Private => format!("{} (private)", n.text),
            Some(n) => n.text.clone(),
            None => String::new(),
        };
        out.push_str(&format!(
            "{}  {:>5}  {:>7}  {:<28}  {}\n",
            c.session_date,
            rating(&c.answers, "heard"),
            rating(&c.answers, "hopeful"),
            status,
            note
        ));
    }
    if checkins.is_empty() {
        out.push_str("(no check-ins yet)\n");
    }
    out
}

/// Syncs, with a spinner on a terminal when there is much to do.
pub fn sync_with_progress(
    store: &mut Store,
    transport: &dyn Transport,
) -> Result<SyncReport, rapport_core::Error> {
    if !std::io::stderr().is_terminal() {
        return store.sync(transport);
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("syncing");
    let report = store.sync_with_progress(transport, &mut |r| {
        if r.sent + r.received > 200 {
            bar.set_message(format!("sent {}, received {}", r.sent, r.received));
            bar.tick();
        }
    });
    bar.finish_and_clear();
    report
}

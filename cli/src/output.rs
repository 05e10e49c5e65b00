//! What the CLI prints: tables for people, JSON for programs.

use std::collections::HashMap;
use std::io::IsTerminal;

use rapport_core::insights::{Alert, ClientInsights};
use rapport_core::safety::{ContactKind, SafetyNotice, SafetyReason};
use rapport_core::sync::{ClientCheckIns, Reply, SyncReport, Transport};
use rapport_core::{CheckIn, NoteVisibility, Store};
use serde_json::{Value, json};
use uuid::Uuid;

/// Said wherever a client might expect someone to be watching.
pub const NOT_MONITORED: &str = "Rapport is not a crisis service: your therapist reads check-ins \
before your next session, not in real time. If you need help now, call your local emergency number.";

/// The therapist's dashboard as JSON:
/// `{"clients": [{"label", "status", "trend", "items", "checkins": [{"id", "session_date",
/// "answers", "note", "support_requested", "seen", "reply"}], "alerts": [{"id", "rule",
/// "severity", "reason", "session_date"}]}]}`; `reply` is `null` or as [`reply_json`].
pub fn dashboard_json(clients: &[ClientCheckIns], insights: &[ClientInsights]) -> Value {
    json!({
        "clients": clients.iter().map(|c| {
            let insight = insights.iter().find(|i| i.device_id == c.device_id);
            json!({
                "label": c.label,
                "status": insight.map(|i| i.status.as_str()).unwrap_or("active"),
                "trend": insight.map(|i| i.trend.as_str()).unwrap_or("not enough data"),
                "items": insight.map(|i| i.items.iter().map(|item| json!({
                    "item": item.item,
                    "first": item.first,
                    "latest": item.latest,
                    "change": item.change,
                    "rci": (item.rci * 100.0).round() / 100.0,
                    "reliable": item.reliable,
                })).collect::<Vec<_>>()).unwrap_or_default(),
                "checkins": c.checkins.iter().map(|r| json!({
                    "id": r.record_id.to_string(),
                    "session_date": r.body.session_date.to_string(),
                    "answers": r.body.answers,
                    "note": r.body.shared_note,
                    "support_requested": r.body.support_requested,
                    "seen": r.seen,
                    "reply": r.reply.as_ref().map(reply_json),
                })).collect::<Vec<_>>(),
                "alerts": insight.map(|i| alert_values(&i.open_alerts)).unwrap_or_default(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// A reply as the therapist sees it:
/// `{"checkin", "text", "version", "written_at", "editable"}`.
pub fn reply_json(reply: &Reply) -> Value {
    json!({
        "checkin": reply.record_id.to_string(),
        "text": reply.text,
        "version": reply.version,
        "written_at": reply.written_at.to_rfc3339(),
        "editable": reply.editable,
    })
}

fn alert_values(alerts: &[Alert]) -> Vec<Value> {
    alerts
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "client": a.client_label,
                "rule": a.rule.id(),
                "severity": a.severity.as_str(),
                "reason": a.reason,
                "session_date": a.session_date.map(|d| d.to_string()),
                "acknowledged_at": a.acknowledged_at.map(|t| t.to_rfc3339()),
            })
        })
        .collect()
}

/// Alerts as JSON: `{"alerts": [...]}`.
pub fn alerts_json(alerts: &[Alert]) -> Value {
    json!({ "alerts": alert_values(alerts) })
}

/// Alerts as a list for people, one block each.
pub fn alerts_list(alerts: &[Alert]) -> String {
    if alerts.is_empty() {
        return "No open alerts.\n".into();
    }
    let mut out = String::new();
    for a in alerts {
        let state = match a.acknowledged_at {
            Some(at) => format!("  (acknowledged {})", at.format("%Y-%m-%d")),
            None => String::new(),
        };
        out.push_str(&format!(
            "[{}] {}  {}  id {}{state}\n    {}\n",
            a.severity.as_str(),
            a.client_label,
            a.rule.id(),
            a.id,
            a.reason
        ));
    }
    out
}

/// What the client sees when a check-in calls for crisis resources.
pub fn safety_notice(notice: &SafetyNotice) -> String {
    let r = &notice.resources;
    let mut out = String::from("\n");
    out.push_str(match &notice.reason {
        SafetyReason::SupportRequested => {
            "You asked for support. Your therapist will see this with your check-in, but not \
             straight away.\n"
        }
        SafetyReason::LowRating { .. } => {
            "You said you are leaving without much hope. That matters, and you do not have to \
             carry it alone.\n"
        }
    });
    out.push_str(&format!("{}\n\n", r.not_monitored));
    out.push_str(&format!("Emergency number: {}.\n", r.emergency_number));
    if r.lines.is_empty() {
        out.push_str(
            "We have no checked crisis line for your region: your local emergency number or the \
             nearest emergency department can help now.\n",
        );
    } else {
        out.push_str("People you can talk to now:\n");
        for line in &r.lines {
            // The data spells some contacts with their verb ("Call 988"),
            // others as the bare number ("116 123").
            let how = match line.kind {
                ContactKind::Phone if line.contact.starts_with(|c: char| c.is_ascii_digit()) => {
                    format!("call {}", line.contact)
                }
                _ => line.contact.clone(),
            };
            out.push_str(&format!("  - {}: {} ({})\n", line.name, how, line.hours));
        }
        if let Some(line) = r.lines.first() {
            out.push_str(&format!(
                "(Numbers checked against each service's own page, last on {}; data version {}.)\n",
                line.verified_on, r.data_version
            ));
        }
    }
    out
}

/// One line per client above its check-ins: trend, counts, and open alerts.
fn client_heading(c: &ClientCheckIns, insight: Option<&ClientInsights>) -> String {
    let mut out = format!("\n{}", c.label);
    if let Some(i) = insight {
        if i.status.as_str() != "active" {
            out.push_str(&format!("  [{}]", i.status.as_str()));
        }
        out.push_str(&format!(
            "  trend: {}  ({} check-ins, {} unseen)",
            i.trend,
            c.checkins.len(),
            i.unseen
        ));
        let changes: Vec<String> = i
            .items
            .iter()
            .filter(|item| item.item == "heard" || item.item == "hopeful")
            .map(|item| {
                format!(
                    "{} {}→{} (RCI {:+.2}{})",
                    item.item,
                    item.first,
                    item.latest,
                    item.rci,
                    if item.reliable { ", reliable" } else { "" }
                )
            })
            .collect();
        if !changes.is_empty() {
            out.push_str(&format!(
                "\n  since the first session: {}",
                changes.join(", ")
            ));
        }
        out.push('\n');
        for a in &i.open_alerts {
            out.push_str(&format!(
                "  ! [{}] {} (id {}): {}\n",
                a.severity.as_str(),
                a.rule.id(),
                a.id,
                a.reason
            ));
        }
    } else {
        out.push_str(&format!("  ({} check-ins)\n", c.checkins.len()));
    }
    out
}

fn rating(answers: &rapport_core::Answers, item: &str) -> String {
    answers
        .get(item)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into())
}

/// The therapist's dashboard as a table per client.
pub fn dashboard_table(clients: &[ClientCheckIns], insights: &[ClientInsights]) -> String {
    let mut out = String::new();
    if clients.is_empty() {
        out.push_str(
            "No clients yet: `rapport therapist invite --label INITIALS` makes an invite.\n",
        );
    }
    for c in clients {
        out.push_str(&client_heading(
            c,
            insights.iter().find(|i| i.device_id == c.device_id),
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
            if let Some(reply) = &r.reply {
                out.push_str(&format!(
                    "      your reply{}: {}\n",
                    if reply.editable { "" } else { " (closed)" },
                    indent(&reply.text, "        ")
                ));
            }
        }
    }
    out
}

/// Continues a multi-line text under the line it starts on.
fn indent(text: &str, by: &str) -> String {
    text.replace('\n', &format!("\n{by}"))
}

/// A client's history as JSON: `{"checkins": [{"id", "session_date", "answers",
/// "note", "note_private", "version", "seen", "reply"}]}`, where `reply` is
/// `null` or `{"text", "written_at", "not_monitored"}`.
pub fn history_json(
    checkins: &[CheckIn],
    replies: &HashMap<Uuid, Reply>,
    not_monitored: &str,
) -> Value {
    json!({
        "checkins": checkins.iter().map(|c| json!({
            "id": c.id.to_string(),
            "session_date": c.session_date.to_string(),
            "answers": c.answers,
            "note": c.note.as_ref().map(|n| n.text.clone()),
            "note_private": c.note.as_ref().map(|n| n.visibility == NoteVisibility::Private),
            "version": c.version,
            "seen": c.seen_at.is_some(),
            "reply": replies.get(&c.id).map(|r| json!({
                "text": r.text,
                "written_at": r.written_at.to_rfc3339(),
                "not_monitored": not_monitored,
            })),
        })).collect::<Vec<_>>(),
    })
}

/// A client's history as a table; a check-in's reply is shown under it,
/// with the reminder that nobody reads along in real time (a reply can
/// look like the start of a conversation).
pub fn history_table(
    checkins: &[CheckIn],
    replies: &HashMap<Uuid, Reply>,
    not_monitored: &str,
) -> String {
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
        if let Some(reply) = replies.get(&c.id) {
            out.push_str(&format!(
                "    Your therapist replied ({}):\n      {}\n    {}\n",
                reply.written_at.format("%Y-%m-%d %H:%M UTC"),
                indent(&reply.text, "      "),
                not_monitored
            ));
        }
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

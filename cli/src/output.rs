//! What the CLI prints: tables for people, JSON for programs.

use std::collections::HashMap;
use std::io::IsTerminal;

use rapport_core::insights::{Brief, ClientInsights, Flag, GoalProgress};
use rapport_core::safety::{ContactKind, SafetyNotice, SafetyReason};
use rapport_core::sync::{ClientCheckIns, Reply, SyncReport, Transport};
use rapport_core::{CheckIn, Goal, GoalWording, InstrumentRef, Instruments, NoteVisibility, Store};
use serde_json::{Value, json};
use uuid::Uuid;

/// Text as a terminal may show it: what a client typed, a label, a relay's
/// sentence can hold escape sequences that recolour, retitle or rewrite the
/// screen (ANSI CSI, OSC 8 links that hide their target), and bidirectional
/// overrides that reorder what is read. Every such character is shown as its
/// escaped code instead; line breaks and tabs stay.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n' && c != '\t') || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The language of the statements the CLI shows: the same as its own text.
const LOCALE: &str = "en";

/// An edition as JSON: `{"id", "version"}`.
fn edition_json(edition: &InstrumentRef) -> Value {
    json!({"id": edition.id, "version": edition.version})
}

/// What the numbers of a table answer: for each edition among `editions`
/// (newest first), the statements it asked, so a check-in is read with the
/// words its client rated, not with today's.
pub fn wording<'a>(
    instruments: &Instruments,
    editions: impl IntoIterator<Item = &'a InstrumentRef>,
) -> String {
    let mut editions: Vec<&InstrumentRef> = editions.into_iter().collect();
    editions.sort_unstable_by(|a, b| b.cmp(a));
    editions.dedup();
    if editions.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "Rated from 1 (not at all) to 5 (completely):
",
    );
    for edition in editions {
        let statements = match instruments.get(edition) {
            Some(instrument) => instrument
                .items
                .iter()
                .map(|item| {
                    format!(
                        "{} “{}”",
                        item.id.replace('_', " "),
                        item.prompt_in(instrument, LOCALE)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            None => "an edition this version of Rapport does not know".into(),
        };
        out.push_str(&format!(
            "  v{}: {statements}
",
            edition.version
        ));
    }
    out
}

/// The therapist's dashboard as JSON, clients in order of need:
/// `{"clients": [{"label", "status", "paused_since", "trend", "items", "checkins":
/// [{"id", "session_date", "instrument": {"id", "version"}, "answers", "goal_ratings", "note",
/// "support_requested", "seen", "reply"}], "goals": [see `goal_progress_value`], "flags": [see
/// `flag_value`]}]}`; `reply` is `null` or as [`reply_json`]. Only goals the client shares are
/// here, and only their ratings.
/// Flags' sentences are told in the best language for `locale`.
pub fn dashboard_json(
    clients: &[ClientCheckIns],
    insights: &[ClientInsights],
    locale: &str,
) -> Value {
    json!({
        "clients": in_need_order(clients, insights).map(|(c, insight)| {
            json!({
                "label": c.label,
                "status": insight.map(|i| i.status.as_str()).unwrap_or("active"),
                "paused_since": insight.and_then(|i| i.paused_since).map(|t| t.to_rfc3339()),
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
                    "instrument": edition_json(&r.body.instrument),
                    "answers": r.body.answers,
                    "goal_ratings": r.body.goal_ratings,
                    "note": r.body.shared_note,
                    "support_requested": r.body.support_requested,
                    "seen": r.seen,
                    "reply": r.reply.as_ref().map(reply_json),
                })).collect::<Vec<_>>(),
                "goals": insight.map(|i| i.goals.iter().map(goal_progress_value)
                    .collect::<Vec<_>>()).unwrap_or_default(),
                "flags": insight.map(|i| i.flags.iter().map(|f| flag_value(f, locale))
                    .collect::<Vec<_>>())
                    .unwrap_or_default(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// An earlier wording of a goal: `{"text", "set_at", "replaced_at"}`.
fn wording_value(w: &GoalWording) -> Value {
    json!({
        "text": w.text,
        "set_at": w.set_at.to_rfc3339(),
        "replaced_at": w.replaced_at.to_rfc3339(),
    })
}

/// A shared goal as the therapist sees it: `{"id", "version", "text",
/// "earlier_texts": [{"text", "set_at", "replaced_at"}], "set_in_session", "set_at",
/// "archived_at", "series": [{"checkin", "session_date", "rating"}], "total_ratings",
/// "first", "latest", "change_since_set"}`.
pub fn goal_progress_value(g: &GoalProgress) -> Value {
    json!({
        "id": g.goal_id.to_string(),
        "version": g.version,
        "text": g.text,
        "earlier_texts": g.earlier_texts.iter().map(wording_value).collect::<Vec<_>>(),
        "set_in_session": g.set_in_session,
        "set_at": g.set_at.to_rfc3339(),
        "archived_at": g.archived_at.map(|t| t.to_rfc3339()),
        "series": g.series.iter().map(|p| json!({
            "checkin": p.record_id.to_string(),
            "session_date": p.session_date.to_string(),
            "rating": p.rating,
        })).collect::<Vec<_>>(),
        "total_ratings": g.total_ratings,
        "first": g.first,
        "latest": g.latest,
        "change_since_set": g.change_since_set,
    })
}

/// One line per goal for a therapist: "‘walk to the shop’ (set 2 Nov, in
/// session): 2 → 5 (+3 since set, 3 ratings)".
fn goal_progress_line(g: &GoalProgress) -> String {
    let mut how = vec![format!("set {}", g.set_at.format("%Y-%m-%d"))];
    if g.set_in_session {
        how.push("in session".into());
    }
    if let Some(at) = g.archived_at {
        how.push(format!("archived {}", at.format("%Y-%m-%d")));
    }
    if !g.earlier_texts.is_empty() {
        how.push(format!("reworded {}×", g.earlier_texts.len()));
    }
    let ratings = match (g.first, g.latest, g.change_since_set) {
        (Some(first), Some(latest), Some(change)) => format!(
            "{first} → {latest} ({change:+} since set, {} rating{})",
            g.total_ratings,
            if g.total_ratings == 1 { "" } else { "s" }
        ),
        _ => "not rated yet".into(),
    };
    format!("“{}” ({}): {ratings}", g.text, how.join(", "))
}

/// A client's own goals as JSON: `{"goals": [{"number", "id", "text", "shared",
/// "set_in_session", "active", "created_at", "updated_at", "archived_at", "version",
/// "earlier_texts": [...]}]}`; `number` is what `--goal N=…` takes (active goals only).
pub fn goals_json(goals: &[Goal]) -> Value {
    let mut number = 0;
    json!({
        "goals": goals.iter().map(|g| {
            let n = g.is_active().then(|| { number += 1; number });
            json!({
                "number": n,
                "id": g.id.to_string(),
                "text": g.text,
                "shared": g.shared,
                "set_in_session": g.set_in_session,
                "active": g.is_active(),
                "created_at": g.created_at.to_rfc3339(),
                "updated_at": g.updated_at.to_rfc3339(),
                "archived_at": g.archived_at.map(|t| t.to_rfc3339()),
                "version": g.version,
                "earlier_texts": g.earlier_texts.iter().map(wording_value).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// A client's own goals for people: active ones numbered, then archived.
pub fn goals_list(goals: &[Goal]) -> String {
    if goals.is_empty() {
        return "No goals yet: `rapport client goal add \"...\"` sets one, in your own words.\n"
            .into();
    }
    let mut out = String::new();
    let active: Vec<&Goal> = goals.iter().filter(|g| g.is_active()).collect();
    out.push_str(&format!(
        "Your goals ({} of {} active):\n",
        active.len(),
        rapport_core::model::MAX_ACTIVE_GOALS
    ));
    let describe = |g: &Goal| {
        let mut tags = vec![if g.shared { "shared" } else { "private" }];
        if g.set_in_session {
            tags.push("set in session");
        }
        format!("“{}”  [{}]  id {}", g.text, tags.join(", "), g.id)
    };
    for (i, g) in active.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, describe(g)));
    }
    let archived: Vec<&Goal> = goals.iter().filter(|g| !g.is_active()).collect();
    if !archived.is_empty() {
        out.push_str("Archived:\n");
        for g in archived {
            let on = g
                .archived_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            out.push_str(&format!("  - {}  archived {on}\n", describe(g)));
        }
    }
    terminal_safe(&out)
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

/// The dashboard's clients in the order core gives their insights (by need).
fn in_need_order<'a>(
    clients: &'a [ClientCheckIns],
    insights: &'a [ClientInsights],
) -> impl Iterator<Item = (&'a ClientCheckIns, Option<&'a ClientInsights>)> {
    let ordered = insights.iter().filter_map(|i| {
        clients
            .iter()
            .find(|c| c.device_id == i.device_id)
            .map(|c| (c, Some(i)))
    });
    let unknown = clients
        .iter()
        .filter(|c| !insights.iter().any(|i| i.device_id == c.device_id))
        .map(|c| (c, None));
    ordered.chain(unknown)
}

/// One flag as JSON: `{"id", "client", "kind", "severity", "escalated", "open",
/// "headline", "opened_on", "updated_on", "resolution": {"kind", "on", "text"} | null,
/// "reasons": [{"id", "rule", "session_date", "text", "rci", "acknowledged_at"}],
/// "events": [{"on", "kind", "text"}]}`, its sentences told in the best
/// language for `locale`.
pub fn flag_value(f: &Flag, locale: &str) -> Value {
    json!({
        "id": f.id,
        "client": f.client_label,
        "kind": f.kind.id(),
        "severity": f.severity.as_str(),
        "escalated": f.escalated,
        "open": f.is_open(),
        "headline": f.headline.render(locale),
        "opened_on": f.opened_on.to_string(),
        "updated_on": f.updated_on.to_string(),
        "resolution": f.resolution.as_ref().map(|r| json!({
            "kind": word(&r.kind),
            "on": r.on.to_string(),
            "text": r.text.render(locale),
        })),
        "reasons": f.reasons.iter().map(|r| json!({
            "id": r.id,
            "rule": r.rule.id(),
            "session_date": r.session_date.map(|d| d.to_string()),
            "text": r.text.render(locale),
            "rci": r.rci.map(|x| (x * 100.0).round() / 100.0),
            "acknowledged_at": r.acknowledged_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "earlier_reasons": f.earlier_reasons,
        "events": f.events.iter().map(|e| json!({
            "on": e.on.to_string(),
            "kind": word(&e.kind),
            "text": e.text.render(locale),
        })).collect::<Vec<_>>(),
    })
}

/// Serde's snake_case name of a unit enum variant, as core's types spell it.
fn word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Flags as JSON: `{"flags": [...]}`.
pub fn flags_json(flags: &[Flag], locale: &str) -> Value {
    json!({ "flags": flags.iter().map(|f| flag_value(f, locale)).collect::<Vec<_>>() })
}

/// Flags as a list for people: open ones by need, then history.
pub fn flags_list(flags: &[Flag], locale: &str) -> String {
    if flags.is_empty() {
        return "No open flags.\n".into();
    }
    let mut out = String::new();
    for f in flags {
        out.push_str(&flag_block(f, "", true, locale));
    }
    terminal_safe(&out)
}

fn flag_block(f: &Flag, indent: &str, with_client: bool, locale: &str) -> String {
    let mut out = String::new();
    let client = if with_client {
        format!("{}  ", f.client_label)
    } else {
        String::new()
    };
    let state = match &f.resolution {
        Some(r) => format!("  — {}", r.text.render(locale)),
        None if f.escalated => "  (escalated)".into(),
        None => String::new(),
    };
    out.push_str(&format!(
        "{indent}[{}] {client}{}  id {}{state}\n{indent}    {}\n",
        f.severity.as_str(),
        f.kind.id(),
        f.id,
        f.headline.render(locale)
    ));
    if f.is_open() {
        for r in &f.reasons {
            let acked = if r.acknowledged_at.is_some() {
                " (acknowledged)"
            } else {
                ""
            };
            out.push_str(&format!(
                "{indent}    - {}: {}{acked}\n",
                r.rule.id(),
                r.text.render(locale)
            ));
        }
        if f.earlier_reasons > 0 {
            out.push_str(&format!(
                "{indent}    ({} earlier reason(s) in the flag's history)\n",
                f.earlier_reasons
            ));
        }
    }
    out
}

/// The pre-session brief as JSON: `{"date", "basis", "cards": [{"label", "status",
/// "paused_since", "session_on_day", "last_session", "checkins": [...], "usual": [{"item",
/// "low", "median", "high", "sessions"}], "outside": [{"item", "rating", "above", "text"}],
/// "flags": [...], "goals": [see `goal_progress_value`], "goal_line", "opening": {"id",
/// "version", "locale", "text"}}]}`, its sentences told in the best language
/// for `locale`.
pub fn brief_json(brief: &Brief, locale: &str) -> Value {
    json!({
        "date": brief.date.to_string(),
        "basis": word(&brief.basis),
        "cards": brief.cards.iter().map(|c| json!({
            "label": c.label,
            "status": c.status.as_str(),
            "paused_since": c.paused_since.map(|t| t.to_rfc3339()),
            "session_on_day": c.session_on_day,
            "last_session": c.last_session.map(|d| d.to_string()),
            "checkins": c.checkins.iter().map(|k| json!({
                "id": k.record_id.to_string(),
                "session_date": k.session_date.to_string(),
                "answers": k.answers,
                "note": k.note,
                "support_requested": k.support_requested,
                "seen": k.seen,
            })).collect::<Vec<_>>(),
            "usual": c.usual.iter().map(|(item, r)| json!({
                "item": item, "low": r.low, "median": r.median, "high": r.high,
                "sessions": r.sessions,
            })).collect::<Vec<_>>(),
            "outside": c.outside.iter().map(|o| json!({
                "item": o.item, "rating": o.rating, "above": o.above,
                "text": o.text.render_part(locale),
            })).collect::<Vec<_>>(),
            "flags": c.flags.iter().map(|f| flag_value(f, locale)).collect::<Vec<_>>(),
            "goals": c.goals.iter().map(goal_progress_value).collect::<Vec<_>>(),
            "goal_line": c.goal_line.as_ref().map(|l| l.render(locale)),
            "opening": {
                "id": c.opening.id,
                "version": c.opening.version,
                "locale": c.opening.locale,
                "text": c.opening.text,
            },
        })).collect::<Vec<_>>(),
    })
}

/// The pre-session brief for people: one card per client, its sentences
/// told in the best language for `locale`.
pub fn brief_text(brief: &Brief, locale: &str) -> String {
    let mut out = format!("Brief for {}", brief.date);
    out.push_str(match brief.basis {
        rapport_core::insights::BriefBasis::RecordedSessions => {
            " (clients with a session that day)\n"
        }
        rapport_core::insights::BriefBasis::ActiveClients => {
            " (no session recorded that day: every active client)\n"
        }
    });
    if brief.cards.is_empty() {
        out.push_str("Nobody to prepare for.\n");
    }
    for c in &brief.cards {
        out.push_str(&format!("\n{}", c.label));
        if c.paused_since.is_some() {
            out.push_str("  [paused sharing]");
        }
        if let Some(d) = c.last_session {
            out.push_str(&format!("  (last session {d})"));
        }
        out.push('\n');
        for k in &c.checkins {
            let note = k
                .note
                .as_deref()
                .map(|n| format!("  “{n}”"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {}  heard {}  hopeful {}{}{note}\n",
                k.session_date,
                rating(&k.answers, "heard"),
                rating(&k.answers, "hopeful"),
                if k.support_requested {
                    "  (asked for support)"
                } else {
                    ""
                },
            ));
        }
        let usual: Vec<String> = c
            .usual
            .iter()
            .map(|(item, r)| format!("{item} {}", r.describe().render_part(locale)))
            .collect();
        out.push_str(&format!("  usual range: {}\n", usual.join("; ")));
        for o in &c.outside {
            out.push_str(&format!("  outside it: {}\n", o.text.render_part(locale)));
        }
        if let Some(line) = &c.goal_line {
            out.push_str(&format!("  {}\n", line.render(locale)));
        }
        for f in &c.flags {
            out.push_str(&flag_block(f, "  ", false, locale));
        }
        out.push_str(&format!("  You might open with: {}\n", c.opening.text));
    }
    terminal_safe(&out)
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
            "You said you have little hope right now. That matters, and you do not have to \
             carry it alone.\n"
        }
    });
    out.push_str(&format!("{}\n\n", r.not_monitored));
    let numbers: Vec<String> = r
        .emergency_numbers
        .iter()
        .map(|n| match &n.label {
            Some(label) => format!("{} ({label})", n.shown),
            None => n.shown.clone(),
        })
        .collect();
    let plural = if numbers.len() > 1 { "s" } else { "" };
    out.push_str(&format!(
        "Emergency number{plural}: {}.\n",
        numbers.join(", ")
    ));
    if let Some(note) = &r.emergency_note {
        out.push_str(&format!("{note}\n"));
    }
    if r.lines.is_empty() {
        out.push_str(
            "We have no checked crisis line for your country: an emergency number above or the \
             nearest emergency department can help now.\n",
        );
    } else {
        match &r.region {
            Some(region) if r.chosen_country.is_some() => out.push_str(&format!(
                "People you can talk to now ({region}, the country you chose):\n"
            )),
            Some(region) => out.push_str(&format!(
                "People you can talk to now ({region}, from your locale):\n"
            )),
            None => out.push_str("People you can talk to now:\n"),
        }
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
        if let Some(latest) = r.lines.iter().map(|l| l.verified_on).max() {
            out.push_str(&format!(
                "(Numbers checked against each service's own page, up to {latest}; data version \
                 {}.)\n",
                r.data_version
            ));
        }
    }
    out
}

/// One line per client above its check-ins: trend, counts, and open flags.
/// An item whose question changed is measured from its first answer in
/// words that may be compared with the latest, and says since when.
fn client_heading(
    c: &ClientCheckIns,
    insight: Option<&ClientInsights>,
    instruments: &Instruments,
    locale: &str,
) -> String {
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
                let first_answer = c
                    .checkins
                    .iter()
                    .find(|r| r.body.answers.contains_key(&item.item));
                let run_start = instruments
                    .comparable_run(&item.item, &c.checkins)
                    .first()
                    .map(|r| r.body.session_date);
                let since = match (first_answer, run_start) {
                    (Some(first), Some(start)) if first.body.session_date != start => {
                        format!("; since {start}, when it was first asked in these words")
                    }
                    _ => String::new(),
                };
                format!(
                    "{} {}→{} (RCI {:+.2}{}{since})",
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
        if let Some(paused) = i.paused_since {
            out.push_str(&format!(
                "  paused sharing since {} (no check-in counts as missing)\n",
                paused.format("%Y-%m-%d")
            ));
        }
        if !i.goals.is_empty() {
            out.push_str("  goals they share:\n");
            for g in &i.goals {
                out.push_str(&format!("    {}\n", goal_progress_line(g)));
            }
        }
        for f in &i.flags {
            out.push_str(&flag_block(f, "  ", false, locale));
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

/// The therapist's dashboard as a table per client, with the statements
/// each edition in it asked; flags' sentences in the best language for
/// `locale`.
pub fn dashboard_table(
    clients: &[ClientCheckIns],
    insights: &[ClientInsights],
    instruments: &Instruments,
    locale: &str,
) -> String {
    let mut out = String::new();
    if clients.is_empty() {
        out.push_str(
            "No clients yet: `rapport therapist invite --label INITIALS` makes an invite.\n",
        );
    }
    for (c, insight) in in_need_order(clients, insights) {
        out.push_str(&client_heading(c, insight, instruments, locale));
        out.push_str("  session      heard  hopeful  worked-on  fit  words  seen  note\n");
        for r in &c.checkins {
            let a = &r.body.answers;
            out.push_str(&format!(
                "  {}  {:>5}  {:>7}  {:>9}  {:>3}  {:>5}  {:>4}  {}\n",
                r.body.session_date,
                rating(a, "heard"),
                rating(a, "hopeful"),
                rating(a, "worked_on"),
                rating(a, "fit"),
                format!("v{}", r.body.instrument.version),
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
    let editions = clients
        .iter()
        .flat_map(|c| c.checkins.iter().map(|r| &r.body.instrument));
    let legend = wording(instruments, editions);
    if !legend.is_empty() {
        out.push_str(&format!("\n{legend}"));
    }
    terminal_safe(&out)
}

/// Continues a multi-line text under the line it starts on.
fn indent(text: &str, by: &str) -> String {
    text.replace('\n', &format!("\n{by}"))
}

/// A client's history as JSON: `{"checkins": [{"id", "session_date",
/// "instrument": {"id", "version"}, "answers", "goal_ratings", "note", "note_private",
/// "version", "seen", "reply"}]}`, where `goal_ratings` maps goal ids to 0–10 and `reply` is
/// `null` or `{"text",
/// "written_at", "not_monitored"}`.
pub fn history_json(
    checkins: &[CheckIn],
    replies: &HashMap<Uuid, Reply>,
    not_monitored: &str,
) -> Value {
    json!({
        "checkins": checkins.iter().map(|c| json!({
            "id": c.id.to_string(),
            "session_date": c.session_date.to_string(),
            "instrument": edition_json(&c.instrument),
            "answers": c.answers,
            "goal_ratings": c.goal_ratings,
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
/// look like the start of a conversation). Under the table, the statements
/// each edition in it asked.
pub fn history_table(
    checkins: &[CheckIn],
    replies: &HashMap<Uuid, Reply>,
    not_monitored: &str,
    instruments: &Instruments,
) -> String {
    let mut out =
        String::from("session      heard  hopeful  words  status                        note\n");
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
            "{}  {:>5}  {:>7}  {:>5}  {:<28}  {}\n",
            c.session_date,
            rating(&c.answers, "heard"),
            rating(&c.answers, "hopeful"),
            format!("v{}", c.instrument.version),
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
    } else {
        out.push_str(&format!(
            "\n{}",
            wording(instruments, checkins.iter().map(|c| &c.instrument))
        ));
    }
    terminal_safe(&out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use rapport_core::DeviceId;
    use rapport_core::insights::{ClientStatus, analyse, chart_points};
    use rapport_core::sync::{CheckInBody, ReceivedCheckIn};

    fn edition(version: u32) -> InstrumentRef {
        InstrumentRef {
            id: "session-checkin".into(),
            version,
        }
    }

    fn checkin(version: u32, day: u32, heard: u8, hopeful: u8) -> CheckIn {
        let at = Utc.with_ymd_and_hms(2026, 11, day, 18, 0, 0).unwrap();
        CheckIn {
            id: Uuid::from_u128(u128::from(day)),
            instrument: edition(version),
            session_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
            note: None,
            support_requested: false,
            created_at: at,
            updated_at: at,
            version: 1,
            seen_at: None,
            goal_ratings: Default::default(),
        }
    }

    #[test]
    fn a_clients_history_reads_each_check_in_with_the_words_it_answered() {
        let instruments = Instruments::bundled().unwrap();
        let checkins = [checkin(2, 16, 4, 3), checkin(1, 9, 4, 1)];
        let table = history_table(&checkins, &HashMap::new(), "", &instruments);
        assert!(
            table.contains("2026-11-16      4        3     v2"),
            "{table}"
        );
        assert!(
            table.contains("2026-11-09      4        1     v1"),
            "{table}"
        );
        let v2 = table
            .find(
                "  v2: heard “Today I felt listened to”; hopeful “Right now I feel \
                             hopeful that things can get better”",
            )
            .unwrap_or_else(|| panic!("{table}"));
        let v1 = table
            .find(
                "  v1: heard “I felt heard and understood”; hopeful “I leave feeling more hopeful”",
            )
            .unwrap_or_else(|| panic!("{table}"));
        assert!(v2 < v1, "newest wording first");
        let json = history_json(&checkins, &HashMap::new(), "");
        assert_eq!(json["checkins"][1]["instrument"]["version"], 1);
    }

    #[test]
    fn a_therapist_sees_since_when_a_reworded_item_is_compared() {
        let instruments = Instruments::bundled().unwrap();
        let received: Vec<ReceivedCheckIn> =
            [(1, 2, 2, 1), (1, 9, 3, 2), (2, 16, 4, 4), (2, 23, 5, 3)]
                .into_iter()
                .map(|(version, day, heard, hopeful)| {
                    let c = checkin(version, day, heard, hopeful);
                    ReceivedCheckIn {
                        record_id: c.id,
                        version: 1,
                        body: CheckInBody::from_checkin(&c, &Default::default()),
                        seen: false,
                        reply: None,
                    }
                })
                .collect();
        let (items, trend) = analyse(&received, &instruments);
        let device_id = DeviceId([1; 16]);
        let insights = [ClientInsights {
            label: "M.X.".into(),
            device_id,
            status: ClientStatus::Active,
            sessions: chart_points(&received, &instruments),
            total_sessions: 4,
            items,
            trend,
            flags: Vec::new(),
            paused_since: None,
            unseen: 4,
            goals: Vec::new(),
        }];
        let clients = [ClientCheckIns {
            label: "M.X.".into(),
            device_id,
            checkins: received,
        }];
        let table = dashboard_table(&clients, &insights, &instruments, "en");
        assert!(
            table.contains(
                "since the first session: heard 2→5 (RCI +3.87, reliable), hopeful 4→3 (RCI \
                 -1.29; since 2026-11-16, when it was first asked in these words)"
            ),
            "{table}"
        );
        assert!(
            table.contains("  v1: heard “I felt heard and understood”"),
            "{table}"
        );
        let json = dashboard_json(&clients, &insights, "en");
        assert_eq!(
            json["clients"][0]["checkins"][3]["instrument"]["version"],
            2
        );
    }
}

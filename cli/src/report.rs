//! `rapport therapist report`: every client on one page, as a single HTML file
//! that opens offline in any browser and prints on A4.
//!
//! The page opens on today's brief — one compact card per client seen today
//! (or per active client when no session is recorded for today) — because
//! that is what a therapist reads between sessions; the full cards follow,
//! in the order of need core gives them.
//!
//! The file holds what clients shared, so it loads nothing from anywhere: no
//! scripts, no fonts, no images, and a Content-Security-Policy that forbids
//! them should an edit ever add one. Every piece of text a person typed
//! (labels, notes, the therapist's name) is escaped, and the chart says in
//! words what it draws, so nothing depends on seeing colour.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_core::insights::{
    Brief, BriefBasis, BriefCard, ClientInsights, ClientStatus, Flag, SessionPoint, Severity,
};
use rapport_core::model::Answers;
use rapport_core::sync::{ClientCheckIns, ReceivedCheckIn, Role};
use rapport_core::{Instrument, Store};

use crate::{Result, open_home, write_private};

/// The instrument whose items the report explains.
const INSTRUMENT: &str = "session-checkin";
/// The report's language: the prompts, scale labels and opening lines are shown in it.
const LOCALE: &str = "en";
/// The newest shared notes shown per client; the rest stay in the dashboard.
const NOTES_SHOWN: usize = 5;
/// The most recently resolved flags shown per client; the rest stay in
/// `rapport therapist flags --all`.
const RESOLVED_SHOWN: usize = 3;

/// Writes the report of the therapist home at `home` to `out`.
pub fn run(home: &Path, out: &Path) -> Result<()> {
    let store = open_home(home)?;
    let clients = write(&store, out)?;
    println!(
        "Wrote the report on {clients} client(s) to {}. It holds what your clients shared: keep \
         it as you keep your notes. It opens offline in any browser.",
        out.display()
    );
    Ok(())
}

/// Renders the report of `store` into `out` (readable by the owner only);
/// returns how many clients it covers.
pub fn write(store: &Store, out: &Path) -> Result<usize> {
    let account = store
        .account()?
        .ok_or("this home is not set up yet: run `rapport therapist init` first")?;
    if account.role != Role::Therapist {
        return Err("this is a client's home: the report is made from the therapist's home".into());
    }
    let report = Report::of(store, chrono::Local::now().date_naive())?;
    let instrument = store
        .instruments()
        .latest(INSTRUMENT)
        .ok_or("the session check-in instrument is missing from this build")?;
    let html = render(&account.name, Utc::now(), &report, instrument);
    write_private(out, html.as_bytes())?;
    Ok(report.clients.len().max(report.insights.len()))
}

/// What the report is made of, read from the therapist's store.
pub struct Report {
    /// Every client's check-ins.
    pub clients: Vec<ClientCheckIns>,
    /// Every client's insights, in the order of need core gives.
    pub insights: Vec<ClientInsights>,
    /// Flags that have ended, most recently resolved first.
    pub resolved: Vec<Flag>,
    /// The brief for the day the report is made.
    pub brief: Brief,
}

impl Report {
    /// Reads everything the report shows, with the brief for `today` (the
    /// therapist's local date).
    pub fn of(store: &Store, today: NaiveDate) -> Result<Report> {
        Ok(Report {
            clients: store.dashboard()?,
            insights: store.insights()?,
            resolved: store
                .flags(true)?
                .into_iter()
                .filter(|f| !f.is_open())
                .collect(),
            brief: store.brief(today, None, LOCALE)?,
        })
    }
}

/// The whole report as one self-contained HTML document: the brief first,
/// then one card per client in the order of need of `report.insights`
/// (clients the insights do not know yet last).
pub fn render(
    therapist_name: &str,
    generated_at: DateTime<Utc>,
    report: &Report,
    instrument: &Instrument,
) -> String {
    let checkins_of = |device_id| {
        report
            .clients
            .iter()
            .find(|c| c.device_id == device_id)
            .map(|c| c.checkins.as_slice())
            .unwrap_or(&[])
    };
    let mut cards: Vec<Card> = report
        .insights
        .iter()
        .map(|i| Card {
            label: &i.label,
            checkins: checkins_of(i.device_id),
            insight: Some(i),
            resolved: report
                .resolved
                .iter()
                .filter(|f| f.client == i.device_id)
                .take(RESOLVED_SHOWN)
                .collect(),
        })
        .collect();
    // A client the dashboard knows but the insights do not still gets a card.
    cards.extend(
        report
            .clients
            .iter()
            .filter(|c| !report.insights.iter().any(|i| i.device_id == c.device_id))
            .map(|c| Card {
                label: &c.label,
                checkins: &c.checkins,
                insight: None,
                resolved: Vec::new(),
            }),
    );

    let flags: Vec<&Flag> = cards.iter().flat_map(|c| c.flags()).collect();
    let urgent = flags
        .iter()
        .filter(|f| f.severity == Severity::Urgent)
        .count();
    let name = escape(therapist_name);
    let generated = generated_at.format("%-d %b %Y, %H:%M UTC");

    let mut html = String::with_capacity(24_576 + 8_192 * cards.len());
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Session check-ins — {name}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="page-header">
<h1>Session check-ins — {name}</h1>
<p class="meta">Generated <time datetime="{iso}">{generated}</time></p>
<p class="summary">{summary}</p>
</header>
<main>
"#,
        iso = generated_at.to_rfc3339(),
        summary = summary_line(cards.len(), flags.len(), urgent),
    );
    render_brief(&report.brief, &mut html);
    html.push_str(
        "<section class=\"about\" aria-label=\"About this report\">\n<p class=\"notice\" \
         role=\"note\"><strong>Rapport is not a crisis service.</strong> Check-ins are not \
         watched in real time, and clients are told so: a flag here waits until you read it.</p>\n\
         <p class=\"legend\">Ratings run from 1 (not at all) to 5 (completely). Change is since \
         the first session; RCI is the reliable change index, shown as a figure: a change \
         beyond ±1.96 is marked <em>reliable</em>, but one 1–5 rating is a rough measure, so \
         read it beside the numbers. A flag resolves itself when \
         a later check-in is back in the client's usual range, or when you mark it \
         discussed.</p>\n</section>\n",
    );
    if cards.is_empty() {
        html.push_str(
            "<p class=\"empty\">No clients yet: <code>rapport therapist invite --label \
             INITIALS</code> makes an invite.</p>\n",
        );
    } else {
        html.push_str("<div class=\"cards\">\n");
        for (n, card) in cards.iter().enumerate() {
            card.render(n + 1, instrument, &mut html);
        }
        html.push_str("</div>\n");
    }
    html.push_str(
        "</main>\n<footer class=\"page-footer\"><p>This file holds what your clients chose to \
         share. Keep it as you keep your session notes, and delete it when you no longer need \
         it.</p></footer>\n</body>\n</html>\n",
    );
    html
}

/// "3 clients, 4 open flags of which 1 urgent."
fn summary_line(clients: usize, flags: usize, urgent: usize) -> String {
    let clients = plural(clients, "client", "clients");
    match (flags, urgent) {
        (0, _) => format!("{clients}, no open flags."),
        (_, 0) => format!(
            "{clients}, {}, none urgent.",
            plural(flags, "open flag", "open flags")
        ),
        _ => format!(
            "{clients}, {} of which {urgent} urgent.",
            plural(flags, "open flag", "open flags")
        ),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The brief: the first thing on the page.
fn render_brief(brief: &Brief, html: &mut String) {
    let basis = match brief.basis {
        BriefBasis::RecordedSessions => "The clients with a session recorded for this day",
        BriefBasis::ActiveClients => "No session is recorded for this day: every active client",
    };
    let _ = write!(
        html,
        "<section class=\"brief\" aria-labelledby=\"brief-title\">\n<h2 id=\"brief-title\">Today \
         — <time datetime=\"{date}\">{day}</time></h2>\n<p class=\"brief-basis\">{basis}, most \
         needed first. The opening lines are suggestions, not a script.</p>\n",
        date = brief.date,
        day = long_date(brief.date),
    );
    if brief.cards.is_empty() {
        html.push_str("<p class=\"quiet\">Nobody to prepare for.</p>\n</section>\n");
        return;
    }
    html.push_str("<div class=\"brief-cards\">\n");
    for card in &brief.cards {
        render_brief_card(card, html);
    }
    html.push_str("</div>\n</section>\n");
}

fn render_brief_card(card: &BriefCard, html: &mut String) {
    let top = card.flags.first();
    let class = match top.map(|f| f.severity) {
        Some(Severity::Urgent) => "brief-card attention-urgent",
        Some(Severity::High) => "brief-card attention-high",
        _ => "brief-card",
    };
    let _ = write!(
        html,
        "<article class=\"{class}\">\n<h3>{}</h3>\n",
        escape(&card.label)
    );
    let mut when = Vec::new();
    if card.session_on_day {
        when.push("session today".to_owned());
    }
    match card.last_session {
        Some(d) => when.push(format!("last session {}", long_date(d))),
        None => when.push("no session recorded before".to_owned()),
    }
    if let Some(paused) = card.paused_since {
        when.push(format!(
            "paused sharing on {}",
            long_date(paused.date_naive())
        ));
    }
    if let Some(status) = status_text(&card.status) {
        when.push(status);
    }
    let _ = writeln!(
        html,
        "<p class=\"brief-when\">{}</p>",
        escape(&when.join("; "))
    );

    match top {
        Some(flag) => {
            let more = match card.flags.len() {
                1 => String::new(),
                n => format!(
                    " <span class=\"when\">(and {} more open)</span>",
                    plural(n - 1, "flag", "flags")
                ),
            };
            let _ = writeln!(
                html,
                "<p class=\"brief-flag severity-{severity}\"><span class=\"severity\">{word}</span> \
                 <code class=\"kind\">{kind}</code> {headline}{more}</p>",
                severity = flag.severity.as_str(),
                word = capitalised(flag.severity.as_str()),
                kind = escape(flag.kind.id()),
                headline = escape(&flag.headline),
            );
        }
        None => html.push_str("<p class=\"brief-flag quiet\">No open flag.</p>\n"),
    }

    if card.outside.is_empty() {
        html.push_str("<p class=\"brief-range quiet\">Within the usual range.</p>\n");
    } else {
        let outside: Vec<String> = card.outside.iter().map(|o| escape(&o.text)).collect();
        let _ = writeln!(
            html,
            "<p class=\"brief-range\">Outside the usual range: {}.</p>",
            outside.join("; ")
        );
    }

    if card.checkins.is_empty() {
        html.push_str("<p class=\"quiet\">No check-in since the last session.</p>\n");
    } else {
        html.push_str("<ul class=\"brief-checkins\">\n");
        for c in &card.checkins {
            let support = if c.support_requested {
                " <strong class=\"support-word\">asked for support</strong>"
            } else {
                ""
            };
            let _ = write!(
                html,
                "<li><time datetime=\"{date}\">{day}</time> {ratings}{support}",
                date = c.session_date,
                day = long_date(c.session_date),
                ratings = escape(&ratings(&c.answers)),
            );
            if let Some(note) = c.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                let _ = write!(html, "<blockquote>{}</blockquote>", escape(note));
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ul>\n");
    }
    let _ = writeln!(
        html,
        "<p class=\"opening\"><span class=\"opening-word\">Opening:</span> “{}”</p>\n</article>",
        escape(&card.opening.text)
    );
}

/// "heard 4, hopeful 3", in the instrument's item order.
fn ratings(answers: &Answers) -> String {
    let mut parts: Vec<String> = ["heard", "hopeful"]
        .iter()
        .filter_map(|item| Some(format!("{item} {}", answers.get(*item)?)))
        .collect();
    parts.extend(
        answers
            .iter()
            .filter(|(item, _)| !matches!(item.as_str(), "heard" | "hopeful"))
            .map(|(item, v)| format!("{} {v}", item.replace('_', " "))),
    );
    parts.join(", ")
}

fn capitalised(word: &str) -> String {
    let mut out = word.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// One client's card: what the report knows of them.
struct Card<'a> {
    label: &'a str,
    checkins: &'a [ReceivedCheckIn],
    insight: Option<&'a ClientInsights>,
    /// The client's most recently resolved flags.
    resolved: Vec<&'a Flag>,
}

impl Card<'_> {
    fn flags(&self) -> &[Flag] {
        self.insight.map(|i| i.flags.as_slice()).unwrap_or(&[])
    }

    /// The border of the card: the most urgent open flag's severity.
    fn attention_class(&self) -> &'static str {
        match self.flags().iter().map(|f| f.severity).min() {
            Some(Severity::Urgent) => "client-card attention-urgent",
            Some(Severity::High) => "client-card attention-high",
            _ => "client-card",
        }
    }

    /// The series the chart draws: the one the insights were computed from,
    /// or the check-ins themselves when there are no insights.
    fn points(&self) -> Vec<SessionPoint> {
        match self.insight {
            Some(i) if !i.sessions.is_empty() || self.checkins.is_empty() => i.sessions.clone(),
            _ => self
                .checkins
                .iter()
                .map(|c| SessionPoint {
                    record_id: c.record_id,
                    session_date: c.body.session_date,
                    answers: c.body.answers.clone(),
                    support_requested: c.body.support_requested,
                })
                .collect(),
        }
    }

    fn render(&self, n: usize, instrument: &Instrument, html: &mut String) {
        let id = format!("client-{n}");
        let label = escape(self.label);
        let points = self.points();
        let class = self.attention_class();
        let _ = write!(
            html,
            "<section class=\"{class}\" aria-labelledby=\"{id}\">\n\
             <div class=\"card-head\"><h2 id=\"{id}\">{label}</h2>\n<p class=\"badges\">"
        );
        if let Some(i) = self.insight {
            let trend = i.trend.as_str();
            let _ = write!(
                html,
                "<span class=\"badge trend trend-{}\">Trend: {trend}</span>",
                trend.replace(' ', "-")
            );
            if let Some(status) = status_text(&i.status) {
                let _ = write!(html, " <span class=\"badge status\">{status}</span>");
            }
        }
        html.push_str("</p></div>\n");
        let _ = writeln!(html, "<p class=\"facts\">{}</p>", self.facts(&points));

        html.push_str("<h3>Open flags</h3>\n");
        if self.flags().is_empty() {
            html.push_str("<p class=\"quiet\">None open.</p>\n");
        } else {
            html.push_str("<ul class=\"flags\">\n");
            for f in self.flags() {
                render_flag(f, html);
            }
            html.push_str("</ul>\n");
        }
        if !self.resolved.is_empty() {
            html.push_str("<h3>Resolved</h3>\n<ul class=\"resolved\">\n");
            for f in &self.resolved {
                render_resolved(f, html);
            }
            html.push_str("</ul>\n");
        }

        html.push_str("<h3>Heard and hopeful, session by session</h3>\n");
        if points.is_empty() {
            html.push_str(
                "<p class=\"quiet\">No check-ins yet, so there is nothing to chart.</p>\n",
            );
        } else {
            html.push_str(&chart::render(&id, self.label, &points));
        }

        if let Some(i) = self.insight.filter(|i| !i.items.is_empty()) {
            render_ratings(i, points.len(), instrument, html);
        }
        self.render_notes(html);
        html.push_str("</section>\n");
    }

    /// "6 check-ins, the latest for 14 Dec 2026; 2 not acknowledged yet."
    fn facts(&self, points: &[SessionPoint]) -> String {
        let count = points.len().max(self.checkins.len());
        let mut out = plural(count, "check-in", "check-ins");
        if let Some(last) = points.last() {
            let _ = write!(out, ", the latest for {}", long_date(last.session_date));
        }
        match self.insight.map(|i| i.unseen).unwrap_or(0) {
            0 => out.push('.'),
            unseen => {
                let _ = write!(out, "; {unseen} not acknowledged yet.");
            }
        }
        out
    }

    fn render_notes(&self, html: &mut String) {
        let notes: Vec<(NaiveDate, &str)> = self
            .checkins
            .iter()
            .rev()
            .filter_map(|c| {
                let note = c.body.shared_note.as_deref()?.trim();
                (!note.is_empty()).then_some((c.body.session_date, note))
            })
            .collect();
        html.push_str("<h3>Shared notes</h3>\n");
        if notes.is_empty() {
            html.push_str("<p class=\"quiet\">No shared notes.</p>\n");
            return;
        }
        html.push_str("<ul class=\"notes\">\n");
        for (date, note) in notes.iter().take(NOTES_SHOWN) {
            let _ = writeln!(
                html,
                "<li><time datetime=\"{date}\">{}</time><blockquote>{}</blockquote></li>",
                long_date(*date),
                escape(note)
            );
        }
        html.push_str("</ul>\n");
        if notes.len() > NOTES_SHOWN {
            let _ = writeln!(
                html,
                "<p class=\"quiet\">{} not shown here: <code>rapport therapist \
                 dashboard</code> lists them all.</p>",
                plural(notes.len() - NOTES_SHOWN, "earlier note", "earlier notes")
            );
        }
    }
}

/// An open flag: severity in words, kind, headline, and every reason with
/// its rule id, so the therapist sees which numbers gave it.
fn render_flag(f: &Flag, html: &mut String) {
    let severity = f.severity.as_str();
    let escalated = if f.escalated {
        " <span class=\"escalated\">escalated after silence</span>"
    } else {
        ""
    };
    let since = if f.updated_on == f.opened_on {
        format!("opened {}", long_date(f.opened_on))
    } else {
        format!(
            "opened {}, updated {}",
            long_date(f.opened_on),
            long_date(f.updated_on)
        )
    };
    let _ = write!(
        html,
        "<li class=\"flag severity-{severity}\"><p class=\"flag-head\"><span \
         class=\"severity\">{word}</span> <code class=\"kind\">{kind}</code>{escalated} <span \
         class=\"when\">{since}</span></p>\n<p class=\"headline\">{headline}</p>\n\
         <ul class=\"reasons\">\n",
        word = capitalised(severity),
        kind = escape(f.kind.id()),
        headline = escape(&f.headline),
    );
    for r in &f.reasons {
        // The reason's text already names its RCI where it has one.
        let _ = writeln!(
            html,
            "<li class=\"reason\"><code class=\"rule\">{rule}</code> {text}</li>",
            rule = escape(r.rule.id()),
            text = escape(&r.text),
        );
    }
    if f.earlier_reasons > 0 {
        let _ = writeln!(
            html,
            "<li class=\"quiet\">{} from earlier check-ins are in the flag's history.</li>",
            plural(f.earlier_reasons as usize, "reason", "reasons")
        );
    }
    let _ = writeln!(
        html,
        "</ul>\n<p class=\"flag-id\">Mark discussed with <code>rapport therapist discussed \
         --flag {id}</code></p></li>",
        id = escape(&f.id),
    );
}

/// A resolved flag, in one line: what it was and what ended it.
fn render_resolved(f: &Flag, html: &mut String) {
    let how = f
        .resolution
        .as_ref()
        .map(|r| escape(&r.text))
        .unwrap_or_default();
    let _ = writeln!(
        html,
        "<li><code class=\"kind\">{kind}</code> <span class=\"when\">opened {opened}</span> \
         {how}</li>",
        kind = escape(f.kind.id()),
        opened = long_date(f.opened_on),
    );
}

/// The latest rating per item, and its change since the first session.
fn render_ratings(i: &ClientInsights, sessions: usize, instrument: &Instrument, html: &mut String) {
    html.push_str(
        "<h3>Ratings</h3>\n<table class=\"ratings\">\n<thead><tr><th scope=\"col\">Statement</th>\
         <th scope=\"col\">Latest</th><th scope=\"col\">First</th><th scope=\"col\">Change</th>\
         <th scope=\"col\">RCI</th></tr></thead>\n<tbody>\n",
    );
    for item in &i.items {
        let spec = instrument.item(&item.item);
        let prompt = spec
            .map(|s| s.prompt_in(instrument, LOCALE))
            .filter(|p| !p.is_empty())
            .unwrap_or(&item.item);
        let scale_word = |value: u8| -> String {
            spec.and_then(|s| {
                let labels = s.scale.labels.get(instrument.resolve_locale(LOCALE))?;
                labels.get(usize::from(value.checked_sub(s.scale.min)?))
            })
            .map(|word| format!(" <span class=\"scale-word\">{}</span>", escape(word)))
            .unwrap_or_default()
        };
        let (change, rci) = if sessions < 2 {
            ("—".to_owned(), "—".to_owned())
        } else {
            let mut change = format!("{:+}", item.change).replace('-', "−");
            if item.reliable {
                let direction = if item.change > 0 {
                    "improvement"
                } else {
                    "deterioration"
                };
                let _ = write!(
                    change,
                    " <strong class=\"reliable reliable-{direction}\">reliable {direction}</strong>"
                );
            }
            (change, format!("{:+.2}", item.rci).replace('-', "−"))
        };
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{}{}</td><td>{}</td><td>{}</td><td>{rci}</td></tr>",
            escape(prompt),
            item.latest,
            scale_word(item.latest),
            item.first,
            change,
        );
    }
    html.push_str("</tbody>\n</table>\n");
}

/// How a pairing ended, for a client who is no longer sharing.
fn status_text(status: &ClientStatus) -> Option<String> {
    match status {
        ClientStatus::Active => None,
        ClientStatus::Left(at) => Some(format!("Left on {}", long_date(at.date_naive()))),
        ClientStatus::Erased(at) => Some(format!(
            "Erased their check-ins on {}",
            long_date(at.date_naive())
        )),
        ClientStatus::Revoked(at) => Some(format!(
            "Sharing ended by you on {}",
            long_date(at.date_naive())
        )),
    }
}

fn long_date(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// Text made safe for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The line chart of heard and hopeful over sessions, as inline SVG.
mod chart {
    use std::fmt::Write as _;

    use chrono::{Datelike, NaiveDate};
    use rapport_core::insights::SessionPoint;

    use super::escape;

    const WIDTH: f64 = 520.0;
    const HEIGHT: f64 = 232.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 504.0;
    const TOP: f64 = 30.0;
    const BOTTOM: f64 = 192.0;
    /// Room between the y axis and the first and last session.
    const INSET: f64 = 18.0;
    /// At most this many dates under the x axis; the rest are thinned out.
    const MAX_DATE_LABELS: usize = 8;

    struct Line {
        item: &'static str,
        name: &'static str,
    }

    const LINES: [Line; 2] = [
        Line {
            item: "heard",
            name: "Heard",
        },
        Line {
            item: "hopeful",
            name: "Hopeful",
        },
    ];

    fn x(i: usize, n: usize) -> f64 {
        if n <= 1 {
            (LEFT + RIGHT) / 2.0
        } else {
            LEFT + INSET + i as f64 * (RIGHT - LEFT - 2.0 * INSET) / (n - 1) as f64
        }
    }

    fn y(value: u8) -> f64 {
        BOTTOM - (f64::from(value.clamp(1, 5)) - 1.0) / 4.0 * (BOTTOM - TOP)
    }

    /// The chart, with a title and a description that say what it shows.
    pub(super) fn render(id: &str, label: &str, points: &[SessionPoint]) -> String {
        let n = points.len();
        let one_year = points
            .first()
            .zip(points.last())
            .is_some_and(|(a, b)| a.session_date.year() == b.session_date.year());
        let mut svg = String::with_capacity(4096);
        let _ = write!(
            svg,
            "<figure class=\"chart-figure\">\n<svg class=\"chart\" role=\"img\" \
             aria-labelledby=\"{id}-chart-title {id}-chart-desc\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             preserveAspectRatio=\"xMidYMid meet\">\n<title id=\"{id}-chart-title\">Heard and \
             hopeful ratings of {label}, by session</title>\n<desc id=\"{id}-chart-desc\">{desc}</desc>\n",
            label = escape(label),
            desc = escape(&description(points, one_year)),
        );
        // Axes and grid: ratings 1 to 5 up the side.
        for value in 1..=5u8 {
            let _ = writeln!(
                svg,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\">{value}</text>",
                y = y(value),
                tx = LEFT - 8.0,
                ty = y(value) + 4.0,
            );
        }
        let _ = write!(
            svg,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{BOTTOM}\"/>\
             <line class=\"axis\" x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{BOTTOM}\" y2=\"{BOTTOM}\"/>\n\
             <text class=\"axis-name\" x=\"{LEFT}\" y=\"{ny}\" text-anchor=\"middle\">rating</text>\n",
            ny = TOP - 14.0,
        );
        // Dates along the bottom, thinned out so they never overlap.
        let step = n.div_ceil(MAX_DATE_LABELS).max(1);
        for (i, p) in points.iter().enumerate() {
            let last = i + 1 == n;
            if !(last || (i % step == 0 && n - 1 - i >= step)) {
                continue;
            }
            let text = if one_year {
                p.session_date.format("%-d %b")
            } else {
                p.session_date.format("%b %Y")
            };
            let _ = writeln!(
                svg,
                "<text class=\"tick date\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{text}</text>",
                x(i, n),
                BOTTOM + 20.0
            );
        }
        // Sessions where the client asked for support: a marker above the plot.
        for (i, p) in points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.support_requested)
        {
            let cx = x(i, n);
            let _ = writeln!(
                svg,
                "<g class=\"support\"><title>Asked for support: session of {date}</title>\
                 <line x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"{top}\" y2=\"{BOTTOM}\"/>\
                 <path d=\"M{l:.1} {t1} L{r:.1} {t1} L{cx:.1} {t2} Z\"/></g>",
                date = p.session_date.format("%-d %b %Y"),
                top = TOP - 4.0,
                l = cx - 6.0,
                r = cx + 6.0,
                t1 = TOP - 16.0,
                t2 = TOP - 5.0,
            );
        }
        // Lines first, then markers: hopeful's hollow squares under heard's
        // dots, so equal ratings show both (a dot inside a square).
        if n > 1 {
            for line in &LINES {
                let _ = writeln!(
                    svg,
                    "<path class=\"line-{}\" d=\"{}\"/>",
                    line.item,
                    path(points, line.item)
                );
            }
        }
        for line in LINES.iter().rev() {
            for (i, p) in points.iter().enumerate() {
                let Some(&value) = p.answers.get(line.item) else {
                    continue;
                };
                let (cx, cy) = (x(i, n), y(value));
                let title = format!(
                    "<title>{} {value}, session of {}</title>",
                    line.name,
                    p.session_date.format("%-d %b %Y")
                );
                let _ = if line.item == "heard" {
                    writeln!(
                        svg,
                        "<circle class=\"point point-heard\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" \
                         r=\"3.6\">{title}</circle>"
                    )
                } else {
                    writeln!(
                        svg,
                        "<rect class=\"point point-hopeful\" x=\"{:.1}\" y=\"{:.1}\" \
                         width=\"11\" height=\"11\">{title}</rect>",
                        cx - 5.5,
                        cy - 5.5
                    )
                };
            }
        }
        svg.push_str("</svg>\n<figcaption class=\"chart-key\">");
        svg.push_str(
            "<span class=\"key\"><svg width=\"30\" height=\"12\" aria-hidden=\"true\">\
             <line class=\"key-heard\" x1=\"1\" x2=\"29\" y1=\"6\" y2=\"6\"/>\
             <circle class=\"point-heard\" cx=\"15\" cy=\"6\" r=\"3.6\"/></svg>Heard (solid line, \
             round markers)</span> <span class=\"key\"><svg width=\"30\" height=\"12\" \
             aria-hidden=\"true\"><line class=\"key-hopeful\" x1=\"1\" x2=\"29\" y1=\"6\" \
             y2=\"6\"/><rect class=\"point-hopeful\" x=\"10\" y=\"1\" width=\"10\" height=\"10\"/>\
             </svg>Hopeful (dashed line, square markers)</span>",
        );
        if points.iter().any(|p| p.support_requested) {
            svg.push_str(
                " <span class=\"key\"><svg width=\"16\" height=\"12\" aria-hidden=\"true\">\
                 <path class=\"key-support\" d=\"M2 1 L14 1 L8 11 Z\"/></svg>Asked for support\
                 </span>",
            );
        }
        svg.push_str("</figcaption>\n</figure>\n");
        svg
    }

    /// The line through every rated session; a session without the item
    /// breaks it rather than being bridged.
    fn path(points: &[SessionPoint], item: &str) -> String {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, p) in points.iter().enumerate() {
            match p.answers.get(item) {
                Some(&value) => {
                    let _ = write!(
                        d,
                        "{}{:.1} {:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i, points.len()),
                        y(value)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        d.trim_end().to_owned()
    }

    /// The chart in words: where each line started and ended, every value,
    /// and the sessions with a request for support.
    fn description(points: &[SessionPoint], one_year: bool) -> String {
        let day = |d: NaiveDate| {
            if one_year {
                d.format("%-d %b").to_string()
            } else {
                d.format("%-d %b %Y").to_string()
            }
        };
        let series = |item: &str| -> Vec<(NaiveDate, u8)> {
            points
                .iter()
                .filter_map(|p| Some((p.session_date, *p.answers.get(item)?)))
                .collect()
        };
        let (heard, hopeful) = (series("heard"), series("hopeful"));
        let mut out = match points {
            [] => "No check-ins yet.".to_owned(),
            [only] => {
                let rating = |s: &[(NaiveDate, u8)]| {
                    s.first()
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_else(|| "not rated".into())
                };
                format!(
                    "One check-in so far, for the session of {}: heard {}, hopeful {}.",
                    day(only.session_date),
                    rating(&heard),
                    rating(&hopeful)
                )
            }
            _ => {
                let span = |s: &[(NaiveDate, u8)], with_dates: bool| match (s.first(), s.last()) {
                    (Some((d0, v0)), Some((d1, v1))) if with_dates => {
                        format!("went from {v0} on {} to {v1} on {}", day(*d0), day(*d1))
                    }
                    (Some((_, v0)), Some((_, v1))) => format!("from {v0} to {v1}"),
                    _ => "was not rated".to_owned(),
                };
                let values = |s: &[(NaiveDate, u8)]| {
                    s.iter()
                        .map(|(_, v)| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let ends = |s: &[(NaiveDate, u8)]| (s.first().map(|p| p.0), s.last().map(|p| p.0));
                format!(
                    "Hopeful {}; heard {}. Session by session, heard: {}; hopeful: {}.",
                    span(&hopeful, true),
                    span(&heard, ends(&heard) != ends(&hopeful)),
                    values(&heard),
                    values(&hopeful)
                )
            }
        };
        let support: Vec<String> = points
            .iter()
            .filter(|p| p.support_requested)
            .map(|p| day(p.session_date))
            .collect();
        if !support.is_empty() {
            let _ = write!(out, " Asked for support: {}.", support.join(", "));
        }
        out
    }
}

/// Calm, print-friendly, and readable without colour: every state is also a word.
const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #4a5561; --line: #d5dae0; --page: #f4f5f2; --card: #ffffff;
  --heard: #1d4ed8; --hopeful: #a84900; --support: #b42318; }
* { box-sizing: border-box; }
html { background: var(--page); color: var(--ink); }
body { margin: 0 auto; max-width: 1240px; padding: 2rem 1.5rem 3rem;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .25rem; font-weight: 650; }
h2 { font-size: 1.3rem; margin: 0; line-height: 1.3; overflow-wrap: anywhere; }
h3 { font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted);
  margin: 1.25rem 0 .5rem; font-weight: 650; }
p { margin: 0 0 .5rem; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: .85em;
  background: #eef0f2; padding: .05em .3em; border-radius: 3px; }
.page-header { margin-bottom: 1.75rem; max-width: 60rem; }
.meta, .legend, .quiet, .facts { color: var(--muted); }
.summary { font-size: 1.1rem; font-weight: 600; }
.legend { font-size: .92rem; }
.notice { background: #fff8e6; border: 1px solid #e8d49a; border-left: 4px solid #a86b00;
  padding: .6rem .9rem; border-radius: 6px; margin-top: .75rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 32rem), 1fr));
  gap: 1.5rem; align-items: start; }
.client-card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1.25rem 1.4rem 1.1rem; box-shadow: 0 1px 2px rgba(31, 41, 51, .06); }
.client-card.attention-urgent { border-top: 5px solid var(--support); }
.client-card.attention-high { border-top: 5px solid #c2410c; }
.card-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between;
  gap: .4rem .75rem; }
.badges { margin: 0; display: flex; flex-wrap: wrap; gap: .4rem; }
.badge { display: inline-block; font-size: .82rem; font-weight: 600; padding: .15rem .6rem;
  border-radius: 999px; border: 1px solid currentColor; }
.trend-improving { background: #e6f4ea; color: #17542c; }
.trend-steady { background: #eef2f7; color: #2f3f52; }
.trend-worsening { background: #fdecea; color: #8a1f11; }
.trend-not-enough-data, .status { background: #f1f1ee; color: #4a5561; }
.facts { font-size: .92rem; margin-top: .35rem; }
ul.flags, ul.notes, ul.resolved, ul.brief-checkins { list-style: none; margin: 0; padding: 0; }
.flag { border-left: 4px solid #8a96a3; background: #f7f8f9; border-radius: 0 6px 6px 0;
  padding: .5rem .75rem; margin-bottom: .5rem; }
.flag p { margin: 0; }
.flag-head { font-size: .9rem; }
.headline { margin: .2rem 0; font-weight: 550; }
ul.reasons { margin: .2rem 0 .3rem; padding-left: 1.1rem; font-size: .9rem; }
.reasons li { margin-bottom: .15rem; }
.severity { font-weight: 700; text-transform: uppercase; letter-spacing: .04em; font-size: .8rem; }
.severity-urgent { border-left-color: var(--support); background: #fdf0ef; }
.severity-urgent .severity { color: #8f1a10; }
.severity-high { border-left-color: #c2410c; background: #fdf3ec; }
.severity-high .severity { color: #8a330a; }
.severity-medium { border-left-color: #a86b00; }
.severity-medium .severity { color: #6b4500; }
.escalated { font-size: .8rem; font-weight: 650; color: #8a330a; }
.when, .flag-id { color: var(--muted); font-size: .85rem; }
.resolved li { font-size: .88rem; color: var(--muted); margin-bottom: .3rem; }
.brief { margin-bottom: 1.75rem; }
.brief > h2 { margin-bottom: .25rem; }
.brief-basis { color: var(--muted); font-size: .92rem; }
.brief-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 19rem), 1fr));
  gap: .9rem; align-items: start; }
.brief-card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem .9rem .6rem; font-size: .9rem; }
.brief-card.attention-urgent { border-top: 4px solid var(--support); }
.brief-card.attention-high { border-top: 4px solid #c2410c; }
.brief-card h3 { font-size: 1.05rem; letter-spacing: 0; text-transform: none; color: var(--ink);
  margin: 0 0 .15rem; overflow-wrap: anywhere; }
.brief-when { color: var(--muted); font-size: .82rem; }
.brief-flag { border-left: 3px solid #8a96a3; padding-left: .5rem; }
.brief-flag.quiet { border-left: none; padding-left: 0; }
.brief-checkins li { margin-bottom: .35rem; font-size: .85rem; }
.brief-checkins time { font-weight: 600; color: var(--muted); }
.brief-checkins blockquote { margin: .1rem 0 0; padding-left: .6rem; border-left: 3px solid #cfd6dd;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.support-word { color: #8f1a10; }
.opening { margin: .4rem 0 0; font-style: italic; }
.opening-word { font-style: normal; font-weight: 650; color: var(--muted); }
.about { max-width: 60rem; margin-bottom: 1.5rem; }
.chart-figure { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; max-height: 18rem; }
svg.chart text { font-family: inherit; font-size: 12px; fill: #3c4650; }
svg.chart .axis-name { font-size: 11px; }
svg.chart .grid { stroke: #e3e7eb; stroke-width: 1; }
svg.chart .axis { stroke: #7b8794; stroke-width: 1; }
svg.chart path.line-heard, svg.chart path.line-hopeful { fill: none; stroke-linejoin: round; }
svg.chart path.line-heard { stroke-width: 3.5; stroke-linecap: round; }
svg.chart path.line-hopeful { stroke-width: 2; }
svg.chart path.line-heard, .key-heard { stroke: var(--heard); }
svg.chart path.line-hopeful, .key-hopeful { stroke: var(--hopeful); stroke-dasharray: 6 5; }
.key-heard { stroke-width: 3.5; }
.key-hopeful { stroke-width: 2; }
.point-heard { fill: var(--heard); }
.point-hopeful { fill: #fff; stroke: var(--hopeful); stroke-width: 2; }
.support line { stroke: var(--support); stroke-width: 1.2; stroke-dasharray: 2 3; }
.support path, .key-support { fill: var(--support); }
.chart-key { display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; font-size: .85rem; color: var(--muted);
  margin-top: .25rem; }
.key { display: inline-flex; align-items: center; gap: .4rem; }
table.ratings { width: 100%; border-collapse: collapse; font-size: .92rem; }
.ratings th, .ratings td { text-align: left; padding: .4rem .5rem .4rem 0;
  border-bottom: 1px solid #e6e9ec; vertical-align: top; }
.ratings thead th { font-size: .78rem; color: var(--muted); font-weight: 600; }
.ratings tbody th { font-weight: 500; }
.ratings td { white-space: nowrap; font-variant-numeric: tabular-nums; }
.scale-word { color: var(--muted); font-size: .85em; }
.reliable { display: block; font-size: .78rem; font-weight: 650; }
.reliable-improvement { color: #17542c; }
.reliable-deterioration { color: #8a1f11; }
.notes li { margin-bottom: .6rem; }
.notes time { display: block; font-size: .8rem; color: var(--muted); font-weight: 600; }
.notes blockquote { margin: .1rem 0 0; padding: .1rem 0 .1rem .75rem; border-left: 3px solid #cfd6dd;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.page-footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  html, body { background: none; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .cards { display: block; }
  .client-card { break-inside: avoid; page-break-inside: avoid; box-shadow: none;
    border: 1px solid #9aa5b1; margin-bottom: 8mm; }
  .notice, .flag, .badge, code { background: none; }
  .brief-card { break-inside: avoid; page-break-inside: avoid; }
  svg.chart { max-height: 65mm; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rapport_core::insights::{
        BriefCheckIn, FlagKind, Opening, OutsideRange, Reason, Rule, UsualRange,
    };
    use rapport_core::sync::CheckInBody;
    use rapport_core::{DeviceId, InstrumentRef, Instruments};
    use uuid::Uuid;

    fn instrument() -> Instrument {
        Instruments::bundled()
            .unwrap()
            .latest(INSTRUMENT)
            .unwrap()
            .clone()
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    /// A client with one check-in per `(date, heard, hopeful, note, support)`.
    fn client(
        n: u8,
        label: &str,
        sessions: &[(NaiveDate, u8, u8, Option<&str>, bool)],
        flags: Vec<Flag>,
    ) -> (ClientCheckIns, ClientInsights) {
        let device_id = DeviceId([n; 16]);
        let at = Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap();
        let checkins: Vec<ReceivedCheckIn> = sessions
            .iter()
            .enumerate()
            .map(
                |(i, &(day, heard, hopeful, note, support))| ReceivedCheckIn {
                    record_id: Uuid::from_u128(u128::from(n) << 64 | i as u128),
                    version: 1,
                    seen: false,
                    reply: None,
                    body: CheckInBody {
                        instrument: InstrumentRef {
                            id: INSTRUMENT.into(),
                            version: 1,
                        },
                        session_date: day,
                        answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
                        shared_note: note.map(str::to_owned),
                        created_at: at,
                        updated_at: at,
                        support_requested: support,
                    },
                },
            )
            .collect();
        let points: Vec<SessionPoint> = checkins
            .iter()
            .map(|c| SessionPoint {
                record_id: c.record_id,
                session_date: c.body.session_date,
                answers: c.body.answers.clone(),
                support_requested: c.body.support_requested,
            })
            .collect();
        let (items, trend) = rapport_core::insights::analyse(&points, &instrument());
        let insight = ClientInsights {
            label: label.into(),
            device_id,
            status: ClientStatus::Active,
            sessions: points,
            items,
            trend,
            flags,
            paused_since: None,
            unseen: sessions.len() as u32,
            total_sessions: sessions.len() as u32,
        };
        let checkins = ClientCheckIns {
            label: label.into(),
            device_id,
            checkins,
        };
        (checkins, insight)
    }

    /// An open flag about client `n` (see [`client`]) with one reason per `(rule, text)`.
    fn flag(kind: FlagKind, n: u8, headline: &str, reasons: &[(Rule, &str)]) -> Flag {
        Flag {
            id: format!("{:012x}", kind as u64 + 0xabc000 + u64::from(n) * 16),
            client: DeviceId([n; 16]),
            client_label: String::new(),
            kind,
            severity: kind.base_severity(),
            escalated: false,
            headline: headline.into(),
            opened_on: date(12, 14),
            updated_on: date(12, 14),
            resolution: None,
            reasons: reasons
                .iter()
                .enumerate()
                .map(|(i, &(rule, text))| Reason {
                    id: format!("{:012x}", 0xdef000 + i),
                    rule,
                    session_date: Some(date(12, 14)),
                    text: text.into(),
                    rci: None,
                    acknowledged_at: None,
                })
                .collect(),
            earlier_reasons: 0,
            events: Vec::new(),
        }
    }

    /// The brief card of a client (see [`client`]) with one check-in.
    fn brief_card(n: u8, label: &str, note: &str, flags: Vec<Flag>) -> BriefCard {
        let usual = UsualRange {
            low: 3,
            median: 4.0,
            high: 5,
            sessions: 6,
        };
        BriefCard {
            label: label.into(),
            device_id: DeviceId([n; 16]),
            status: ClientStatus::Active,
            paused_since: None,
            session_on_day: true,
            last_session: Some(date(12, 7)),
            checkins: vec![BriefCheckIn {
                record_id: Uuid::from_u128(u128::from(n)),
                session_date: date(12, 7),
                answers: [("heard".into(), 2), ("hopeful".into(), 4)].into(),
                note: Some(note.into()),
                support_requested: false,
                seen: false,
            }],
            usual: vec![("heard".into(), usual)],
            outside: vec![OutsideRange {
                item: "heard".into(),
                rating: 2,
                above: false,
                range: usual,
                text: "heard 2, below the usual 3–5 over the last six sessions".into(),
            }],
            flags,
            opening: Opening {
                id: "concern.1".into(),
                version: 1,
                locale: "en".into(),
                text: "Last week felt <harder>: where would you like to start?".into(),
            },
        }
    }

    fn report_with(clients: &[(ClientCheckIns, ClientInsights)], brief: Brief) -> String {
        let (clients, insights): (Vec<_>, Vec<_>) = clients.iter().cloned().unzip();
        let report = Report {
            clients,
            insights,
            resolved: Vec::new(),
            brief,
        };
        render(
            "Dr. Ana <Ruiz> & Co",
            Utc.with_ymd_and_hms(2026, 12, 15, 10, 30, 0).unwrap(),
            &report,
            &instrument(),
        )
    }

    fn report(clients: &[(ClientCheckIns, ClientInsights)]) -> String {
        report_with(
            clients,
            Brief {
                date: date(12, 15),
                basis: BriefBasis::ActiveClients,
                cards: Vec::new(),
            },
        )
    }

    fn card_of<'a>(html: &'a str, label: &str) -> &'a str {
        let heading = html
            .find(&format!(">{label}</h2>"))
            .expect("the card heading");
        let start = html[..heading].rfind("<section").unwrap();
        let end = heading + html[heading..].find("</section>").unwrap();
        &html[start..end]
    }

    /// Three clients in the order core gives them: by need.
    fn practice() -> Vec<(ClientCheckIns, ClientInsights)> {
        vec![
            client(
                2,
                "C.D.",
                &[
                    (date(11, 3), 4, 4, None, false),
                    (date(12, 1), 3, 1, Some("hard week"), true),
                ],
                vec![flag(
                    FlagKind::SupportRequested,
                    2,
                    "Asked for support with the check-in of 1 Dec 2026.",
                    &[(
                        Rule::SupportRequested,
                        "Asked for support with the check-in for the session on 1 Dec 2026.",
                    )],
                )],
            ),
            client(
                1,
                "A.B.",
                &[
                    (date(11, 2), 2, 1, Some("felt rushed"), false),
                    (date(11, 9), 3, 2, None, false),
                    (date(12, 14), 5, 4, Some("we found the thread"), false),
                ],
                vec![],
            ),
            client(3, "E.F.", &[], vec![]),
        ]
    }

    #[test]
    fn user_text_is_escaped_wherever_it_appears() {
        let html = report(&[client(
            1,
            "<script>alert(1)</script> & co",
            &[(
                date(11, 2),
                3,
                3,
                Some("<script>x()</script> & \"quoted\""),
                false,
            )],
            vec![flag(
                FlagKind::Concern,
                1,
                "Heard <i>2</i>.",
                &[(Rule::LowScore, "rated <b>low</b> & more")],
            )],
        )]);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(html.contains("&lt;script&gt;x()&lt;/script&gt; &amp; &quot;quoted&quot;"));
        assert!(html.contains("rated &lt;b&gt;low&lt;/b&gt; &amp; more"));
        assert!(html.contains("Session check-ins — Dr. Ana &lt;Ruiz&gt; &amp; Co"));
        assert!(html.contains("Heard &lt;i&gt;2&lt;/i&gt;."));
        assert!(!html.contains("<b>low") && !html.contains("<i>2"));
    }

    #[test]
    fn the_report_loads_nothing_and_runs_nothing() {
        let mut clients = practice();
        clients.push(client(
            4,
            "https://example.com",
            &[(date(11, 2), 3, 3, Some("<script src=x>"), false)],
            vec![],
        ));
        let html = report(&clients).to_ascii_lowercase();
        assert!(!html.contains("<script"), "no script elements");
        // The label above is the only URL, and it is text: heading and chart title.
        assert!(html.contains(">https://example.com</h2>"));
        let without_label = html.replace("https://example.com", "");
        assert!(!without_label.contains("http://") && !without_label.contains("https://"));
        assert!(html.contains("content-security-policy"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("<img") && !html.contains("<link") && !html.contains("url("));
    }

    #[test]
    fn every_client_gets_one_card_in_the_order_core_gives() {
        let html = report(&practice());
        assert_eq!(html.matches("<section class=\"client-card").count(), 3);
        for label in ["A.B.", "C.D.", "E.F."] {
            assert_eq!(
                html.matches(&format!(">{label}</h2>")).count(),
                1,
                "{label}"
            );
        }
        let position = |html: &str, label: &str| html.find(&format!(">{label}</h2>")).unwrap();
        assert!(position(&html, "C.D.") < position(&html, "A.B."));
        assert!(position(&html, "A.B.") < position(&html, "E.F."));
        assert!(html.contains("3 clients, 1 open flag of which 1 urgent."));
        assert!(html.contains("Rapport is not a crisis service."));
        assert!(html.contains("not watched in real time"));

        // The report does not sort by itself: the order of need is core's.
        let mut reversed = practice();
        reversed.reverse();
        let html = report(&reversed);
        assert!(position(&html, "E.F.") < position(&html, "A.B."));
        assert!(position(&html, "A.B.") < position(&html, "C.D."));
    }

    #[test]
    fn a_flag_shows_its_severity_headline_and_every_reason_with_its_rule() {
        let mut clients = practice();
        clients[1].1.flags = vec![flag(
            FlagKind::Concern,
            1,
            "Hopeful fell from 4 to 2 (−2, below the client's usual range).",
            &[
                (
                    Rule::Drop,
                    "Hopeful fell from 4 to 2 (−2) between the sessions.",
                ),
                (
                    Rule::BelowUsualRange,
                    "Hopeful 2 is below the client's usual range (3–5).",
                ),
            ],
        )];
        let html = report(&clients);
        let card = card_of(&html, "A.B.");
        assert!(card.contains("<span class=\"severity\">Medium</span>"));
        assert!(card.contains("<code class=\"kind\">concern</code>"));
        assert!(
            card.contains("Hopeful fell from 4 to 2 (−2, below the client&#39;s usual range).")
        );
        assert!(card.contains("<code class=\"rule\">drop</code> Hopeful fell from 4 to 2"));
        assert!(card.contains("<code class=\"rule\">below_usual_range</code>"));
        assert!(card.contains("rapport therapist discussed --flag "));
        assert!(card_of(&html, "E.F.").contains("None open."));
    }

    #[test]
    fn resolved_flags_show_what_ended_them_under_their_client() {
        let (clients, insights): (Vec<_>, Vec<_>) = practice().into_iter().unzip();
        let mut done = flag(
            FlagKind::DifficultFirstSession,
            1,
            "Difficult first session on 2 Nov 2026 (heard 2, hopeful 1).",
            &[(Rule::LowFirstSession, "The first session was rated low.")],
        );
        done.opened_on = date(11, 2);
        done.resolution = Some(rapport_core::insights::Resolution {
            kind: rapport_core::insights::ResolutionKind::CameBack,
            on: date(11, 9),
            text: "Resolved by the check-in of 9 Nov 2026: heard 3, hopeful 2.".into(),
        });
        let report = Report {
            clients,
            insights,
            resolved: vec![done],
            brief: Brief {
                date: date(12, 15),
                basis: BriefBasis::ActiveClients,
                cards: Vec::new(),
            },
        };
        let html = render("T", Utc::now(), &report, &instrument());
        let card = card_of(&html, "A.B.");
        assert!(card.contains("<h3>Resolved</h3>"));
        assert!(card.contains("<code class=\"kind\">difficult_first_session</code>"));
        assert!(card.contains("Resolved by the check-in of 9 Nov 2026"));
        assert!(!card_of(&html, "C.D.").contains("<h3>Resolved</h3>"));
    }

    #[test]
    fn the_brief_comes_first_and_escapes_what_clients_wrote() {
        let clients = practice();
        let concern = flag(
            FlagKind::Concern,
            1,
            "Heard 2 (below the client's usual range).",
            &[(Rule::BelowUsualRange, "Heard 2 is below the usual range.")],
        );
        let brief = Brief {
            date: date(12, 15),
            basis: BriefBasis::RecordedSessions,
            cards: vec![brief_card(
                1,
                "A.B.",
                "<script>alert('x')</script> & more",
                vec![concern],
            )],
        };
        let html = report_with(&clients, brief);
        let main = html.find("<main>").unwrap();
        let brief_at = html.find("<section class=\"brief\"").unwrap();
        assert!(main < brief_at);
        assert!(
            !html[main..brief_at].contains("<section"),
            "nothing comes before the brief"
        );
        assert!(brief_at < html.find("<section class=\"client-card").unwrap());
        assert!(html.contains("Today — <time datetime=\"2026-12-15\">15 Dec 2026</time>"));
        let end = brief_at + html[brief_at..].find("</section>").unwrap();
        let brief = &html[brief_at..end];
        assert!(brief.contains("<h3>A.B.</h3>"));
        assert!(brief.contains("session today; last session 7 Dec 2026"));
        assert!(brief.contains("Heard 2 (below the client&#39;s usual range)."));
        assert!(brief.contains("Outside the usual range: heard 2, below the usual 3–5"));
        assert!(brief.contains("heard 2, hopeful 4"));
        assert!(brief.contains(
            "<blockquote>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more</blockquote>"
        ));
        assert!(brief.contains("Last week felt &lt;harder&gt;: where would you like to start?"));
        assert!(!html.to_ascii_lowercase().contains("<script"));
    }

    #[test]
    fn a_client_with_sessions_gets_a_chart_that_says_what_it_shows() {
        let html = report(&practice());
        let card = card_of(&html, "A.B.");
        assert!(card.contains("<svg class=\"chart\" role=\"img\""));
        assert!(card.contains("<path class=\"line-heard\" d=\"M"));
        assert!(card.contains("<path class=\"line-hopeful\" d=\"M"));
        assert!(card.contains("Heard and hopeful ratings of A.B., by session</title>"));
        assert!(
            card.contains(
                "Hopeful went from 1 on 2 Nov to 4 on 14 Dec; heard from 2 to 5. Session by \
                 session, heard: 2, 3, 5; hopeful: 1, 2, 4."
            ),
            "{card}"
        );
        assert_eq!(card.matches("class=\"point point-heard\"").count(), 3);
        assert!(card.contains("+3 <strong class=\"reliable reliable-improvement\">"));
        assert!(card.contains("Trend: improving"));
        // Notes newest first.
        let newer = card.find("we found the thread").unwrap();
        assert!(newer < card.find("felt rushed").unwrap());

        let card = card_of(&html, "C.D.");
        assert!(card.contains("<g class=\"support\">"));
        assert!(card.contains("Asked for support: 1 Dec."));
        assert!(card.contains("<span class=\"severity\">Urgent</span>"));
        assert!(card.contains("<code class=\"rule\">support_requested</code>"));
    }

    #[test]
    fn no_sessions_gives_a_sentence_and_one_gives_a_single_marker() {
        let html = report(&practice());
        let card = card_of(&html, "E.F.");
        assert!(!card.contains("<svg class=\"chart\""));
        assert!(card.contains("No check-ins yet, so there is nothing to chart."));
        assert!(card.contains("0 check-ins."));

        let html = report(&[client(
            5,
            "G.H.",
            &[(date(11, 2), 2, 3, None, false)],
            vec![],
        )]);
        let card = card_of(&html, "G.H.");
        assert!(card.contains("<svg class=\"chart\""));
        assert!(
            !card.contains("class=\"line-heard\""),
            "no line through one point"
        );
        assert_eq!(card.matches("class=\"point point-heard\"").count(), 1);
        assert_eq!(card.matches("class=\"point point-hopeful\"").count(), 1);
        assert!(
            card.contains("One check-in so far, for the session of 2 Nov: heard 2, hopeful 3.")
        );
        assert!(card.contains("Trend: not enough data"));
    }

    #[test]
    fn many_sessions_thin_out_the_dates_and_keep_only_the_newest_notes() {
        let sessions: Vec<_> = (0..20)
            .map(|i| {
                let day = date(1, 5) + chrono::Days::new(7 * i);
                (day, 3, 3, Some("a note"), false)
            })
            .collect();
        let html = report(&[client(6, "I.J.", &sessions, vec![])]);
        let card = card_of(&html, "I.J.");
        let dates = card.matches("class=\"tick date\"").count();
        assert!((2..=8).contains(&dates), "{dates} date labels");
        assert_eq!(card.matches("<blockquote>").count(), NOTES_SHOWN);
        assert!(card.contains("15 earlier notes not shown here"));
    }

    #[test]
    fn a_client_no_longer_sharing_says_how_it_ended() {
        let mut clients = practice();
        let left = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        clients[1].1.status = ClientStatus::Left(left);
        clients[0].1.status = ClientStatus::Revoked(left);
        let html = report(&clients);
        assert!(card_of(&html, "A.B.").contains("<span class=\"badge status\">Left on 3 Dec 2026"));
        assert!(card_of(&html, "C.D.").contains("Sharing ended by you on 3 Dec 2026"));
        assert!(!card_of(&html, "E.F.").contains("badge status"));
    }

    #[test]
    fn an_empty_practice_says_how_to_start() {
        let html = report(&[]);
        assert!(html.contains("0 clients, no open flags."));
        assert!(html.contains("rapport therapist invite"));
        assert!(!html.contains("<section class=\"client-card"));
        assert!(html.contains("Nobody to prepare for."));
    }
}

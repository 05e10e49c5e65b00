//! `rapport therapist report`: every client on one page, as a single HTML file
//! that opens offline in any browser and prints on A4.
//!
//! The file holds what clients shared, so it loads nothing from anywhere: no
//! scripts, no fonts, no images, and a Content-Security-Policy that forbids
//! them should an edit ever add one. Every piece of text a person typed
//! (labels, notes, the therapist's name) is escaped, and the chart says in
//! words what it draws, so nothing depends on seeing colour.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_core::insights::{Alert, ClientInsights, ClientStatus, SessionPoint, Severity};
use rapport_core::sync::{ClientCheckIns, ReceivedCheckIn, Role};
use rapport_core::{Instrument, Store};

use crate::{Result, open_home, write_private};

/// The instrument whose items the report explains.
const INSTRUMENT: &str = "session-checkin";
/// The report's language: the prompts and scale labels are shown in it.
const LOCALE: &str = "en";
/// The newest shared notes shown per client; the rest stay in the dashboard.
const NOTES_SHOWN: usize = 5;

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
    let clients = store.dashboard()?;
    let insights = store.insights()?;
    let instrument = store
        .instruments()
        .latest(INSTRUMENT)
        .ok_or("the session check-in instrument is missing from this build")?;
    let html = render(&account.name, Utc::now(), &clients, &insights, instrument);
    write_private(out, html.as_bytes())?;
    Ok(clients.len().max(insights.len()))
}

/// The whole report as one self-contained HTML document.
///
/// Clients with an urgent or high open alert come first (most urgent first),
/// the rest follow in pairing order.
pub fn render(
    therapist_name: &str,
    generated_at: DateTime<Utc>,
    clients: &[ClientCheckIns],
    insights: &[ClientInsights],
    instrument: &Instrument,
) -> String {
    let mut cards: Vec<Card> = clients
        .iter()
        .map(|c| Card {
            label: &c.label,
            checkins: &c.checkins,
            insight: insights.iter().find(|i| i.device_id == c.device_id),
        })
        .collect();
    // A client the insights know but the dashboard does not still gets a card.
    cards.extend(
        insights
            .iter()
            .filter(|i| !clients.iter().any(|c| c.device_id == i.device_id))
            .map(|i| Card {
                label: &i.label,
                checkins: &[],
                insight: Some(i),
            }),
    );
    cards.sort_by_key(Card::attention);

    let alerts: Vec<&Alert> = cards.iter().flat_map(|c| c.alerts()).collect();
    let urgent = alerts
        .iter()
        .filter(|a| a.severity == Severity::Urgent)
        .count();
    let name = escape(therapist_name);
    let generated = generated_at.format("%-d %b %Y, %H:%M UTC");

    let mut html = String::with_capacity(16_384 + 8_192 * cards.len());
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
<p class="legend">Ratings run from 1 (not at all) to 5 (completely). Change is since the first
session; RCI is the reliable change index, and a change beyond ±1.96 is marked
<em>reliable</em>: unlikely to be measurement noise.</p>
<p class="notice" role="note"><strong>Rapport is not a crisis service.</strong> Check-ins are
not watched in real time, and clients are told so: an alert here waits until you read it.</p>
</header>
<main>
"#,
        iso = generated_at.to_rfc3339(),
        summary = summary_line(cards.len(), alerts.len(), urgent),
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

/// "3 clients, 4 open alerts of which 1 urgent."
fn summary_line(clients: usize, alerts: usize, urgent: usize) -> String {
    let clients = plural(clients, "client", "clients");
    match (alerts, urgent) {
        (0, _) => format!("{clients}, no open alerts."),
        (_, 0) => format!(
            "{clients}, {}, none urgent.",
            plural(alerts, "open alert", "open alerts")
        ),
        _ => format!(
            "{clients}, {} of which {urgent} urgent.",
            plural(alerts, "open alert", "open alerts")
        ),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One client's card: what the report knows of them.
struct Card<'a> {
    label: &'a str,
    checkins: &'a [ReceivedCheckIn],
    insight: Option<&'a ClientInsights>,
}

impl Card<'_> {
    fn alerts(&self) -> &[Alert] {
        self.insight
            .map(|i| i.open_alerts.as_slice())
            .unwrap_or(&[])
    }

    /// Sort key: 0 for an urgent open alert, 1 for a high one, 2 otherwise.
    fn attention(&self) -> u8 {
        match self.alerts().iter().map(|a| a.severity).min() {
            Some(Severity::Urgent) => 0,
            Some(Severity::High) => 1,
            _ => 2,
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
        let class = match self.attention() {
            0 => "client-card attention-urgent",
            1 => "client-card attention-high",
            _ => "client-card",
        };
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

        html.push_str("<h3>Open alerts</h3>\n");
        if self.alerts().is_empty() {
            html.push_str("<p class=\"quiet\">None open.</p>\n");
        } else {
            html.push_str("<ul class=\"alerts\">\n");
            for a in self.alerts() {
                render_alert(a, html);
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

fn render_alert(a: &Alert, html: &mut String) {
    let severity = a.severity.as_str();
    let mut word = severity.to_owned();
    if let Some(first) = word.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let date = a
        .session_date
        .map(|d| format!(" <span class=\"when\">session of {}</span>", long_date(d)))
        .unwrap_or_default();
    let _ = writeln!(
        html,
        "<li class=\"alert severity-{severity}\"><p class=\"alert-head\"><span \
         class=\"severity\">{word}</span> <code class=\"rule\">{rule}</code>{date}</p>\
         <p class=\"reason\">{reason}</p><p class=\"alert-id\">Acknowledge with \
         <code>rapport therapist ack --alert {id}</code></p></li>",
        rule = escape(a.rule.id()),
        reason = escape(&a.reason),
        id = escape(&a.id),
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
ul.alerts, ul.notes { list-style: none; margin: 0; padding: 0; }
.alert { border-left: 4px solid #8a96a3; background: #f7f8f9; border-radius: 0 6px 6px 0;
  padding: .5rem .75rem; margin-bottom: .5rem; }
.alert p { margin: 0; }
.alert-head { font-size: .9rem; }
.severity { font-weight: 700; text-transform: uppercase; letter-spacing: .04em; font-size: .8rem; }
.severity-urgent { border-left-color: var(--support); background: #fdf0ef; }
.severity-urgent .severity { color: #8f1a10; }
.severity-high { border-left-color: #c2410c; background: #fdf3ec; }
.severity-high .severity { color: #8a330a; }
.severity-medium { border-left-color: #a86b00; }
.severity-medium .severity { color: #6b4500; }
.when, .alert-id { color: var(--muted); font-size: .85rem; }
.reason { margin: .2rem 0; }
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
  .notice, .alert, .badge, code { background: none; }
  svg.chart { max-height: 65mm; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rapport_core::insights::AlertRule;
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
        alerts: Vec<Alert>,
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
            open_alerts: alerts,
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

    /// An open alert about client `n` (see [`client`]).
    fn alert(rule: AlertRule, n: u8, label: &str, reason: &str) -> Alert {
        Alert {
            id: format!("{:012x}", rule as u64 + 0xabc000),
            client_label: label.into(),
            client: DeviceId([n; 16]),
            rule,
            severity: rule.severity(),
            reason: reason.into(),
            session_date: Some(date(12, 14)),
            acknowledged_at: None,
        }
    }

    fn report(clients: &[(ClientCheckIns, ClientInsights)]) -> String {
        let (c, i): (Vec<_>, Vec<_>) = clients.iter().cloned().unzip();
        render(
            "Dr. Ana <Ruiz> & Co",
            Utc.with_ymd_and_hms(2026, 12, 15, 10, 30, 0).unwrap(),
            &c,
            &i,
            &instrument(),
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

    fn practice() -> Vec<(ClientCheckIns, ClientInsights)> {
        vec![
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
            client(
                2,
                "C.D.",
                &[
                    (date(11, 3), 4, 4, None, false),
                    (date(12, 1), 3, 1, Some("hard week"), true),
                ],
                vec![alert(
                    AlertRule::SupportRequested,
                    2,
                    "C.D.",
                    "Asked for support with the check-in for the session on 1 Dec 2026.",
                )],
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
            vec![alert(
                AlertRule::LowScore,
                1,
                "x",
                "rated <b>low</b> & more",
            )],
        )]);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(html.contains("&lt;script&gt;x()&lt;/script&gt; &amp; &quot;quoted&quot;"));
        assert!(html.contains("rated &lt;b&gt;low&lt;/b&gt; &amp; more"));
        assert!(html.contains("Session check-ins — Dr. Ana &lt;Ruiz&gt; &amp; Co"));
        assert!(!html.contains("<b>low"));
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
    fn every_client_gets_one_card_and_the_urgent_come_first() {
        let html = report(&practice());
        assert_eq!(html.matches("<section class=\"client-card").count(), 3);
        for label in ["A.B.", "C.D.", "E.F."] {
            assert_eq!(
                html.matches(&format!(">{label}</h2>")).count(),
                1,
                "{label}"
            );
        }
        let position = |label: &str| html.find(&format!(">{label}</h2>")).unwrap();
        assert!(
            position("C.D.") < position("A.B."),
            "the urgent client first"
        );
        assert!(position("A.B.") < position("E.F."), "then pairing order");
        assert!(html.contains("3 clients, 1 open alert of which 1 urgent."));
        assert!(html.contains("Rapport is not a crisis service."));
        assert!(html.contains("not watched in real time"));
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
        clients[0].1.status = ClientStatus::Left(left);
        clients[1].1.status = ClientStatus::Revoked(left);
        let html = report(&clients);
        assert!(card_of(&html, "A.B.").contains("<span class=\"badge status\">Left on 3 Dec 2026"));
        assert!(card_of(&html, "C.D.").contains("Sharing ended by you on 3 Dec 2026"));
        assert!(!card_of(&html, "E.F.").contains("badge status"));
    }

    #[test]
    fn an_empty_practice_says_how_to_start() {
        let html = report(&[]);
        assert!(html.contains("0 clients, no open alerts."));
        assert!(html.contains("rapport therapist invite"));
        assert!(!html.contains("<section"));
    }
}

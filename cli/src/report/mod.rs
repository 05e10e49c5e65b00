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
//! them should an edit ever add one. The page is written with maud, which
//! escapes every spliced value unless told otherwise, so text a person typed
//! (labels, notes, the therapist's name) cannot become markup by someone
//! forgetting to escape it; the only unescaped text is our own stylesheet.
//! The chart ([`chart`]) says in words what it draws, so nothing depends on
//! seeing colour.

mod chart;
mod texts;

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rapport_core::insights::{
    Brief, BriefBasis, BriefCard, ClientInsights, ClientStatus, Flag, GoalProgress, SessionPoint,
    Severity, chart_points,
};
use rapport_core::model::Answers;
use rapport_core::sync::{ClientCheckIns, ReceivedCheckIn, Role};
use rapport_core::{Instruments, Store};

use crate::{Result, open_home, write_private};

pub use texts::Texts;
/// The newest shared notes shown per client; the rest stay in the dashboard.
const NOTES_SHOWN: usize = 5;
/// The most recently resolved flags shown per client; the rest stay in
/// `rapport therapist flags --all`.
const RESOLVED_SHOWN: usize = 3;
/// Calm, print-friendly, and readable without colour: every state is also a
/// word. Kept in its own file so it can be read and edited as CSS; it is
/// inlined in a `<style>` element (the CSP allows inline styles only, never
/// a stylesheet fetched from anywhere).
pub(crate) const STYLE: &str = include_str!("report.css");
/// The page's Content-Security-Policy: nothing may load, and the only style is
/// the inline [`STYLE`]; `img-src data:` leaves room for an inline image.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Writes the report of the therapist home at `home` to `out`, in `lang`
/// (a language or locale such as `de` or `fr_FR.UTF-8`), else in the
/// environment's language; English for a language the report does not have.
pub fn run(home: &Path, out: &Path, lang: Option<&str>) -> Result<()> {
    let store = open_home(home)?;
    let texts = Texts::for_locale(&lang.map_or_else(crate::client::env_locale, str::to_owned));
    let clients = write(&store, out, texts)?;
    println!(
        "Wrote the report on {clients} client(s) to {}. It holds what your clients shared: keep \
         it as you keep your notes. It opens offline in any browser.",
        out.display()
    );
    Ok(())
}

/// Renders the report of `store` into `out` (readable by the owner only) in
/// the language of `texts`; returns how many clients it covers.
pub fn write(store: &Store, out: &Path, texts: Texts) -> Result<usize> {
    let account = store.require_account(Role::Therapist)?;
    let report = Report::of(store, chrono::Local::now().date_naive(), texts.lang())?;
    let html = render(
        &account.name,
        Utc::now(),
        &report,
        store.instruments(),
        texts,
    );
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
    /// therapist's local date) and its opening lines in `lang`.
    pub fn of(store: &Store, today: NaiveDate, lang: &str) -> Result<Report> {
        Ok(Report {
            clients: store.dashboard()?,
            insights: store.insights()?,
            resolved: store
                .flags(true)?
                .into_iter()
                .filter(|f| !f.is_open())
                .collect(),
            brief: store.brief(today, None, lang)?,
        })
    }
}

/// The whole report as one self-contained HTML document: the brief first,
/// then one card per client in the order of need of `report.insights`
/// (clients the insights do not know yet last). A check-in's statements are
/// worded as the edition of `instruments` it answered worded them, in the
/// language of `t` where the instrument has it.
pub fn render(
    therapist_name: &str,
    generated_at: DateTime<Utc>,
    report: &Report,
    instruments: &Instruments,
    t: Texts,
) -> String {
    let cards = cards(
        &report.clients,
        &report.insights,
        &report.resolved,
        Discuss::CommandLine,
    );

    let flags: Vec<&Flag> = cards.iter().flat_map(|c| c.flags()).collect();
    let urgent = flags
        .iter()
        .filter(|f| f.severity == Severity::Urgent)
        .count();
    let title = t.fill("title", &[("name", &therapist_name)]);

    let page = html! {
        (DOCTYPE)
        html lang=(t.lang()) {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light";
                title { (title) }
                // Our own stylesheet, fixed at build time: escaping it would
                // break its quoted font names and `>` selectors (a <style>
                // element is raw text, entities are not decoded there).
                style { (PreEscaped(STYLE)) }
            }
            body {
                header class="page-header" {
                    h1 { (title) }
                    p class="meta" {
                        (t.get("generated")) " "
                        time datetime=(generated_at.to_rfc3339()) {
                            (t.fill("generated_at", &[
                                ("date", &t.date(generated_at.date_naive())),
                                ("time", &generated_at.format("%H:%M")),
                            ]))
                        }
                    }
                    p class="summary" { (summary_line(cards.len(), flags.len(), urgent, t)) }
                }
                main {
                    (brief_section(&report.brief, "brief_today", t))
                    (about(t))
                    @if cards.is_empty() {
                        (no_clients_yet(t))
                    } @else {
                        div class="cards" {
                            @for (n, card) in cards.iter().enumerate() {
                                (card.render(n + 1, instruments, t))
                            }
                        }
                    }
                }
                footer class="page-footer" {
                    p { (t.get("footer")) }
                }
            }
        }
    };
    let mut out = page.into_string();
    // Text editors and `cat` expect a file to end with a newline.
    out.push('\n');
    out
}

/// One card per client: in the order of need of `insights`, then the
/// clients the insights do not know yet. Each card shows the client's most
/// recently resolved flags from `resolved`, and says how to mark an open
/// flag discussed as `discuss` says.
pub(crate) fn cards<'a>(
    clients: &'a [ClientCheckIns],
    insights: &'a [ClientInsights],
    resolved: &'a [Flag],
    discuss: Discuss<'a>,
) -> Vec<Card<'a>> {
    let checkins_of = |device_id| {
        clients
            .iter()
            .find(|c| c.device_id == device_id)
            .map(|c| c.checkins.as_slice())
            .unwrap_or(&[])
    };
    let mut cards: Vec<Card> = insights
        .iter()
        .map(|i| Card {
            label: &i.label,
            checkins: checkins_of(i.device_id),
            insight: Some(i),
            resolved: resolved
                .iter()
                .filter(|f| f.client == i.device_id)
                .take(RESOLVED_SHOWN)
                .collect(),
            discuss,
        })
        .collect();
    // A client the dashboard knows but the insights do not still gets a card.
    cards.extend(
        clients
            .iter()
            .filter(|c| !insights.iter().any(|i| i.device_id == c.device_id))
            .map(|c| Card {
                label: &c.label,
                checkins: &c.checkins,
                insight: None,
                resolved: Vec::new(),
                discuss,
            }),
    );
    cards
}

/// How a card tells the therapist to mark an open flag discussed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Discuss<'a> {
    /// The command to type (the report is a file; it cannot act).
    CommandLine,
    /// A button posting to the app's `/flags/discussed`, with the app's
    /// per-launch form token.
    Button {
        /// The anti-forgery token every form of the app carries.
        csrf: &'a str,
    },
}

/// "No clients yet: `rapport therapist invite --label INITIALS` makes an invite."
pub(crate) fn no_clients_yet(t: Texts) -> Markup {
    html! {
        p class="empty" {
            (t.get("empty_before"))
            code { "rapport therapist invite --label INITIALS" }
            (t.get("empty_after"))
        }
    }
}

/// What a flag here means, and that nobody is watching in real time.
fn about(t: Texts) -> Markup {
    html! {
        section class="about" aria-label=(t.get("about_label")) {
            p class="notice" role="note" {
                strong { (t.get("notice_strong")) }
                (t.get("notice_rest"))
            }
            p class="legend" {
                (t.get("legend_before"))
                em { (t.get("legend_reliable")) }
                (t.get("legend_after"))
            }
        }
    }
}

/// "3 clients, 4 open flags of which 1 urgent."
fn summary_line(clients: usize, flags: usize, urgent: usize, t: Texts) -> String {
    let clients = t.count(clients, "clients");
    let open = t.count(flags, "open_flags");
    match (flags, urgent) {
        (0, _) => t.fill("summary_none", &[("clients", &clients)]),
        (_, 0) => t.fill(
            "summary_none_urgent",
            &[("clients", &clients), ("flags", &open)],
        ),
        _ => t.fill(
            "summary_urgent",
            &[("clients", &clients), ("flags", &open), ("urgent", &urgent)],
        ),
    }
}

/// The brief: the first thing on the page, headed by `heading` (the
/// text key of "Today — " or of another day's).
pub(crate) fn brief_section(brief: &Brief, heading: &str, t: Texts) -> Markup {
    let basis = match brief.basis {
        BriefBasis::RecordedSessions => t.get("basis_recorded"),
        BriefBasis::ActiveClients => t.get("basis_active"),
    };
    html! {
        section class="brief" aria-labelledby="brief-title" {
            h2 id="brief-title" {
                (t.get(heading))
                time datetime=(brief.date) { (t.date(brief.date)) }
            }
            p class="brief-basis" {
                (basis) (t.get("brief_basis_rest"))
            }
            @if brief.cards.is_empty() {
                p class="quiet" { (t.get("brief_nobody")) }
            } @else {
                div class="brief-cards" {
                    @for card in &brief.cards {
                        (brief_card(card, t))
                    }
                }
            }
        }
    }
}

/// One client in the brief: when they were seen, the flag that matters most,
/// what is out of their usual range, their check-ins since, and an opening line.
fn brief_card(card: &BriefCard, t: Texts) -> Markup {
    let top = card.flags.first();
    let class = match top.map(|f| f.severity) {
        Some(Severity::Urgent) => "brief-card attention-urgent",
        Some(Severity::High) => "brief-card attention-high",
        _ => "brief-card",
    };
    let mut when = Vec::new();
    if card.session_on_day {
        when.push(t.get("session_today").to_owned());
    }
    match card.last_session {
        Some(d) => when.push(t.fill("last_session", &[("date", &t.date(d))])),
        None => when.push(t.get("no_session_before").to_owned()),
    }
    if let Some(paused) = card.paused_since {
        when.push(t.fill("paused_on", &[("date", &t.date(paused.date_naive()))]));
    }
    if let Some(status) = status_text(&card.status, t) {
        when.push(status);
    }
    html! {
        article class=(class) {
            h3 { (card.label) }
            p class="brief-when" { (when.join("; ")) }
            @match top {
                Some(flag) => {
                    p class={ "brief-flag severity-" (flag.severity.as_str()) } {
                        span class="severity" { (severity_word(flag.severity, t)) }
                        " "
                        code class="kind" { (flag.kind.id()) }
                        " " (flag.headline.render(t.lang()))
                        @if card.flags.len() > 1 {
                            " "
                            span class="when" {
                                (t.fill("and_more_open", &[("flags", &t.count(card.flags.len() - 1, "flags"))]))
                            }
                        }
                    }
                }
                None => p class="brief-flag quiet" { (t.get("no_open_flag")) },
            }
            @if card.outside.is_empty() {
                p class="brief-range quiet" { (t.get("within_range")) }
            } @else {
                p class="brief-range" {
                    (t.get("outside_range"))
                    @for (i, o) in card.outside.iter().enumerate() {
                        @if i > 0 { "; " }
                        (o.text.render_part(t.lang()))
                    }
                    "."
                }
            }
            @if card.checkins.is_empty() {
                p class="quiet" { (t.get("no_checkin_since")) }
            } @else {
                ul class="brief-checkins" {
                    @for c in &card.checkins {
                        li {
                            time datetime=(c.session_date) { (t.date(c.session_date)) }
                            " " (ratings(&c.answers, t))
                            @if c.support_requested {
                                " "
                                strong class="support-word" { (t.get("asked_support_word")) }
                            }
                            @if let Some(note) = c.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                                blockquote { (note) }
                            }
                        }
                    }
                }
            }
            p class="opening" {
                span class="opening-word" { (t.get("opening_word")) }
                " " (t.fill("quoted", &[("text", &card.opening.text)]))
            }
        }
    }
}

/// "heard 4, hopeful 3", in the instrument's item order.
fn ratings(answers: &Answers, t: Texts) -> String {
    let name = |item: &str| match item {
        "heard" | "hopeful" | "worked_on" | "fit" => t.get(&format!("item_{item}")).to_owned(),
        other => other.replace('_', " "),
    };
    let mut parts: Vec<String> = ["heard", "hopeful"]
        .iter()
        .filter_map(|item| Some(format!("{} {}", name(item), answers.get(*item)?)))
        .collect();
    parts.extend(
        answers
            .iter()
            .filter(|(item, _)| !matches!(item.as_str(), "heard" | "hopeful"))
            .map(|(item, v)| format!("{} {v}", name(item))),
    );
    parts.join(", ")
}

/// "improving", "steady", ... of a client's trend, in the report's language.
pub(crate) fn trend_word(i: &ClientInsights, t: Texts) -> &'static str {
    t.get(&format!("trend_{}", i.trend.as_str().replace(' ', "_")))
}

/// "Urgent", "High", "Medium", "Low" in the report's language.
pub(crate) fn severity_word(severity: Severity, t: Texts) -> &'static str {
    t.get(&format!("severity_{}", severity.as_str()))
}

/// One client's card: what the report knows of them.
pub(crate) struct Card<'a> {
    label: &'a str,
    checkins: &'a [ReceivedCheckIn],
    insight: Option<&'a ClientInsights>,
    /// The client's most recently resolved flags.
    resolved: Vec<&'a Flag>,
    /// How an open flag is marked discussed from here.
    discuss: Discuss<'a>,
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
    /// or the check-ins themselves when there are no insights (trimmed the
    /// same way: only ratings comparable with the newest answer).
    fn points(&self, instruments: &Instruments) -> Vec<SessionPoint> {
        match self.insight {
            Some(i) if !i.sessions.is_empty() || self.checkins.is_empty() => i.sessions.clone(),
            _ => chart_points(self.checkins, instruments),
        }
    }

    /// Why a charted line starts later than the check-ins: its earlier
    /// answers were to a question since asked differently, and are not drawn.
    fn reworded(&self, instruments: &Instruments, t: Texts) -> Vec<String> {
        let prompt = |c: &ReceivedCheckIn, item: &str| {
            instruments
                .get(&c.body.instrument)
                .and_then(|i| Some(i.item(item)?.prompt_in(i, t.lang()).to_owned()))
        };
        let mut out = Vec::new();
        for (item, name) in [
            ("heard", t.get("line_heard")),
            ("hopeful", t.get("line_hopeful")),
        ] {
            let run = instruments.comparable_run(item, self.checkins);
            let Some(start) = run.first() else {
                continue;
            };
            let earlier: Vec<&ReceivedCheckIn> = self
                .checkins
                .iter()
                .filter(|c| c.body.answers.contains_key(item))
                .filter(|c| !run.iter().any(|r| r.record_id == c.record_id))
                .collect();
            if earlier.is_empty() {
                continue;
            }
            let mut asked: Vec<String> = earlier.iter().filter_map(|c| prompt(c, item)).collect();
            asked.dedup();
            let asked: Vec<String> = asked
                .into_iter()
                .map(|p| t.fill("quoted", &[("text", &p)]))
                .collect();
            let key = if earlier.len() == 1 {
                "reworded_one"
            } else {
                "reworded_other"
            };
            out.push(t.fill(
                key,
                &[
                    ("name", &name),
                    ("date", &t.date(start.body.session_date)),
                    (
                        "prompt",
                        &prompt(start, item).unwrap_or_else(|| item.to_owned()),
                    ),
                    ("earlier", &t.count(earlier.len(), "earlier_answers")),
                    ("asked", &asked.join(t.get("or"))),
                ],
            ));
        }
        out
    }

    /// The card of the `n`th client on the page (its ids are `client-n…`).
    pub(crate) fn render(&self, n: usize, instruments: &Instruments, t: Texts) -> Markup {
        let id = format!("client-{n}");
        let points = self.points(instruments);
        html! {
            section class=(self.attention_class()) aria-labelledby=(id) {
                div class="card-head" {
                    h2 id=(id) { (self.label) }
                    p class="badges" {
                        @if let Some(i) = self.insight {
                            span class={ "badge trend trend-" (i.trend.as_str().replace(' ', "-")) } {
                                (t.fill("trend_label", &[("trend", &trend_word(i, t))]))
                            }
                            @if let Some(status) = status_text(&i.status, t) {
                                " "
                                span class="badge status" { (status) }
                            }
                        }
                    }
                }
                p class="facts" { (self.facts(&points, t)) }
                h3 { (t.get("open_flags_heading")) }
                @if self.flags().is_empty() {
                    p class="quiet" { (t.get("none_open")) }
                } @else {
                    ul class="flags" {
                        @for f in self.flags() {
                            (open_flag(f, self.discuss, t))
                        }
                    }
                }
                @if !self.resolved.is_empty() {
                    h3 { (t.get("resolved_heading")) }
                    ul class="resolved" {
                        @for f in &self.resolved {
                            (resolved_flag(f, t))
                        }
                    }
                }
                h3 { (t.get("chart_heading")) }
                @if points.is_empty() {
                    p class="quiet" { (t.get("nothing_to_chart")) }
                } @else {
                    (chart::render(&id, self.label, &points, t))
                    @for line in self.reworded(instruments, t) {
                        p class="quiet" { (line) }
                    }
                }
                @if let Some(i) = self.insight.filter(|i| !i.items.is_empty()) {
                    (ratings_table(i, points.len(), self.checkins, instruments, t))
                }
                (self.goals(&id, t))
                (self.notes(t))
            }
        }
    }

    /// "6 check-ins, the latest for 14 Dec 2026; 2 not acknowledged yet."
    fn facts(&self, points: &[SessionPoint], t: Texts) -> String {
        let count = points.len().max(self.checkins.len());
        let mut out = t.count(count, "checkins");
        if let Some(last) = points.last() {
            out.push_str(&t.fill("facts_latest", &[("date", &t.date(last.session_date))]));
        }
        match self.insight.map(|i| i.unseen).unwrap_or(0) {
            0 => out.push('.'),
            unseen => out.push_str(&t.fill("facts_unseen", &[("unseen", &unseen)])),
        }
        out
    }

    /// The goals the client shared, in their own words: when each was set,
    /// how it moved, and a chart of its ratings.
    fn goals(&self, id: &str, t: Texts) -> Markup {
        let goals = self.insight.map(|i| i.goals.as_slice()).unwrap_or(&[]);
        html! {
            @if !goals.is_empty() {
                h3 { (t.get("goals_heading")) }
                @for (k, goal) in goals.iter().enumerate() {
                    div class="goal" {
                        h4 {
                            (t.fill("quoted", &[("text", &goal.text)]))
                            @if goal.archived_at.is_some() {
                                " " span class="badge status" { (t.get("goal_archived")) }
                            }
                        }
                        p class="facts" { (goal_facts(goal, t)) }
                        @if !goal.series.is_empty() {
                            (chart::goal(&format!("{id}-goal-{}", k + 1), self.label, goal, t))
                        }
                    }
                }
            }
        }
    }

    /// The newest shared notes, newest first.
    fn notes(&self, t: Texts) -> Markup {
        let notes: Vec<(NaiveDate, &str)> = self
            .checkins
            .iter()
            .rev()
            .filter_map(|c| {
                let note = c.body.shared_note.as_deref()?.trim();
                (!note.is_empty()).then_some((c.body.session_date, note))
            })
            .collect();
        html! {
            h3 { (t.get("notes_heading")) }
            @if notes.is_empty() {
                p class="quiet" { (t.get("no_notes")) }
            } @else {
                ul class="notes" {
                    @for (date, note) in notes.iter().take(NOTES_SHOWN) {
                        li {
                            time datetime=(date) { (t.date(*date)) }
                            blockquote { (note) }
                        }
                    }
                }
                @if notes.len() > NOTES_SHOWN {
                    p class="quiet" {
                        (t.fill("notes_more_before", &[("notes", &t.count(notes.len() - NOTES_SHOWN, "earlier_notes"))]))
                        code { "rapport therapist dashboard" }
                        (t.get("notes_more_after"))
                    }
                }
            }
        }
    }
}

/// "Set 2 Nov 2026, together in session. 5 ratings: 3 at first, 6 most
/// recently (+3 since it was set)."
fn goal_facts(goal: &GoalProgress, t: Texts) -> String {
    let set = if goal.set_in_session {
        "goal_set_in_session"
    } else {
        "goal_set_alone"
    };
    let mut out = t.fill(set, &[("date", &t.date(goal.set_at.date_naive()))]);
    out.push(' ');
    let moved = match (goal.first, goal.latest, goal.change_since_set) {
        (Some(first), Some(latest), Some(change)) if goal.total_ratings > 1 => {
            let change = if change > 0 {
                format!("+{change}")
            } else {
                minus_sign(change.to_string())
            };
            t.fill(
                "goal_moved",
                &[
                    (
                        "ratings",
                        &t.count(goal.total_ratings as usize, "goal_ratings"),
                    ),
                    ("first", &first),
                    ("latest", &latest),
                    ("change", &change),
                ],
            )
        }
        (_, Some(latest), _) => t.fill("goal_one_rating", &[("value", &latest)]),
        _ => t.get("goal_not_rated").to_owned(),
    };
    out.push_str(&moved);
    out
}

/// An open flag: severity in words, kind, headline, and every reason with
/// its rule id, so the therapist sees which numbers gave it.
fn open_flag(f: &Flag, discuss: Discuss, t: Texts) -> Markup {
    let severity = f.severity.as_str();
    let since = if f.updated_on == f.opened_on {
        t.fill("flag_opened", &[("date", &t.date(f.opened_on))])
    } else {
        t.fill(
            "flag_opened_updated",
            &[
                ("opened", &t.date(f.opened_on)),
                ("updated", &t.date(f.updated_on)),
            ],
        )
    };
    html! {
        li class={ "flag severity-" (severity) } {
            p class="flag-head" {
                span class="severity" { (severity_word(f.severity, t)) }
                " "
                code class="kind" { (f.kind.id()) }
                @if f.escalated {
                    " "
                    span class="escalated" { (t.get("escalated")) }
                }
                " "
                span class="when" { (since) }
            }
            p class="headline" id={ "flag-" (f.id) } { (f.headline.render(t.lang())) }
            ul class="reasons" {
                @for r in &f.reasons {
                    // The reason's text already names its RCI where it has one.
                    li class="reason" {
                        code class="rule" { (r.rule.id()) }
                        " " (r.text.render(t.lang()))
                    }
                }
                @if f.earlier_reasons > 0 {
                    li class="quiet" {
                        (t.fill("earlier_reasons", &[("reasons", &t.count(f.earlier_reasons as usize, "reasons"))]))
                    }
                }
            }
            @match discuss {
                Discuss::CommandLine => p class="flag-id" {
                    (t.get("mark_discussed_with"))
                    code { "rapport therapist discussed --flag " (f.id) }
                },
                Discuss::Button { csrf } => form class="flag-action" method="post" action="/flags/discussed" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="flag" value=(f.id);
                    // The same words on every flag's button: the headline
                    // tells a screen reader which flag this one is.
                    button type="submit" aria-describedby={ "flag-" (f.id) } { (t.get("app_mark_discussed")) }
                },
            }
        }
    }
}

/// A resolved flag, in one line: what it was and what ended it.
fn resolved_flag(f: &Flag, t: Texts) -> Markup {
    html! {
        li {
            code class="kind" { (f.kind.id()) }
            " "
            span class="when" { (t.fill("flag_opened", &[("date", &t.date(f.opened_on))])) }
            " "
            @if let Some(r) = &f.resolution {
                (r.text.render(t.lang()))
            }
        }
    }
}

/// The latest rating per item, and its change since the first session
/// whose answer may be compared with the latest. Each statement is worded
/// as the edition of its latest answer worded it.
fn ratings_table(
    i: &ClientInsights,
    sessions: usize,
    checkins: &[ReceivedCheckIn],
    instruments: &Instruments,
    t: Texts,
) -> Markup {
    html! {
        h3 { (t.get("ratings_heading")) }
        table class="ratings" {
            thead {
                tr {
                    th scope="col" { (t.get("col_statement")) }
                    th scope="col" { (t.get("col_latest")) }
                    th scope="col" { (t.get("col_first")) }
                    th scope="col" { (t.get("col_change")) }
                    th scope="col" { (t.get("col_rci")) }
                }
            }
            tbody {
                @for item in &i.items {
                    @let instrument = instruments
                        .reference_edition(&item.item, checkins)
                        .and_then(|edition| instruments.get(edition))
                        .or_else(|| instruments.current());
                    @let spec = instrument.and_then(|instrument| instrument.item(&item.item));
                    @let since = instruments
                        .comparable_run(&item.item, checkins)
                        .first()
                        .map(|c| c.body.session_date)
                        .filter(|start| {
                            checkins
                                .iter()
                                .find(|c| c.body.answers.contains_key(&item.item))
                                .is_some_and(|first| first.body.session_date != *start)
                        });
                    @let prompt = instrument
                        .zip(spec)
                        .map(|(instrument, s)| s.prompt_in(instrument, t.lang()))
                        .filter(|p| !p.is_empty())
                        .unwrap_or(&item.item);
                    @let scale_word = instrument.zip(spec).and_then(|(instrument, s)| {
                        let labels = s.scale.labels.get(instrument.resolve_locale(t.lang()))?;
                        labels.get(usize::from(item.latest.checked_sub(s.scale.min)?))
                    });
                    tr {
                        th scope="row" {
                            (prompt)
                            @if let Some(since) = since {
                                " "
                                span class="quiet" {
                                    (t.fill("asked_since", &[("date", &t.date(since))]))
                                }
                            }
                        }
                        td {
                            (item.latest)
                            @if let Some(word) = scale_word {
                                " "
                                span class="scale-word" { (word) }
                            }
                        }
                        td { (item.first) }
                        @if sessions < 2 {
                            td { "—" }
                            td { "—" }
                        } @else {
                            td {
                                (minus_sign(format!("{:+}", item.change)))
                                @if item.reliable {
                                    @let direction = if item.change > 0 {
                                        "improvement"
                                    } else {
                                        "deterioration"
                                    };
                                    " "
                                    strong class={ "reliable reliable-" (direction) } {
                                        (t.get(&format!("reliable_{direction}")))
                                    }
                                }
                            }
                            td { (minus_sign(format!("{:+.2}", item.rci))) }
                        }
                    }
                }
            }
        }
    }
}

/// A signed figure with a true minus sign, which reads better than a hyphen.
fn minus_sign(figure: String) -> String {
    figure.replace('-', "−")
}

/// How a pairing ended, for a client who is no longer sharing.
pub(crate) fn status_text(status: &ClientStatus, t: Texts) -> Option<String> {
    let (key, at) = match status {
        ClientStatus::Active => return None,
        ClientStatus::Left(at) => ("status_left", at),
        ClientStatus::Erased(at) => ("status_erased", at),
        ClientStatus::Revoked(at) => ("status_revoked", at),
    };
    Some(t.fill(key, &[("date", &t.date(at.date_naive()))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rapport_core::insights::{
        Arg, BriefCheckIn, FlagKind, Opening, OutsideRange, Reason, Rule, Sentence, UsualRange,
    };
    use rapport_core::model::CURRENT_INSTRUMENT as INSTRUMENT;
    use rapport_core::sync::CheckInBody;
    use rapport_core::{DeviceId, InstrumentRef, Instruments};
    use uuid::Uuid;

    fn instruments() -> Instruments {
        Instruments::bundled().unwrap()
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    /// A client with one check-in per `(date, heard, hopeful, note, support)`,
    /// on the current edition.
    fn client(
        n: u8,
        label: &str,
        sessions: &[(NaiveDate, u8, u8, Option<&str>, bool)],
        flags: Vec<Flag>,
    ) -> (ClientCheckIns, ClientInsights) {
        client_on(n, label, sessions, flags, 0)
    }

    /// [`client`] whose first `on_v1` check-ins answered edition 1, the rest
    /// edition 2; insights and chart computed as core computes them.
    fn client_on(
        n: u8,
        label: &str,
        sessions: &[(NaiveDate, u8, u8, Option<&str>, bool)],
        flags: Vec<Flag>,
        on_v1: usize,
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
                            version: if i < on_v1 { 1 } else { 2 },
                        },
                        session_date: day,
                        answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
                        shared_note: note.map(str::to_owned),
                        created_at: at,
                        updated_at: at,
                        support_requested: support,
                        goal_ratings: Default::default(),
                    },
                },
            )
            .collect();
        let points = chart_points(&checkins, &instruments());
        let (items, trend) = rapport_core::insights::analyse(&checkins, &instruments());
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
            goals: Vec::new(),
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
            headline: Sentence::Verbatim(headline.into()),
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
                    text: Sentence::Verbatim(text.into()),
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
                text: Sentence::Verbatim(
                    "heard 2, below the usual 3–5 over the last six sessions".into(),
                ),
            }],
            flags,
            opening: Opening {
                id: "concern.1".into(),
                version: 1,
                locale: "en".into(),
                text: "Last week felt <harder>: where would you like to start?".into(),
            },
            goals: Vec::new(),
            goal_line: None,
        }
    }

    fn report_with(clients: &[(ClientCheckIns, ClientInsights)], brief: Brief) -> String {
        report_in(clients, brief, Texts::english())
    }

    fn report_in(clients: &[(ClientCheckIns, ClientInsights)], brief: Brief, t: Texts) -> String {
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
            &instruments(),
            t,
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
    fn the_stylesheet_is_inline_and_allowed_by_the_policy_alone() {
        let html = report(&practice());
        assert!(html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">"
        ));
        // Inside <style> nothing is decoded: the CSS must arrive as written,
        // and must not be able to close the element early.
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(STYLE.contains(".brief > h2") && STYLE.contains("\"Segoe UI\""));
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
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
        // maud leaves an apostrophe as it is: every attribute it writes is
        // double-quoted, so a `'` can end nothing.
        assert!(card.contains("Hopeful fell from 4 to 2 (−2, below the client's usual range)."));
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
            text: Sentence::Verbatim(
                "Resolved by the check-in of 9 Nov 2026: heard 3, hopeful 2.".into(),
            ),
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
        let html = render("T", Utc::now(), &report, &instruments(), Texts::english());
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
        assert!(brief.contains("Heard 2 (below the client's usual range)."));
        assert!(brief.contains("Outside the usual range: heard 2, below the usual 3–5"));
        assert!(brief.contains("heard 2, hopeful 4"));
        assert!(brief.contains(
            "<blockquote>&lt;script&gt;alert('x')&lt;/script&gt; &amp; more</blockquote>"
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

    #[test]
    fn each_statement_is_worded_as_its_client_answered_it() {
        let sessions = [
            (date(11, 2), 2, 1, None, false),
            (date(11, 9), 3, 2, None, false),
            (date(11, 16), 4, 4, None, false),
            (date(11, 23), 5, 3, None, false),
        ];
        let clients = [
            client_on(1, "V.O.", &sessions, Vec::new(), 4),
            client_on(2, "M.X.", &sessions, Vec::new(), 2),
        ];
        let html = report(&clients);
        // Only v1 answers: v1's words, and the whole history compared.
        let v1 = card_of(&html, "V.O.");
        assert!(
            v1.contains("<th scope=\"row\">I leave feeling more hopeful</th>"),
            "{v1}"
        );
        assert!(v1.contains("<th scope=\"row\">I felt heard and understood</th>"));
        assert!(!v1.contains("Right now"));
        assert!(!v1.contains("is drawn from"));
        // v1, then v2: v2's words; hope is compared only within v2 and is
        // charted from the first v2 answer, heard across both.
        let mixed = card_of(&html, "M.X.");
        assert!(mixed.contains("Right now I feel hopeful that things can get better"));
        assert!(
            mixed.contains("<th scope=\"row\">Today I felt listened to</th>"),
            "{mixed}"
        );
        assert!(
            mixed.contains("(asked in these words since 16 Nov 2026)"),
            "{mixed}"
        );
        assert!(mixed.contains(
            "Hopeful is drawn from 16 Nov 2026, when the check-in began to ask “Right now I feel \
             hopeful that things can get better”; the 2 earlier answers were to “I leave feeling \
             more hopeful”, another question, and are neither drawn nor compared."
        ), "{mixed}");
        assert!(
            mixed.contains("heard: 2, 3, 4, 5; hopeful: 4, 3."),
            "{mixed}"
        );
        assert_eq!(mixed.matches("class=\"point point-hopeful\"").count(), 2);
    }

    /// The practice as a German-speaking therapist reads it: the page says
    /// `lang="de"`, its headings, dates and chart are German, the statements
    /// are the instrument's German wording, and no English sentence of the
    /// report's own table is left, and the flags' sentences are core's
    /// German ones.
    #[test]
    fn a_german_report_is_german_throughout() {
        let mut clients = practice();
        for (_, insight) in &mut clients {
            for f in &mut insight.flags {
                f.headline = Sentence::new("headline.support", [("date", Arg::Date(date(12, 14)))]);
                for r in &mut f.reasons {
                    r.text = Sentence::new(
                        "reason.support",
                        [
                            ("date", Arg::Date(date(12, 14))),
                            ("ratings", Arg::List(Vec::new())),
                        ],
                    );
                }
            }
        }
        let brief = Brief {
            date: date(12, 15),
            basis: BriefBasis::ActiveClients,
            cards: Vec::new(),
        };
        let german = Texts::for_locale("de_DE.UTF-8");
        let html = report_in(&clients, brief, german);
        assert!(html.contains("<html lang=\"de\">"));
        for heading in [
            "<h3>Offene Hinweise</h3>",
            "<h3>Zugehört und Hoffnung, Sitzung für Sitzung</h3>",
            "<h3>Geteilte Notizen</h3>",
            "<h3>Bewertungen</h3>",
            "<strong>Rapport ist kein Krisendienst.</strong>",
            "Heute — <time datetime=\"2026-12-15\">15. Dez. 2026</time>",
            "Rückmeldungen zu den Sitzungen — Dr. Ana &lt;Ruiz&gt; &amp; Co",
            "3 Personen, 1 offener Hinweis, davon 1 dringend.",
        ] {
            assert!(html.contains(heading), "no {heading:?}");
        }
        let flag = clients.iter().flat_map(|(_, i)| &i.flags).next().unwrap();
        for sentence in [&flag.headline, &flag.reasons[0].text] {
            let (de, en) = (sentence.render("de"), sentence.render("en"));
            assert!(html.contains(&de), "no {de:?}");
            assert!(!html.contains(&en), "English flag sentence: {en:?}");
        }
        let card = card_of(&html, "A.B.");
        assert!(card.contains("Heute hatte ich das Gefühl, dass mir zugehört wurde"));
        assert!(card.contains("Verlauf: "));
        assert!(card.contains("3 Rückmeldungen, die neueste zur Sitzung am 14. Dez. 2026"));
        assert!(card.contains("Bewertungen von A.B. zu Zugehört und Hoffnung, je Sitzung"));
        assert!(card_of(&html, "C.D.").contains("<span class=\"severity\">Dringend</span>"));

        let leftovers = texts::english_fragments()
            .into_iter()
            .filter(|fragment| html.contains(fragment))
            .collect::<Vec<_>>();
        assert!(
            leftovers.is_empty(),
            "English left in the German report: {leftovers:?}"
        );
        // The check above can fail: the English report has those fragments.
        let english = report_in(
            &clients,
            Brief {
                date: date(12, 15),
                basis: BriefBasis::ActiveClients,
                cards: Vec::new(),
            },
            Texts::english(),
        );
        assert!(
            texts::english_fragments()
                .iter()
                .filter(|f| english.contains(*f))
                .count()
                > 20
        );
    }
}

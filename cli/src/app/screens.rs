//! The app's pages, rendered with maud (every spliced value escaped) in the
//! therapist's language. The pieces that show a brief or a client are the
//! report's ([`crate::report`]); this module adds the frame around them,
//! the forms, and the answers to refused requests.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rapport_core::insights::FlagRules;
use rapport_core::insights::{Brief, ClientInsights};
use rapport_core::sync::{ClientCheckIns, REPLY_MAX_CHARS};
use rapport_core::{Instruments, insights::Flag};

use super::App;
use crate::report::{self, Discuss};

/// The outcome of a form, shown once on the page the browser is sent to.
#[derive(Debug, Clone)]
pub enum Notice {
    /// It worked; says what it did.
    Done(String),
    /// It did not; says why.
    Failed(String),
}

/// Which part of the app a page belongs to, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The brief of a day.
    Today,
    /// The list of clients and each client's page.
    Clients,
    /// A new invite.
    Invite,
    /// Rules, relay, recovery kit, export.
    Settings,
}

/// The end of the last sync.
#[derive(Debug, Clone)]
pub struct LastSync {
    /// When it ended.
    pub at: chrono::DateTime<chrono::Local>,
    /// What it did, or why it failed, in the therapist's words.
    pub outcome: Result<String, String>,
}

/// An invite just made: what the Invite page shows until the next one.
#[derive(Debug, Clone)]
pub struct ShownInvite {
    /// The therapist's name for the client it is for.
    pub label: String,
    /// The invite link (`rapport:invite/...`).
    pub uri: String,
    /// The link as a QR code, an SVG document.
    pub svg: String,
    /// When it stops working.
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// A whole page: the navigation (with "Sync now", which brings the browser
/// back to `here`), the notice of the last form, then `body`.
fn page(
    app: &App,
    section: Option<Section>,
    here: &str,
    notice: Option<Notice>,
    body: Markup,
) -> Markup {
    let t = app.texts;
    let title = t.fill("app_title", &[("name", &app.therapist_name)]);
    let current = |s: Section| (section == Some(s)).then_some("page");
    html! {
        (DOCTYPE)
        html lang=(t.lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light";
                title { (title) }
                // Our own stylesheet, allowed by its hash in the CSP.
                style { (PreEscaped(&app.style)) }
            }
            body {
                header class="app-header" {
                    p class="app-name" { (title) }
                    nav aria-label=(t.get("app_nav_label")) {
                        ul {
                            li { a href="/" aria-current=[current(Section::Today)] { (t.get("app_nav_today")) } }
                            li { a href="/clients" aria-current=[current(Section::Clients)] { (t.get("app_nav_clients")) } }
                            li { a href="/invite" aria-current=[current(Section::Invite)] { (t.get("app_nav_invite")) } }
                            li { a href="/settings" aria-current=[current(Section::Settings)] { (t.get("app_nav_settings")) } }
                        }
                        form class="sync" method="post" action="/sync" {
                            input type="hidden" name="csrf" value=(app.secrets.form_token);
                            input type="hidden" name="back" value=(here);
                            button type="submit" aria-describedby="last-sync" { (t.get("app_sync_now")) }
                        }
                        p id="last-sync" class="last-sync" { (last_sync(app)) }
                    }
                }
                main {
                    @match notice {
                        Some(Notice::Done(text)) => p class="app-notice done" role="status" { (text) },
                        Some(Notice::Failed(text)) => p class="app-notice failed" role="alert" { (text) },
                        None => {},
                    }
                    (body)
                }
                footer class="page-footer" { p { (t.get("app_footer")) } }
            }
        }
    }
}

/// "Last sync at 10:42: …", or that none has ended yet in this run.
fn last_sync(app: &App) -> String {
    let t = app.texts;
    let last = app.last_sync.lock().ok().and_then(|l| l.clone());
    match last {
        None => t.get("app_sync_none").to_owned(),
        Some(LastSync { at, outcome }) => {
            let time = at.format("%H:%M").to_string();
            match outcome {
                Ok(done) => t.fill("app_sync_last", &[("time", &time), ("what", &done)]),
                Err(e) => t.fill("app_sync_last_failed", &[("time", &time), ("error", &e)]),
            }
        }
    }
}

/// A page with no navigation and no forms, for a browser that is not let in
/// (or a form refused): it must not carry the form token.
fn bare(app: &App, status: StatusCode, heading: &str, text: &str) -> Response {
    let t = app.texts;
    let markup = html! {
        (DOCTYPE)
        html lang=(t.lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (heading) }
                style { (PreEscaped(&app.style)) }
            }
            body {
                main class="bare" {
                    h1 { (heading) }
                    p { (text) }
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// 401: this browser has not opened the link from the terminal.
pub fn locked(app: &App) -> Response {
    let t = app.texts;
    bare(
        app,
        StatusCode::UNAUTHORIZED,
        t.get("app_lock_title"),
        t.get("app_lock_text"),
    )
}

/// The answer to the link when another site or a local file led to it: a
/// page that moves on to `/` by itself (no script: a refresh of 0 seconds),
/// with a link for a browser that does not. Its navigation starts here, so
/// the browser sends the new SameSite=Strict cookie with it.
pub fn unlocked(app: &App) -> Response {
    let t = app.texts;
    let markup = html! {
        (DOCTYPE)
        html lang=(t.lang()) {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="0;url=/";
                title { (t.get("app_unlocked")) }
                style { (PreEscaped(&app.style)) }
            }
            body {
                main class="bare" {
                    h1 { (t.get("app_unlocked")) }
                    p { a href="/" { (t.get("app_continue")) } }
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// 403: a form without this launch's token.
pub fn refused(app: &App) -> Response {
    let t = app.texts;
    bare(
        app,
        StatusCode::FORBIDDEN,
        t.get("app_refused_title"),
        t.get("app_refused_text"),
    )
}

/// A page of the app with status 200.
pub fn ok(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// A page of the app saying what went wrong, with `status`.
pub fn problem(app: &App, status: StatusCode, text: &str, notice: Option<Notice>) -> Response {
    let body = html! {
        h1 { (app.texts.get("app_problem_title")) }
        p { (text) }
    };
    (
        status,
        Html(page(app, None, "/", notice, body).into_string()),
    )
        .into_response()
}

/// Today (or `brief.date`): the brief, with a field to choose another day.
pub fn today(
    app: &App,
    brief: &Brief,
    today: NaiveDate,
    bad_date: bool,
    notice: Option<Notice>,
) -> Markup {
    let t = app.texts;
    let heading = if brief.date == today {
        "brief_today"
    } else {
        "app_brief_for"
    };
    let body = html! {
        h1 class="visually-hidden" { (t.get("app_nav_today")) }
        form class="day" method="get" action="/" {
            label for="date" { (t.get("app_date_label")) }
            " "
            input type="date" id="date" name="date" value=(brief.date);
            " "
            button type="submit" { (t.get("app_show")) }
        }
        @if bad_date {
            p class="app-notice failed" role="alert" { (t.get("app_bad_date")) }
        }
        (report::brief_section(brief, heading, t))
    };
    let here = if brief.date == today {
        "/".to_owned()
    } else {
        format!("/?date={}", brief.date)
    };
    page(app, Some(Section::Today), &here, notice, body)
}

/// Every client in the order of need core gives (`insights`), then those
/// the insights do not know yet, each linking to their page.
pub fn clients(
    app: &App,
    clients: &[ClientCheckIns],
    insights: &[ClientInsights],
    notice: Option<Notice>,
) -> Markup {
    let t = app.texts;
    let checkins = |id: rapport_core::DeviceId| {
        clients
            .iter()
            .find(|c| c.device_id == id)
            .map_or(0, |c| c.checkins.len())
    };
    let unknown = clients
        .iter()
        .filter(|c| !insights.iter().any(|i| i.device_id == c.device_id));
    let body = html! {
        h1 { (t.get("app_clients_heading")) }
        @if clients.is_empty() && insights.is_empty() {
            (report::no_clients_yet(t))
        } @else {
            table class="client-list" {
                thead {
                    tr {
                        th scope="col" { (t.get("app_col_client")) }
                        th scope="col" { (t.get("app_col_flags")) }
                        th scope="col" { (t.get("app_col_trend")) }
                        th scope="col" { (t.get("app_col_checkins")) }
                    }
                }
                tbody {
                    @for i in insights {
                        tr {
                            th scope="row" {
                                a href={ "/clients/" (i.device_id) } { (i.label) }
                                @if let Some(status) = report::status_text(&i.status, t) {
                                    " " span class="badge status" { (status) }
                                }
                            }
                            td { (flags_cell(&i.flags, t)) }
                            td { (report::trend_word(i, t)) }
                            td { (checkins(i.device_id)) }
                        }
                    }
                    @for c in unknown {
                        tr {
                            th scope="row" { a href={ "/clients/" (c.device_id) } { (c.label) } }
                            td { "0" }
                            td { "—" }
                            td { (c.checkins.len()) }
                        }
                    }
                }
            }
            form class="ack" method="post" action="/ack" {
                input type="hidden" name="csrf" value=(app.secrets.form_token);
                p { (t.get("app_ack_text")) }
                button type="submit" { (t.get("app_ack_all")) }
            }
        }
    };
    page(app, Some(Section::Clients), "/clients", notice, body)
}

/// "2 open flags (Urgent)", or "0".
fn flags_cell(flags: &[Flag], t: report::Texts) -> String {
    match flags.iter().map(|f| f.severity).min() {
        None => "0".to_owned(),
        Some(top) => format!(
            "{} ({})",
            t.count(flags.len(), "open_flags"),
            report::severity_word(top, t)
        ),
    }
}

/// One client's page: the report's card (flags with a "mark discussed"
/// button, charts, ratings, goals, notes) and a reply to their latest
/// check-in. `clients`, `insights` and `resolved` hold this client only.
pub fn client(
    app: &App,
    client: &ClientCheckIns,
    insights: &[ClientInsights],
    resolved: &[Flag],
    instruments: &Instruments,
    notice: Option<Notice>,
) -> Markup {
    let t = app.texts;
    let here = format!("/clients/{}", client.device_id);
    let cards = report::cards(
        std::slice::from_ref(client),
        insights,
        resolved,
        Discuss::Button {
            csrf: &app.secrets.form_token,
        },
    );
    let latest = client.checkins.last();
    let today = chrono::Local::now().date_naive();
    let body = html! {
        p class="back" { a href="/clients" { (t.get("app_all_clients")) } }
        h1 class="visually-hidden" { (client.label) }
        @for card in &cards {
            (card.render(1, instruments, t))
        }
        section class="reply" aria-labelledby="reply-title" {
            h2 id="reply-title" { (t.get("app_reply_heading")) }
            @match latest {
                None => p class="quiet" { (t.get("app_reply_nothing")) },
                Some(c) => {
                    p { (t.fill("app_reply_for", &[("date", &t.date(c.body.session_date))])) }
                    @if let Some(reply) = &c.reply {
                        p { (t.get("app_reply_now")) }
                        blockquote { (reply.text) }
                    }
                    form method="post" action="/reply" {
                        input type="hidden" name="csrf" value=(app.secrets.form_token);
                        input type="hidden" name="checkin" value=(c.record_id);
                        input type="hidden" name="client" value=(client.device_id);
                        label for="reply-text" { (t.fill("app_reply_label", &[("max", &REPLY_MAX_CHARS)])) }
                        textarea id="reply-text" name="text" rows="3" maxlength=(REPLY_MAX_CHARS) required {
                            @if let Some(reply) = &c.reply { (reply.text) }
                        }
                        button type="submit" { (t.get("app_reply_send")) }
                    }
                }
            }
        }
        section class="session" aria-labelledby="session-title" {
            h2 id="session-title" { (t.get("app_session_heading")) }
            form method="post" action="/session" {
                input type="hidden" name="csrf" value=(app.secrets.form_token);
                input type="hidden" name="client" value=(client.device_id);
                p { (t.get("app_session_text")) }
                label for="session-date" { (t.get("app_session_date")) }
                " "
                input type="date" id="session-date" name="date" value=(today) required;
                " "
                button type="submit" { (t.get("app_session_record")) }
            }
        }
        section class="revoke" aria-labelledby="revoke-title" {
            h2 id="revoke-title" { (t.get("app_revoke_heading")) }
            form method="post" action="/revoke" {
                input type="hidden" name="csrf" value=(app.secrets.form_token);
                input type="hidden" name="client" value=(client.device_id);
                p {
                    input type="checkbox" id="revoke-confirm" name="confirm" value="yes" required;
                    " "
                    label for="revoke-confirm" { (t.fill("app_revoke_confirm", &[("label", &client.label)])) }
                }
                button type="submit" { (t.fill("app_revoke_button", &[("label", &client.label)])) }
            }
        }
    };
    page(app, Some(Section::Clients), &here, notice, body)
}

/// Invite: the form for a new invite and, once made, its QR code and link.
pub fn invite(app: &App, shown: Option<&ShownInvite>, notice: Option<Notice>) -> Markup {
    let t = app.texts;
    let max = rapport_core::invite::MAX_VALIDITY_DAYS;
    let body = html! {
        h1 { (t.get("app_invite_heading")) }
        p { (t.get("app_invite_intro")) }
        form class="invite" method="post" action="/invite" {
            input type="hidden" name="csrf" value=(app.secrets.form_token);
            p {
                label for="invite-label" { (t.get("app_invite_label")) }
                input type="text" id="invite-label" name="label" required maxlength="64" autocomplete="off";
            }
            p {
                label for="invite-days" { (t.fill("app_invite_days", &[("max", &max)])) }
                input type="number" id="invite-days" name="days" min="1" max=(max)
                    value=(rapport_core::invite::DEFAULT_VALIDITY_DAYS) required;
            }
            button type="submit" { (t.get("app_invite_create")) }
        }
        @if let Some(shown) = shown {
            section class="new-invite" aria-labelledby="new-invite-title" {
                h2 id="new-invite-title" { (t.fill("app_invite_for", &[("label", &shown.label)])) }
                div class="qr" role="img" aria-label=(t.fill("app_invite_qr_name", &[("label", &shown.label)])) {
                    (PreEscaped(svg_element(&shown.svg)))
                }
                p { (t.fill("app_invite_expires", &[("date", &t.date(shown.expires.date_naive()))])) }
                p {
                    label for="invite-link" { (t.get("app_invite_link")) }
                    textarea id="invite-link" class="invite-link" rows="3" readonly { (shown.uri) }
                    // Shown by the script, where there is a clipboard.
                    button type="button" data-copy="invite-link" data-status="copy-status"
                        data-done=(t.get("app_invite_copied")) data-failed=(t.get("app_invite_copy_failed"))
                        hidden { (t.get("app_invite_copy")) }
                    " "
                    span id="copy-status" role="status" {}
                }
                p { (t.get("app_invite_give")) }
            }
            script { (PreEscaped(super::APP_SCRIPT)) }
        }
    };
    page(app, Some(Section::Invite), "/invite", notice, body)
}

/// The `<svg>` element of an SVG document: what can stand inside HTML.
/// The document is the qrcode crate's, drawn from the invite alone (no
/// text of anyone's), so it goes in unescaped.
fn svg_element(document: &str) -> &str {
    document.find("<svg").map_or("", |start| &document[start..])
}

/// Settings: the flag rules, the relay, a recovery kit and an export.
pub fn settings(app: &App, rules: &FlagRules, relay: &str, notice: Option<Notice>) -> Markup {
    let t = app.texts;
    let body = html! {
        h1 { (t.get("app_settings_heading")) }
        section aria-labelledby="rules-title" {
            h2 id="rules-title" { (t.get("app_rules_heading")) }
            p { (t.get("app_rules_intro")) }
            form class="rules" method="post" action="/settings/rules" {
                input type="hidden" name="csrf" value=(app.secrets.form_token);
                @for (name, value, _) in rules.entries() {
                    p class="rule" {
                        label for={ "rule-" (name) } { (t.get(&format!("rule_{name}"))) }
                        input type="number" id={ "rule-" (name) } name=(name) value=(value) min="1" required;
                    }
                }
                button type="submit" { (t.get("app_rules_save")) }
            }
        }
        section aria-labelledby="relay-title" {
            h2 id="relay-title" { (t.get("app_relay_heading")) }
            p { (t.get("app_relay_text")) }
            p { code { (relay) } }
        }
        section id="kit" aria-labelledby="kit-title" {
            h2 id="kit-title" { (t.get("app_kit_heading")) }
            p { (t.get("app_kit_intro")) }
            form class="kit" method="post" action="/settings/kit" {
                input type="hidden" name="csrf" value=(app.secrets.form_token);
                p {
                    label for="kit-passphrase" { (t.get("app_kit_passphrase")) }
                    input type="password" id="kit-passphrase" name="passphrase" required
                        autocomplete="new-password" aria-describedby="kit-hint";
                }
                p {
                    label for="kit-repeat" { (t.get("app_kit_repeat")) }
                    input type="password" id="kit-repeat" name="repeat" required autocomplete="new-password";
                }
                p id="kit-hint" class="quiet" { (t.get("app_kit_hint")) }
                button type="submit" { (t.get("app_kit_make")) }
            }
        }
        section aria-labelledby="export-title" {
            h2 id="export-title" { (t.get("app_export_heading")) }
            p { (t.get("app_export_text")) }
            p { a href="/settings/export" download { (t.get("app_export_link")) } }
        }
    };
    page(app, Some(Section::Settings), "/settings", notice, body)
}

//! The app's addresses and what each does. Reading is GET; anything that
//! changes the home is a POST carrying the form token, answered with a 303
//! back to a page that shows the outcome once (post/redirect/get, so a
//! reload never repeats it).
//!
//! Check order, for every request: host (421) → session (401) in
//! [`guard::protect`]; then, for a POST, the form token (403); then the
//! form's own fields.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router, middleware};
use chrono::NaiveDate;
use rapport_core::insights::RuleSettingError;
use rapport_core::invite;
use rapport_core::sync::Role;
use rapport_core::{DeviceId, Passphrase, Store};

use super::App;
use super::guard::{self, UNLOCK_PATH};
use super::screens::{self, Notice};

/// Every address of the app, behind [`guard::protect`].
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(today))
        .route("/clients", get(clients))
        .route("/clients/{id}", get(client))
        .route("/flags/discussed", post(discussed))
        .route("/reply", post(reply))
        .route("/sync", post(sync))
        .route("/ack", post(acknowledge))
        .route("/session", post(session))
        .route("/revoke", post(revoke))
        .route("/invite", get(invite_page).post(invite))
        .route("/settings", get(settings))
        .route("/settings/rules", post(rules))
        .route("/settings/kit", post(recovery_kit))
        .route("/settings/export", get(export))
        .route(UNLOCK_PATH, get(unlock))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            guard::protect,
        ))
        .with_state(app)
}

type Fields = HashMap<String, String>;

/// Runs `work` on the open home off the async threads (SQLite and the relay
/// client block). Errors come back as the sentence a person reads.
async fn with_store<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&mut Store, &App) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || {
        let mut store = app
            .store
            .lock()
            .map_err(|_| "an earlier request failed half-way; restart the app".to_owned())?;
        work(&mut store, &app)
    })
    .await
    .map_err(|e| format!("the request was interrupted: {e}"))?
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl App {
    fn take_notice(&self) -> Option<Notice> {
        self.notice.lock().ok()?.take()
    }

    fn set_notice(&self, notice: Notice) {
        if let Ok(mut slot) = self.notice.lock() {
            *slot = Some(notice);
        }
    }

    fn failed(&self, error: &str) -> Notice {
        Notice::Failed(self.texts.fill("app_failed", &[("error", &error)]))
    }

    /// Shows what a form did, or why it did not, on the next page.
    fn tell(&self, outcome: Result<String, String>) {
        self.set_notice(match outcome {
            Ok(done) => Notice::Done(done),
            Err(e) => self.failed(&e),
        });
    }
}

/// The fields of a POST, if it carries this launch's form token; a form
/// that does not parse counts as one without it.
fn checked(app: &App, form: Result<Form<Fields>, FormRejection>) -> Option<Fields> {
    let Form(fields) = form.ok()?;
    guard::form_token_matches(fields.get("csrf").map(String::as_str), app).then_some(fields)
}

/// The page of the client a form names, or Today when it names none.
fn client_back(fields: &Fields) -> String {
    safe_back(
        fields
            .get("client")
            .map(|id| format!("/clients/{id}"))
            .as_ref(),
    )
}

/// Where "back" may send the browser: one of the app's own pages, never
/// another site.
fn safe_back(back: Option<&String>) -> String {
    match back.map(String::as_str) {
        Some(page @ ("/clients" | "/invite" | "/settings")) => page.to_owned(),
        Some(path) => match path.strip_prefix("/clients/") {
            Some(id) if id.parse::<DeviceId>().is_ok() => path.to_owned(),
            _ => match path.strip_prefix("/?date=") {
                Some(day) if day.parse::<NaiveDate>().is_ok() => path.to_owned(),
                _ => "/".to_owned(),
            },
        },
        None => "/".to_owned(),
    }
}

async fn unlock(
    State(app): State<Arc<App>>,
    request_headers: HeaderMap,
    Query(query): Query<Fields>,
) -> Response {
    let key = query.get("key").map(String::as_str).unwrap_or_default();
    if !guard::same_secret(key, &app.secrets.unlock) {
        return screens::locked(&app);
    }
    let cookie = [(SET_COOKIE, guard::session_cookie(&app))];
    // A browser withholds a SameSite=Strict cookie from every request of a
    // redirect chain another site (or a local file, such as the page that
    // opens the browser) started, so there a redirect would land on the lock
    // page. That chain is ended by a page of ours that moves on by itself;
    // otherwise (a link clicked in the terminal) a plain redirect. Either
    // way the secret leaves the address bar.
    let cross_site = request_headers
        .get("sec-fetch-site")
        .is_some_and(|site| site != "none" && site != "same-origin");
    if cross_site {
        (cookie, screens::unlocked(&app)).into_response()
    } else {
        (cookie, Redirect::to("/")).into_response()
    }
}

async fn today(State(app): State<Arc<App>>, Query(query): Query<Fields>) -> Response {
    let today = chrono::Local::now().date_naive();
    let asked = query
        .get("date")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty());
    let (date, bad_date) = match asked.map(str::parse::<NaiveDate>) {
        None => (today, false),
        Some(Ok(date)) => (date, false),
        Some(Err(_)) => (today, true),
    };
    let notice = app.take_notice();
    let page = with_store(&app, move |store, app| {
        let brief = store.brief(date, None, app.texts.lang()).map_err(text)?;
        Ok(screens::today(app, &brief, today, bad_date, notice))
    })
    .await;
    match page {
        Ok(page) => screens::ok(page),
        Err(e) => screens::problem(&app, StatusCode::INTERNAL_SERVER_ERROR, &e, None),
    }
}

async fn clients(State(app): State<Arc<App>>) -> Response {
    let notice = app.take_notice();
    let page = with_store(&app, move |store, app| {
        let clients = store.dashboard().map_err(text)?;
        let insights = store.insights().map_err(text)?;
        Ok(screens::clients(app, &clients, &insights, notice))
    })
    .await;
    match page {
        Ok(page) => screens::ok(page),
        Err(e) => screens::problem(&app, StatusCode::INTERNAL_SERVER_ERROR, &e, None),
    }
}

async fn client(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<DeviceId>() else {
        return not_found(State(app)).await;
    };
    let notice = app.take_notice();
    let page = with_store(&app, move |store, app| {
        let Some(client) = store
            .dashboard()
            .map_err(text)?
            .into_iter()
            .find(|c| c.device_id == id)
        else {
            return Ok(None);
        };
        let insights: Vec<_> = store
            .insights()
            .map_err(text)?
            .into_iter()
            .filter(|i| i.device_id == id)
            .collect();
        let resolved: Vec<_> = store
            .flags(true)
            .map_err(text)?
            .into_iter()
            .filter(|f| f.client == id && !f.is_open())
            .collect();
        Ok(Some(screens::client(
            app,
            &client,
            &insights,
            &resolved,
            store.instruments(),
            notice,
        )))
    })
    .await;
    match page {
        Ok(Some(page)) => screens::ok(page),
        Ok(None) => {
            let text = app.texts.get("app_unknown_client");
            screens::problem(&app, StatusCode::NOT_FOUND, text, None)
        }
        Err(e) => screens::problem(&app, StatusCode::INTERNAL_SERVER_ERROR, &e, None),
    }
}

async fn discussed(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let flag = fields.get("flag").cloned().unwrap_or_default();
    let done = with_store(&app, move |store, _| {
        store.mark_discussed(&flag).map_err(text)
    })
    .await;
    match done {
        Ok(flag) => {
            app.set_notice(Notice::Done(app.texts.get("app_done_discussed").into()));
            Redirect::to(&format!("/clients/{}", flag.client)).into_response()
        }
        Err(e) => {
            app.set_notice(app.failed(&e));
            Redirect::to("/clients").into_response()
        }
    }
}

async fn reply(State(app): State<Arc<App>>, form: Result<Form<Fields>, FormRejection>) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let back = client_back(&fields);
    let checkin = fields
        .get("checkin")
        .and_then(|id| id.parse::<uuid::Uuid>().ok());
    let reply_text = fields.get("text").cloned().unwrap_or_default();
    let Some(checkin) = checkin else {
        app.set_notice(app.failed("the form names no check-in; reload the page"));
        return Redirect::to(&back).into_response();
    };
    let saved = with_store(&app, move |store, _| {
        store.reply_to_checkin(checkin, &reply_text).map_err(text)?;
        // The session it answers, to say which check-in it went to.
        Ok(store.dashboard().map_err(text)?.into_iter().find_map(|c| {
            c.checkins
                .iter()
                .find(|r| r.record_id == checkin)
                .map(|r| r.body.session_date)
        }))
    })
    .await;
    let t = app.texts;
    app.tell(saved.map(|date| {
        let date = date.map_or_else(|| "—".to_owned(), |d| t.date(d));
        t.fill("app_done_replied", &[("date", &date)])
    }));
    Redirect::to(&back).into_response()
}

async fn sync(State(app): State<Arc<App>>, form: Result<Form<Fields>, FormRejection>) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let back = safe_back(fields.get("back"));
    let outcome = sync_now(&app).await;
    app.tell(outcome);
    Redirect::to(&back).into_response()
}

/// Syncs with the relay; says what it did (or why it failed) in the
/// therapist's words, and keeps that for every page's header.
async fn sync_now(app: &Arc<App>) -> Result<String, String> {
    let report = with_store(app, |store, _| {
        let transport = crate::transport_for(store).map_err(text)?;
        store.sync(transport.as_ref()).map_err(text)
    })
    .await;
    let t = app.texts;
    let outcome = report.map(|report| {
        let mut done = t.fill(
            "app_done_synced",
            &[
                ("sent", &report.sent),
                ("received", &report.received),
                ("applied", &report.applied),
                ("refused", &report.quarantined.len()),
            ],
        );
        if !report.paired.is_empty() {
            done.push(' ');
            done.push_str(&t.fill("app_done_paired", &[("labels", &report.paired.join(", "))]));
        }
        done
    });
    if let Ok(mut last) = app.last_sync.lock() {
        *last = Some(screens::LastSync {
            at: chrono::Local::now(),
            outcome: outcome.clone(),
        });
    }
    outcome
}

/// Syncs at launch and then every `every`, for as long as the app runs:
/// what clients sent is there without asking, and replies leave.
pub async fn sync_in_background(app: Arc<App>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // The outcome is in the header of the next page shown.
        let _ = sync_now(&app).await;
    }
}

async fn acknowledge(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(_) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let done = with_store(&app, |store, _| store.acknowledge_all().map_err(text)).await;
    let t = app.texts;
    app.tell(done.map(|n| t.fill("app_done_acknowledged", &[("n", &n)])));
    Redirect::to("/clients").into_response()
}

/// The label of the client with the form's `client` id.
fn client_of(store: &Store, fields: &Fields) -> Result<String, String> {
    let id = fields
        .get("client")
        .and_then(|id| id.parse::<DeviceId>().ok())
        .ok_or_else(|| "the form names no client; reload the page".to_owned())?;
    store
        .dashboard()
        .map_err(text)?
        .into_iter()
        .find(|c| c.device_id == id)
        .map(|c| c.label)
        .ok_or_else(|| "no client has this id; reload the page".to_owned())
}

async fn session(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let back = client_back(&fields);
    let date = fields.get("date").map(|d| d.trim().parse::<NaiveDate>());
    let Some(Ok(date)) = date else {
        app.set_notice(Notice::Failed(app.texts.get("app_bad_date_field").into()));
        return Redirect::to(&back).into_response();
    };
    let done = with_store(&app, move |store, _| {
        let label = client_of(store, &fields)?;
        store.record_session(&label, date).map_err(text)?;
        Ok(store.flag_rules().map_err(text)?.missing_session_grace_days)
    })
    .await;
    let t = app.texts;
    app.tell(done.map(|days| {
        t.fill(
            "app_done_session",
            &[("date", &t.date(date)), ("days", &days)],
        )
    }));
    Redirect::to(&back).into_response()
}

async fn revoke(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let back = client_back(&fields);
    if fields.get("confirm").map(String::as_str) != Some("yes") {
        app.set_notice(Notice::Failed(
            app.texts.get("app_revoke_unconfirmed").into(),
        ));
        return Redirect::to(&back).into_response();
    }
    let done = with_store(&app, move |store, _| {
        let label = client_of(store, &fields)?;
        let transport = crate::transport_for(store).map_err(text)?;
        store
            .revoke_client(transport.as_ref(), &label)
            .map_err(text)?;
        Ok(label)
    })
    .await;
    let t = app.texts;
    app.tell(done.map(|label| t.fill("app_done_revoked", &[("label", &label)])));
    Redirect::to(&back).into_response()
}

async fn invite_page(State(app): State<Arc<App>>) -> Response {
    let notice = app.take_notice();
    let shown = app.last_invite.lock().ok().and_then(|slot| slot.clone());
    screens::ok(screens::invite(&app, shown.as_ref(), notice))
}

async fn invite(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let label = fields
        .get("label")
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    let days = fields.get("days").map(|d| d.trim().parse::<i64>());
    let valid_for = match days {
        None => invite::default_validity(),
        Some(Ok(days @ 1..=invite::MAX_VALIDITY_DAYS)) => invite::validity_days(days),
        Some(_) => {
            let max = invite::MAX_VALIDITY_DAYS;
            app.set_notice(Notice::Failed(
                app.texts.fill("app_invite_bad_days", &[("max", &max)]),
            ));
            return Redirect::to("/invite").into_response();
        }
    };
    if label.is_empty() {
        app.set_notice(Notice::Failed(app.texts.get("app_invite_no_label").into()));
        return Redirect::to("/invite").into_response();
    }
    let made = with_store(&app, move |store, _| {
        let transport = crate::transport_for(store).map_err(text)?;
        let invite = store
            .invite_client(transport.as_ref(), &label, valid_for)
            .map_err(text)?;
        Ok(screens::ShownInvite {
            svg: invite.to_qr_svg().map_err(text)?,
            uri: invite.to_uri(),
            expires: invite.expires_at,
            label,
        })
    })
    .await;
    match made {
        Ok(shown) => {
            if let Ok(mut slot) = app.last_invite.lock() {
                *slot = Some(shown);
            }
        }
        Err(e) => app.set_notice(app.failed(&e)),
    }
    Redirect::to("/invite").into_response()
}

async fn settings(State(app): State<Arc<App>>) -> Response {
    let notice = app.take_notice();
    let page = with_store(&app, move |store, app| {
        let rules = store.flag_rules().map_err(text)?;
        let account = store.require_account(Role::Therapist).map_err(text)?;
        Ok(screens::settings(app, &rules, &account.relay_url, notice))
    })
    .await;
    match page {
        Ok(page) => screens::ok(page),
        Err(e) => screens::problem(&app, StatusCode::INTERNAL_SERVER_ERROR, &e, None),
    }
}

async fn rules(State(app): State<Arc<App>>, form: Result<Form<Fields>, FormRejection>) -> Response {
    let Some(fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let t = app.texts;
    let done = with_store(&app, move |store, _| {
        let mut rules = store.flag_rules().map_err(text)?;
        let mut changed = 0;
        for (name, value, _) in rules.clone().entries() {
            let Some(given) = fields.get(name).map(|v| v.trim()) else {
                continue;
            };
            if given == value.to_string() {
                continue;
            }
            rules.set(name, given).map_err(|e| match e {
                RuleSettingError::OutOfRange { min, max, .. } => t.fill(
                    "app_rule_out_of_range",
                    &[
                        ("rule", &t.get(&format!("rule_{name}"))),
                        ("min", &min),
                        ("max", &max),
                    ],
                ),
                other => other.to_string(),
            })?;
            changed += 1;
        }
        if changed > 0 {
            store.set_flag_rules(&rules).map_err(text)?;
        }
        Ok(changed)
    })
    .await;
    app.tell(done.map(|n| t.fill("app_done_rules", &[("n", &n)])));
    Redirect::to("/settings").into_response()
}

/// The least zxcvbn score (0 to 4) a recovery kit's passphrase must reach.
const KIT_MIN_STRENGTH: u8 = 3;

async fn recovery_kit(
    State(app): State<Arc<App>>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let Some(mut fields) = checked(&app, form) else {
        return screens::refused(&app);
    };
    let t = app.texts;
    let passphrase = zeroize::Zeroizing::new(fields.remove("passphrase").unwrap_or_default());
    let repeated = zeroize::Zeroizing::new(fields.remove("repeat").unwrap_or_default());
    if *passphrase != *repeated {
        app.set_notice(Notice::Failed(t.get("app_kit_mismatch").into()));
        return Redirect::to("/settings#kit").into_response();
    }
    let strength = u8::from(zxcvbn::zxcvbn(&passphrase, &[]).score());
    if strength < KIT_MIN_STRENGTH {
        app.set_notice(Notice::Failed(t.fill(
            "app_kit_weak",
            &[("score", &strength), ("needed", &KIT_MIN_STRENGTH)],
        )));
        return Redirect::to("/settings#kit").into_response();
    }
    let kit = with_store(&app, move |store, _| {
        let passphrase = Passphrase::new(passphrase.as_str())
            .with_work_factor(crate::work_factor().map_err(text)?);
        store.recovery_kit(&passphrase).map_err(text)
    })
    .await;
    match kit {
        Ok(kit) => {
            let name = format!(
                "rapport-recovery-kit-{}.age",
                chrono::Local::now().date_naive()
            );
            download(kit, "application/octet-stream", &name)
        }
        Err(e) => {
            app.set_notice(app.failed(&e));
            Redirect::to("/settings#kit").into_response()
        }
    }
}

async fn export(State(app): State<Arc<App>>) -> Response {
    let lang = app.texts.lang();
    let json = with_store(&app, move |store, _| {
        let clients = store.dashboard().map_err(text)?;
        let insights = store.insights().map_err(text)?;
        let flags = store.flags(true).map_err(text)?;
        let rules: serde_json::Map<_, _> = store
            .flag_rules()
            .map_err(text)?
            .entries()
            .into_iter()
            .map(|(name, value, _)| (name.to_owned(), value.into()))
            .collect();
        let export = serde_json::json!({
            "exported_at": chrono::Utc::now().to_rfc3339(),
            "clients": crate::output::dashboard_json(&clients, &insights, lang),
            "flags": crate::output::flags_json(&flags, lang),
            "rules": rules,
        });
        serde_json::to_vec_pretty(&export).map_err(text)
    })
    .await;
    match json {
        Ok(json) => {
            let name = format!("rapport-export-{}.json", chrono::Local::now().date_naive());
            download(json, "application/json", &name)
        }
        Err(e) => screens::problem(&app, StatusCode::INTERNAL_SERVER_ERROR, &e, None),
    }
}

/// `body` as a file the browser saves as `name` rather than shows.
fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    let text = app.texts.get("app_not_found");
    screens::problem(&app, StatusCode::NOT_FOUND, text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_leads_only_to_pages_of_the_app() {
        let back = |s: &str| safe_back(Some(&s.to_owned()));
        assert_eq!(back("/clients"), "/clients");
        assert_eq!(back("/invite"), "/invite");
        assert_eq!(back("/settings"), "/settings");
        let id = "00112233445566778899aabbccddeeff";
        assert_eq!(back(&format!("/clients/{id}")), format!("/clients/{id}"));
        assert_eq!(back("/?date=2026-12-15"), "/?date=2026-12-15");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/clients/../../x",
            "/clients/zz",
            "/?date=x\r\nSet-Cookie: a=b",
            "",
        ] {
            assert_eq!(back(hostile), "/", "{hostile:?}");
        }
        assert_eq!(safe_back(None), "/");
    }
}

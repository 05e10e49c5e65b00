//! `rapport therapist app`: the therapist's home as a small web app in the
//! browser of this computer, served on 127.0.0.1 for as long as the command
//! runs.
//!
//! It reads and changes the home through the same core calls as the other
//! `therapist` commands (brief, insights, mark discussed, reply, sync), and
//! renders with the report's pieces ([`crate::report`]) so both say the same
//! thing the same way. Pages are rendered on the server with maud, which
//! escapes every spliced value. The one script ([`APP_SCRIPT`]) only adds a
//! copy button; nothing depends on it.
//!
//! Screens: Today (the brief of a day), Clients (by need; a client's page
//! with charts, goals, notes, flags, replies, sessions and revoking),
//! Invite (the QR code and the link) and Settings (flag rules, the relay,
//! a recovery kit, an export).
//!
//! The home is opened once, at launch, with the passphrase the CLI always
//! reads (`RAPPORT_PASSPHRASE` or a prompt): never in a URL, a form or a log.
//! What keeps everyone else out is in [`guard`].

mod guard;
mod routes;
mod screens;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::http::HeaderValue;
use rapport_core::Store;
use rapport_core::sync::Role;

use crate::report::Texts;
use crate::{Result, open_home, write_private};

use guard::Secrets;

/// The report's stylesheet and the app's own few rules, inlined in every
/// page and allowed by the Content-Security-Policy by their hash.
const APP_STYLE: &str = include_str!("app.css");

/// The app's one script (a copy button), inlined where a page needs it and
/// allowed by the Content-Security-Policy by its hash. Every screen works
/// without it.
const APP_SCRIPT: &str = include_str!("app.js");

/// What every request handler shares: the open home and this launch's secrets.
pub struct App {
    /// The therapist's home, opened at launch. One request at a time uses it.
    store: Mutex<Store>,
    secrets: Secrets,
    /// The port the app listens on, for the `Host` check.
    port: u16,
    texts: Texts,
    /// The therapist's name, for the page titles.
    therapist_name: String,
    /// The inline stylesheet of every page.
    style: String,
    csp: HeaderValue,
    /// The outcome of the last form, shown once on the page it leads to.
    notice: Mutex<Option<screens::Notice>>,
    /// The last invite made, shown on the Invite page until the next one
    /// (or until the app stops: it lives in memory only).
    last_invite: Mutex<Option<screens::ShownInvite>>,
    /// When the last sync (in the background or asked for) ended, and what
    /// it did; every page's header shows it.
    last_sync: Mutex<Option<screens::LastSync>>,
}

/// How often the app syncs in the background while it runs.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Serves the app of the therapist home at `home` on 127.0.0.1:`port` (0:
/// any free port) in `lang` (else the environment's language) until Ctrl-C.
/// Prints the link with the launch secret, and opens it in the browser
/// unless `open` is false.
pub fn run(home: &Path, port: u16, open: bool, lang: Option<&str>) -> Result<()> {
    let store = open_home(home)?;
    let account = store.require_account(Role::Therapist)?;
    let texts = Texts::for_locale(&lang.map_or_else(crate::client::env_locale, str::to_owned));
    let secrets = Secrets::generate().map_err(|e| {
        format!("the system's random number generator failed ({e}); the app cannot be locked")
    })?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port} ({e}); try another --port"))?;
        let port = listener.local_addr()?.port();
        let style = format!("{}\n{APP_STYLE}", crate::report::STYLE);
        let csp = HeaderValue::from_str(&guard::content_security_policy(&style, APP_SCRIPT))?;
        let url = format!(
            "http://127.0.0.1:{port}{}?key={}",
            guard::UNLOCK_PATH,
            secrets.unlock
        );
        let app = Arc::new(App {
            store: Mutex::new(store),
            secrets,
            port,
            texts,
            therapist_name: account.name,
            style,
            csp,
            notice: Mutex::new(None),
            last_invite: Mutex::new(None),
            last_sync: Mutex::new(None),
        });
        println!("The app is at {url}");
        println!(
            "That link unlocks it for one browser until you stop it with Ctrl-C; keep it to \
             yourself."
        );
        let opener = if open { open_browser(home, &url) } else { None };
        let background = tokio::spawn(routes::sync_in_background(Arc::clone(&app), SYNC_EVERY));
        let served = axum::serve(listener, routes::router(app))
            .with_graceful_shutdown(stop_or_hang_up())
            .await;
        background.abort();
        if let Some(file) = opener {
            let _ = std::fs::remove_file(file);
        }
        served?;
        println!("Stopped the app.");
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM, or when the terminal the app was
/// started from closes (SIGHUP), so the app never outlives its window.
async fn stop_or_hang_up() {
    #[cfg(unix)]
    if let Ok(mut hang_up) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    {
        tokio::select! {
            _ = crate::stop_signal() => {},
            _ = hang_up.recv() => {},
        }
        return;
    }
    crate::stop_signal().await;
}

/// Opens `url` in the default browser through a small page in the home
/// (readable by its owner only) that forwards to it, so the launch secret is
/// never an argument of a process other users could list. Returns that
/// page, to delete when the app stops; `None` when no browser could be
/// started (the printed link still works).
fn open_browser(home: &Path, url: &str) -> Option<PathBuf> {
    let page = home.join("app-open.html");
    let html = format!(
        "<!DOCTYPE html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={url}\"><title>Rapport</title>\n"
    );
    write_private(&page, html.as_bytes()).ok()?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener)
        .arg(&page)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            // Collect its exit so it does not linger as a zombie.
            std::thread::spawn(move || child.wait());
            Some(page)
        }
        Err(e) => {
            eprintln!("Could not open a browser ({opener}: {e}); open the link above yourself.");
            let _ = std::fs::remove_file(&page);
            None
        }
    }
}

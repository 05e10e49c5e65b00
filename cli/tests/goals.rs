//! Goals through the real binary and a real relay: a client sets a shared
//! goal and a private one, rates both in check-ins and syncs; the
//! therapist's dashboard carries the shared goal's series and nothing of
//! the private one, and neither goal's words are readable in any file of
//! the relay, the therapist or the client.

use chrono::{Days, Utc};
use serde_json::Value;

mod common;

use common::{Pair, all_files, contains, json_of, ok, pair, rapport};

const SHARED: &str = "Walk-to-the-shop-SHARED-goal-q7";
const PRIVATE: &str = "PRIVATE-GOAL-MARKER-k2w";

/// A session date `weeks` weeks before today (UTC, as the client checks it).
fn weeks_ago(weeks: u64) -> String {
    (Utc::now().date_naive() - Days::new(7 * weeks)).to_string()
}

#[test]
fn a_shared_goal_reaches_the_therapist_with_its_series_and_a_private_one_never_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let Pair {
        relay,
        relay_dir,
        therapist,
        client,
    } = pair(dir.path(), "Dr. Goals", "G.O.");
    ok(&therapist, &["sync"]);

    let out = ok(&client, &["client", "goal", "add", SHARED, "--in-session"]);
    assert!(out.contains("after your next sync"), "{out}");
    let out = ok(&client, &["client", "goal", "add", PRIVATE, "--private"]);
    assert!(out.contains("stays on this device"), "{out}");
    let goals = json_of(&client, &["client", "goal", "list", "--json"]);
    let shared_id = goals["goals"][0]["id"].as_str().unwrap().to_owned();
    let private_id = goals["goals"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(goals["goals"][1]["shared"], false);

    // Rated by number and by id; the shared goal moves from 3 to 6.
    for (weeks, shared, private) in [(3, "3", "7"), (2, "4", "8"), (1, "6", "8")] {
        let date = weeks_ago(weeks);
        ok(
            &client,
            &[
                "client",
                "checkin",
                "--heard",
                "4",
                "--hopeful",
                "4",
                "--goal",
                &format!("1={shared}"),
                "--goal",
                &format!("{private_id}={private}"),
                "--session-date",
                &date,
            ],
        );
    }
    // A rating out of range, or of no goal, is refused and stores nothing.
    let refused = rapport(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--goal",
            "1=11",
        ],
    );
    assert!(!refused.status.success());
    let refused = rapport(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--goal",
            "3=5",
        ],
    );
    assert!(!refused.status.success());
    let out = ok(&client, &["sync"]);
    assert!(
        out.contains("sent 4"),
        "one goal and three check-ins: {out}"
    );
    ok(&therapist, &["sync"]);

    let dashboard = json_of(&therapist, &["therapist", "dashboard", "--json"]);
    let text = dashboard.to_string();
    assert!(!text.contains(PRIVATE), "{text}");
    assert!(!text.contains(&private_id), "{text}");
    let c = &dashboard["clients"][0];
    let goals = c["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 1, "{c}");
    let g = &goals[0];
    assert_eq!(g["id"], shared_id.as_str());
    assert_eq!(g["text"], SHARED);
    assert_eq!(g["set_in_session"], true);
    let series: Vec<(String, u64)> = g["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["session_date"].as_str().unwrap().to_owned(),
                p["rating"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        series,
        [(weeks_ago(3), 3), (weeks_ago(2), 4), (weeks_ago(1), 6)]
    );
    assert_eq!(
        (&g["first"], &g["latest"], &g["change_since_set"]),
        (&Value::from(3), &Value::from(6), &Value::from(3))
    );
    for checkin in c["checkins"].as_array().unwrap() {
        let rated: Vec<&String> = checkin["goal_ratings"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(rated, [&shared_id], "{checkin}");
    }
    // The tables and the brief show it too, and nothing of the private one.
    let table = ok(&therapist, &["therapist", "dashboard"]);
    assert!(
        table.contains(SHARED) && table.contains("3 → 6 (+3 since set"),
        "{table}"
    );
    let brief = ok(&therapist, &["therapist", "brief"]);
    assert!(
        brief.contains(&format!("Goals: ‘{SHARED}’ 3 → 6 since it was set.")),
        "{brief}"
    );
    for shown in [&table, &brief] {
        assert!(!shown.contains(PRIVATE));
    }

    // Made private: the therapist deletes it and its ratings.
    ok(&client, &["client", "goal", "private", "1"]);
    ok(&client, &["sync"]);
    ok(&therapist, &["sync"]);
    let dashboard = json_of(&therapist, &["therapist", "dashboard", "--json"]);
    let c = &dashboard["clients"][0];
    assert!(c["goals"].as_array().unwrap().is_empty(), "{c}");
    assert!(
        c["checkins"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["goal_ratings"].as_object().unwrap().is_empty()),
        "{c}"
    );

    // Not a byte of either goal's words in plaintext: not on the relay, not
    // in the therapist's home, not in the client's.
    let mut files = all_files(&relay_dir);
    assert!(files.iter().any(|(p, _)| p.ends_with("relay.db")));
    files.extend(all_files(&therapist));
    files.extend(all_files(&client));
    for (path, bytes) in &files {
        for needle in [SHARED, PRIVATE] {
            assert!(
                !contains(bytes, needle),
                "{needle} in plaintext in {}",
                path.display()
            );
        }
    }
    drop(relay);
}

#[test]
fn goal_commands_refuse_what_the_rules_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("client");
    for text in ["one", "two", "three"] {
        ok(&home, &["client", "goal", "add", text]);
    }
    let out = rapport(&home, &["client", "goal", "add", "four"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("code: too_many_goals"), "{err}");
    let out = rapport(&home, &["client", "goal", "edit", "1", &"x".repeat(201)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("code: goal_too_long"));
    ok(&home, &["client", "goal", "archive", "3"]);
    ok(&home, &["client", "goal", "add", "four"]);
    let list = ok(&home, &["client", "goal", "list"]);
    assert!(
        list.contains("3 of 3 active") && list.contains("Archived:"),
        "{list}"
    );
    let out = rapport(&home, &["client", "goal", "archive", "9"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no active goal number 9"));
}

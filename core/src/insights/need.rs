//! One ordering by need now, used by every front end: the CLI, the report,
//! the bindings and both apps sort nothing themselves.
//!
//! Support requested → a client who has not come back after a difficult
//! first session → an open concern from the latest check-ins → a stalled
//! therapy → a missing check-in → a calm suggestion (a review, goals that
//! do not move). Within a step, the more severe first, then
//! the most recently updated. A client with nothing open drops below every
//! client with something open, however bad their past was.

use std::cmp::{Ordering, Reverse};

use super::ClientInsights;
use super::flags::{Flag, FlagKind};

/// Where a flag stands in the order of need (smaller is more needed).
pub fn need_step(flag: &Flag) -> u8 {
    match flag.kind {
        FlagKind::SupportRequested => 0,
        FlagKind::DifficultFirstSession if flag.escalated => 1,
        FlagKind::DifficultFirstSession | FlagKind::Concern => 2,
        FlagKind::StalledTherapy => 3,
        FlagKind::MissingCheckin => 4,
        FlagKind::ReviewSuggested | FlagKind::GoalsStuck => 5,
    }
}

/// Compares two open flags by need.
pub fn by_need(a: &Flag, b: &Flag) -> Ordering {
    (need_step(a), a.severity, a.kind, Reverse(a.updated_on))
        .cmp(&(need_step(b), b.severity, b.kind, Reverse(b.updated_on)))
        .then_with(|| a.client_label.cmp(&b.client_label))
        .then_with(|| a.id.cmp(&b.id))
}

/// Open flags by need, then resolved ones, most recently resolved first.
pub fn sort_flags(flags: &mut [Flag]) {
    flags.sort_by(|a, b| match (a.is_open(), b.is_open()) {
        (true, true) => by_need(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => {
            let resolved = |f: &Flag| f.resolution.as_ref().map(|r| r.on);
            resolved(b)
                .cmp(&resolved(a))
                .then_with(|| a.client_label.cmp(&b.client_label))
                .then_with(|| a.id.cmp(&b.id))
        }
    });
}

/// Clients by their most needed open flag; those with none after them, by
/// label; clients whose pairing ended last.
pub fn order_clients(clients: &mut [ClientInsights]) {
    clients.sort_by(|a, b| {
        let ended = |c: &ClientInsights| c.status.as_str() != "active";
        ended(a)
            .cmp(&ended(b))
            .then_with(|| match (a.flags.first(), b.flags.first()) {
                (Some(x), Some(y)) => by_need(x, y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.device_id.cmp(&b.device_id))
    });
}

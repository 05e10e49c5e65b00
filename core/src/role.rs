//! Which side of the therapy a device is on. Low in the house so errors,
//! the store and sync can all name it without importing one another.

use serde::{Deserialize, Serialize};

/// Which side of the therapy this device is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Records check-ins and sends them to one therapist.
    Client,
    /// Receives check-ins from clients and acknowledges them.
    Therapist,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Therapist => "therapist",
        })
    }
}

//! What the fuzz targets share: the fixed identities of the test vectors
//! (`tests/vectors/v1.json`), so every target opens, signs and pairs with
//! the same keys as the vectors and the bindings' tests.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rapport_core::DeviceIdentity;
use rapport_core::envelope::{self, KnownSender, Message};
use serde_json::Value;

/// The test vectors, built into every target.
pub const VECTORS: &str = include_str!("../../tests/vectors/v1.json");

/// The relay answers' vectors (`tests/vectors/relay-answers.json`).
pub const RELAY_ANSWERS: &str = include_str!("../../tests/vectors/relay-answers.json");

/// The two parties of the vectors, and what their valid envelopes hold.
pub struct Parties {
    /// Opens envelopes sent to `mbx-therapist`.
    pub therapist: DeviceIdentity,
    /// Opens envelopes sent to `mbx-client`.
    pub client: DeviceIdentity,
    /// A third device neither party paired with.
    pub stranger: DeviceIdentity,
    /// Every message an `ok` vector opens to.
    pub genuine: Vec<Message>,
}

/// The parties, read once from the vectors.
pub fn parties() -> &'static Parties {
    static PARTIES: OnceLock<Parties> = OnceLock::new();
    PARTIES.get_or_init(|| {
        let vectors: Value = serde_json::from_str(VECTORS).expect("the vectors are JSON");
        let therapist = identity(&vectors["keys"]["therapist"]);
        let client = identity(&vectors["keys"]["client"]);
        let stranger =
            DeviceIdentity::from_parts(&therapist.secret_parts().0, &[0x33; 32]).expect("keys");
        let mut parties = Parties {
            therapist,
            client,
            stranger,
            genuine: Vec::new(),
        };
        for case in vectors["envelopes"].as_array().expect("envelopes") {
            if case["expect"]["ok"].is_null() {
                continue;
            }
            let bytes = STANDARD
                .decode(case["envelope_b64"].as_str().expect("envelope"))
                .expect("base64");
            let opener = parties.opener(case["opener"] == "therapist");
            let known = case["sender_known"]
                .as_bool()
                .unwrap_or(false)
                .then(|| parties.peer_of(case["opener"] == "therapist"));
            let mailbox = case["mailbox"].as_str().expect("mailbox");
            let (opened, _) =
                envelope::open_authenticated(&bytes, opener, mailbox, &|_| known.clone())
                    .expect("an ok vector opens");
            parties.genuine.push(opened.message);
        }
        parties
    })
}

impl Parties {
    /// The therapist, or the client.
    pub fn opener(&self, therapist: bool) -> &DeviceIdentity {
        if therapist {
            &self.therapist
        } else {
            &self.client
        }
    }

    /// What the opener knows of the other party, nothing accepted yet.
    pub fn peer_of(&self, therapist: bool) -> KnownSender {
        KnownSender::new(self.opener(!therapist).card(), 0)
    }

    /// The mailbox the opener reads.
    pub fn mailbox_of(therapist: bool) -> &'static str {
        if therapist {
            "mbx-therapist"
        } else {
            "mbx-client"
        }
    }
}

fn identity(keys: &Value) -> DeviceIdentity {
    let seed = rapport_core::identity::key_from_hex(
        keys["signing_seed_hex"].as_str().expect("seed"),
        "signing seed",
    )
    .expect("a 32-byte seed");
    DeviceIdentity::from_parts(keys["age_secret"].as_str().expect("age secret"), &seed)
        .expect("the vectors' keys")
}

//! The store's sealed columns, read back: `RowCipher` opens the value at
//! its row's address, then the row's decoder reads it (postcard, the
//! check-in codec with its three formats, the packed summary, a goal, a
//! client's goal progress, a device identity's keys). Reached through `rapport_core::fuzzing::open_row`.
//!
//! Input: one byte choosing the kind of row and the mode, then the bytes.
//! Mode "plaintext" seals the bytes genuinely first, so the fuzzer reaches
//! the decoders (no mutation of a sealed value gets past the AEAD tag);
//! mode "sealed" hands the bytes to the store as they are.
//!
//! Checked: a genuinely sealed value never reads as tampered; whatever the
//! store reads, it writes back as a value it reads back unchanged (a row it
//! rewrote, a summary it recomputed, stays readable).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rapport_core::crypto::RowCipher;
use rapport_core::fuzzing::{SealedRow, open_row, seal_row};
use rapport_core::{DataKey, Error, StoreError};

fn cipher() -> &'static RowCipher {
    static CIPHER: OnceLock<RowCipher> = OnceLock::new();
    CIPHER.get_or_init(|| RowCipher::new(&DataKey::from_bytes(&[7; 32]).expect("a key")))
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, bytes)) = data.split_first() else {
        return;
    };
    let row = SealedRow::ALL[usize::from(setup) % SealedRow::ALL.len()];
    let genuine = setup & 0x80 == 0;
    let cipher = cipher();
    let sealed = if genuine {
        seal_row(row, cipher, bytes).expect("any plaintext seals")
    } else {
        bytes.to_vec()
    };
    match open_row(row, cipher, &sealed) {
        Ok(Some(written)) => {
            let resealed = seal_row(row, cipher, &written).expect("seals");
            let reread = open_row(row, cipher, &resealed)
                .unwrap_or_else(|e| panic!("{row:?}: what the store writes, it reads: {e}"));
            assert_eq!(reread, Some(written), "{row:?}: read back unchanged");
        }
        Ok(None) => assert!(
            matches!(
                row,
                SealedRow::Summary | SealedRow::FlagHistory | SealedRow::GoalProgress
            ),
            "{row:?}: only summaries and goal progress are passed over"
        ),
        Err(error) => {
            if genuine {
                assert!(
                    !matches!(error, Error::Store(StoreError::Tampered { .. })),
                    "{row:?}: a genuine value reads as tampered"
                );
            }
            assert!(!error.to_string().is_empty());
        }
    }
});

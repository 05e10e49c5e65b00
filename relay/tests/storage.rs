//! The storage conformance suite: what every `RelayStorage` promises,
//! checked through the trait on each backend (SQLite and PostgreSQL; see
//! `on_every_backend!`). The HTTP suites `mailboxes` and `limits` run on both
//! backends too.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use common::Backend;
use rapport_relay::{MailboxId, Quota, RelayStorage, StorageError, TokenHash, TokenId};

const ROOMY: Quota = Quota {
    messages: u64::MAX,
    bytes: u64::MAX,
};

fn token(n: u8) -> TokenHash {
    TokenHash::from_bytes([n; 32])
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).unwrap();
    bytes
}

fn new_mailbox_id() -> MailboxId {
    MailboxId::parse(&base64url(&random_bytes::<16>())).unwrap()
}

fn new_token_id() -> TokenId {
    TokenId::parse(&base64url(&random_bytes::<16>())).unwrap()
}

fn new_token() -> TokenHash {
    TokenHash::from_bytes(random_bytes::<32>())
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A mailbox with its read token and one post token.
struct Owned {
    id: MailboxId,
    read: TokenHash,
    post: TokenHash,
    post_id: TokenId,
}

async fn mailbox_with_poster(storage: &dyn RelayStorage) -> Owned {
    let (id, read, post, post_id) = (new_mailbox_id(), new_token(), new_token(), new_token_id());
    storage.create_mailbox(id.clone(), read).await.unwrap();
    storage
        .add_post_token(id.clone(), read, post_id.clone(), post)
        .await
        .unwrap();
    Owned {
        id,
        read,
        post,
        post_id,
    }
}

async fn all_seqs(storage: &dyn RelayStorage, owned: &Owned) -> Vec<u64> {
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page = storage
            .fetch(owned.id.clone(), owned.read, after, 500)
            .await
            .unwrap();
        after = page.messages.last().map_or(after, |m| m.seq);
        seqs.extend(page.messages.iter().map(|m| m.seq));
        if !page.more {
            return seqs;
        }
    }
}

async fn sequence_numbers_start_at_one_and_are_never_reused(backend: Backend) {
    let storage = backend.open().await;
    let owned = mailbox_with_poster(storage.as_ref()).await;
    for expected in 1..=3 {
        let seq = storage
            .append(owned.id.clone(), owned.post, vec![expected as u8], ROOMY)
            .await
            .unwrap();
        assert_eq!(seq, expected);
    }
    let pruned = storage
        .prune(owned.id.clone(), owned.read, u64::MAX)
        .await
        .unwrap();
    assert_eq!(pruned, 3);
    assert_eq!(
        storage
            .prune(owned.id.clone(), owned.read, u64::MAX)
            .await
            .unwrap(),
        0
    );
    storage.close().await.unwrap();
    drop(storage);

    // A restarted (or another) relay process continues the numbering.
    let storage = backend.open().await;
    let seq = storage
        .append(owned.id.clone(), owned.post, b"after".to_vec(), ROOMY)
        .await
        .unwrap();
    assert_eq!(seq, 4);
    let page = storage
        .fetch(owned.id.clone(), owned.read, 0, 10)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
    assert_eq!(page.messages[0].body, b"after");
    storage.close().await.unwrap();
}

/// Many writers at once (for PostgreSQL: two pools, like two relay
/// processes) on one mailbox: every acknowledged append has its own number,
/// the numbers are exactly 1..=n, and each is stored once with its body.
async fn concurrent_appends_get_every_number_once(backend: Backend) {
    let writers = backend.writers(2).await;
    let owned = Arc::new(mailbox_with_poster(writers[0].as_ref()).await);
    let (tasks, per_task) = (32usize, 20usize);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let storage = Arc::clone(&writers[t % writers.len()]);
        let owned = Arc::clone(&owned);
        handles.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..per_task {
                let body = format!("{t}/{i}").into_bytes();
                let seq = storage
                    .append(owned.id.clone(), owned.post, body.clone(), ROOMY)
                    .await
                    .unwrap();
                acknowledged.push((seq, body));
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for handle in handles {
        acknowledged.extend(handle.await.unwrap());
    }
    acknowledged.sort();
    let total = (tasks * per_task) as u64;
    let seqs: Vec<u64> = acknowledged.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    let page = writers[1]
        .fetch(owned.id.clone(), owned.read, 0, 1000)
        .await
        .unwrap();
    let stored: Vec<(u64, Vec<u8>)> = page.messages.into_iter().map(|m| (m.seq, m.body)).collect();
    assert_eq!(stored, acknowledged);
}

async fn refusals_name_what_is_wrong(backend: Backend) {
    let storage = backend.open().await;
    let a = mailbox_with_poster(storage.as_ref()).await;
    let b = mailbox_with_poster(storage.as_ref()).await;
    let nowhere = new_mailbox_id();

    let err = |r: Result<u64, StorageError>| r.unwrap_err();
    assert_eq!(
        err(storage
            .append(nowhere.clone(), a.post, b"x".to_vec(), ROOMY)
            .await),
        StorageError::NoSuchMailbox
    );
    // Another mailbox's post token, a read token, a token never issued.
    for wrong in [b.post, a.read, token(9)] {
        assert_eq!(
            err(storage
                .append(a.id.clone(), wrong, b"x".to_vec(), ROOMY)
                .await),
            StorageError::Forbidden
        );
    }
    for wrong in [b.read, a.post, token(9)] {
        assert_eq!(
            storage.fetch(a.id.clone(), wrong, 0, 10).await.unwrap_err(),
            StorageError::Forbidden
        );
        assert_eq!(
            err(storage.prune(a.id.clone(), wrong, 10).await),
            StorageError::Forbidden
        );
        assert_eq!(
            storage
                .add_post_token(a.id.clone(), wrong, new_token_id(), new_token())
                .await
                .unwrap_err(),
            StorageError::Forbidden
        );
    }
    assert_eq!(
        storage.fetch(nowhere, a.read, 0, 10).await.unwrap_err(),
        StorageError::NoSuchMailbox
    );
    // Revoking: unknown id, another mailbox's token id, then for real, twice.
    for id in [new_token_id(), b.post_id.clone()] {
        assert_eq!(
            storage
                .revoke_post_token(a.id.clone(), a.read, id)
                .await
                .unwrap_err(),
            StorageError::NoSuchPostToken
        );
    }
    for _ in 0..2 {
        storage
            .revoke_post_token(a.id.clone(), a.read, a.post_id.clone())
            .await
            .unwrap();
    }
    assert_eq!(
        err(storage
            .append(a.id.clone(), a.post, b"x".to_vec(), ROOMY)
            .await),
        StorageError::TokenRevoked
    );
    // Nothing refused left a trace.
    let page = storage.fetch(a.id.clone(), a.read, 0, 10).await.unwrap();
    assert!(page.messages.is_empty() && !page.more);
    assert_eq!(
        storage
            .append(b.id.clone(), b.post, b"x".to_vec(), ROOMY)
            .await
            .unwrap(),
        1
    );
}

async fn quotas_count_messages_and_bytes_and_pruning_frees_them(backend: Backend) {
    let storage = backend.open().await;
    let owned = mailbox_with_poster(storage.as_ref()).await;
    let quota = Quota {
        messages: 3,
        bytes: 100,
    };
    let append = |body: Vec<u8>| storage.append(owned.id.clone(), owned.post, body, quota);
    assert_eq!(append(vec![1; 60]).await.unwrap(), 1);
    // 60 + 41 > 100; exactly 100 is fine.
    assert_eq!(
        append(vec![2; 41]).await.unwrap_err(),
        StorageError::MailboxFull
    );
    assert_eq!(append(vec![2; 40]).await.unwrap(), 2);
    assert_eq!(
        append(vec![3; 1]).await.unwrap_err(),
        StorageError::MailboxFull
    );
    storage
        .prune(owned.id.clone(), owned.read, 1)
        .await
        .unwrap();
    assert_eq!(append(vec![3; 1]).await.unwrap(), 3);
    assert_eq!(append(vec![4; 1]).await.unwrap(), 4);
    // Three messages held: the message quota now refuses.
    assert_eq!(
        append(vec![5; 1]).await.unwrap_err(),
        StorageError::MailboxFull
    );
    assert_eq!(all_seqs(storage.as_ref(), &owned).await, [2, 3, 4]);
}

/// Posts submitted together, so that the backend stores them in one batch,
/// to several mailboxes with good, foreign and revoked tokens and a quota
/// that fills part-way: each is answered as if it had been alone, and what
/// is stored is exactly what was acknowledged.
async fn posts_stored_together_are_each_answered_as_if_alone(backend: Backend) {
    #[derive(Clone, Debug, PartialEq)]
    enum Expect {
        Stored,
        StoredUntilFull,
        Refused(StorageError),
    }
    let storage = backend.open().await;
    let mut owned = Vec::new();
    for _ in 0..4 {
        owned.push(Arc::new(mailbox_with_poster(storage.as_ref()).await));
    }
    let (a, b, full, revoked) = (&owned[0], &owned[1], &owned[2], &owned[3]);
    storage
        .revoke_post_token(revoked.id.clone(), revoked.read, revoked.post_id.clone())
        .await
        .unwrap();
    let five = Quota {
        messages: 5,
        bytes: u64::MAX,
    };
    let nowhere = Arc::new(Owned {
        id: new_mailbox_id(),
        ..mailbox_with_poster(storage.as_ref()).await
    });
    let kinds = [
        (a, a.post, ROOMY, Expect::Stored),
        (a, b.post, ROOMY, Expect::Refused(StorageError::Forbidden)),
        (full, full.post, five, Expect::StoredUntilFull),
        (
            revoked,
            revoked.post,
            ROOMY,
            Expect::Refused(StorageError::TokenRevoked),
        ),
        (
            &nowhere,
            nowhere.post,
            ROOMY,
            Expect::Refused(StorageError::NoSuchMailbox),
        ),
        (b, b.post, ROOMY, Expect::Stored),
    ];
    let mut handles = Vec::new();
    for round in 0..12 {
        for (kind, (mailbox, token, quota, expect)) in kinds.iter().enumerate() {
            let (storage, id, token, quota, expect) = (
                Arc::clone(&storage),
                mailbox.id.clone(),
                *token,
                *quota,
                expect.clone(),
            );
            let body = format!("{round}/{kind}").into_bytes();
            handles.push(tokio::spawn(async move {
                let result = storage.append(id.clone(), token, body.clone(), quota).await;
                (id, body, expect, result)
            }));
        }
    }
    let mut acknowledged: std::collections::BTreeMap<String, Vec<(u64, Vec<u8>)>> =
        Default::default();
    let mut full_refused = 0;
    for handle in handles {
        let (id, body, expect, result) = handle.await.unwrap();
        match (expect, result) {
            (Expect::Stored | Expect::StoredUntilFull, Ok(seq)) => acknowledged
                .entry(id.as_str().to_owned())
                .or_default()
                .push((seq, body)),
            (Expect::StoredUntilFull, Err(StorageError::MailboxFull)) => full_refused += 1,
            (Expect::Refused(want), Err(got)) => assert_eq!(got, want),
            (expect, result) => panic!("expected {expect:?}, got {result:?}"),
        }
    }
    assert_eq!(full_refused, 12 - 5);
    for (mailbox, count) in [(a, 12), (b, 12), (full, 5), (revoked, 0)] {
        let mut mine = acknowledged.remove(mailbox.id.as_str()).unwrap_or_default();
        mine.sort();
        let seqs: Vec<u64> = mine.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, (1..=count).collect::<Vec<_>>());
        let page = storage
            .fetch(mailbox.id.clone(), mailbox.read, 0, 100)
            .await
            .unwrap();
        let stored: Vec<(u64, Vec<u8>)> =
            page.messages.into_iter().map(|m| (m.seq, m.body)).collect();
        assert_eq!(stored, mine);
    }
    assert!(acknowledged.is_empty(), "{acknowledged:?}");
}

async fn pages_stop_at_the_limit_or_about_four_mebibytes(backend: Backend) {
    let storage = backend.open().await;
    let owned = mailbox_with_poster(storage.as_ref()).await;
    let empty = storage
        .fetch(owned.id.clone(), owned.read, 0, 10)
        .await
        .unwrap();
    assert!(empty.messages.is_empty() && !empty.more);
    for i in 0..70u8 {
        storage
            .append(owned.id.clone(), owned.post, vec![i; 64 * 1024], ROOMY)
            .await
            .unwrap();
    }
    let page = storage
        .fetch(owned.id.clone(), owned.read, 0, 500)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 64, "4 MiB of 64 KiB bodies");
    assert!(page.more);
    assert!(
        page.messages
            .iter()
            .enumerate()
            .all(|(i, m)| m.seq == i as u64 + 1 && m.body == vec![i as u8; 64 * 1024])
    );
    let page = storage
        .fetch(owned.id.clone(), owned.read, 64, 3)
        .await
        .unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [65, 66, 67]
    );
    assert!(page.more);
    let page = storage
        .fetch(owned.id.clone(), owned.read, 67, 3)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 3);
    assert!(!page.more);
    let after_everything = storage
        .fetch(owned.id.clone(), owned.read, u64::MAX, 3)
        .await
        .unwrap();
    assert!(after_everything.messages.is_empty());
}

/// Posts race a revocation (for PostgreSQL, from another pool): once the
/// revocation is acknowledged, no post that starts later is accepted, none
/// that was already waiting is stored after it, and every accepted post is
/// stored.
async fn no_post_is_accepted_after_its_revocation_was_acknowledged(backend: Backend) {
    let writers = backend.writers(2).await;
    let owned = Arc::new(mailbox_with_poster(writers[0].as_ref()).await);
    let mut posters = Vec::new();
    for t in 0..8 {
        let storage = Arc::clone(&writers[t % 2]);
        let owned = Arc::clone(&owned);
        posters.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let started = Instant::now();
                let result = storage
                    .append(owned.id.clone(), owned.post, vec![t as u8; 16], ROOMY)
                    .await;
                let refused = result.is_err();
                outcomes.push((started, result));
                if refused {
                    return outcomes;
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    writers[1]
        .revoke_post_token(owned.id.clone(), owned.read, owned.post_id.clone())
        .await
        .unwrap();
    let revoked_at = Instant::now();
    // What the mailbox held when the revocation was acknowledged: nothing
    // may be added after it, not even a post that was already waiting.
    let at_revocation = all_seqs(writers[0].as_ref(), &owned).await;
    let mut accepted = BTreeSet::new();
    for poster in posters {
        for (started, result) in poster.await.unwrap() {
            match result {
                Ok(seq) => {
                    assert!(
                        started < revoked_at,
                        "a post started after the revocation got in"
                    );
                    assert!(accepted.insert(seq), "seq {seq} twice");
                }
                Err(e) => assert_eq!(e, StorageError::TokenRevoked),
            }
        }
    }
    assert!(!accepted.is_empty(), "the posts never got going");
    let last_at_revocation = at_revocation.last().copied().unwrap_or(0);
    assert!(
        accepted.iter().all(|seq| *seq <= last_at_revocation),
        "posts were stored after the revocation was acknowledged (last then {last_at_revocation}, \
         accepted up to {:?})",
        accepted.last()
    );
    let stored: BTreeSet<u64> = all_seqs(writers[0].as_ref(), &owned)
        .await
        .into_iter()
        .collect();
    assert_eq!(stored, accepted);
}

async fn after_close_writes_are_refused_as_unavailable(backend: Backend) {
    let storage = backend.open().await;
    let owned = mailbox_with_poster(storage.as_ref()).await;
    storage
        .append(owned.id.clone(), owned.post, b"kept".to_vec(), ROOMY)
        .await
        .unwrap();
    storage.close().await.unwrap();
    let refused = storage
        .append(owned.id.clone(), owned.post, b"late".to_vec(), ROOMY)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::Unavailable { .. }),
        "{refused:?}"
    );
    drop(storage);
    let reopened = backend.open().await;
    assert_eq!(all_seqs(reopened.as_ref(), &owned).await, [1]);
}

on_every_backend!(
    sequence_numbers_start_at_one_and_are_never_reused,
    concurrent_appends_get_every_number_once,
    refusals_name_what_is_wrong,
    quotas_count_messages_and_bytes_and_pruning_frees_them,
    posts_stored_together_are_each_answered_as_if_alone,
    pages_stop_at_the_limit_or_about_four_mebibytes,
    no_post_is_accepted_after_its_revocation_was_acknowledged,
    after_close_writes_are_refused_as_unavailable,
);

"""A client and a therapist talking through a relay written in Python: what
reaches whom, and what never does."""

import asyncio
import datetime
import threading
import time

import pytest

from conftest import (
    WORK_FACTOR,
    DictSecretStore,
    draft,
    open_client,
    rf,
    today,
)


def test_a_check_in_reaches_the_therapist_and_the_seen_receipt_comes_back(paired, relay):
    therapist, client = paired
    recorded = client.record_checkin(draft(heard=2, hopeful=1, note="felt rushed"), "en-US").checkin
    assert recorded.version == 1 and recorded.seen_at is None
    assert [e.kind for e in client.pending_outbox()] == [rf.OutboxKind.CHECK_IN]

    sent = asyncio.run(client.sync(relay))
    assert sent.sent == 1
    assert client.pending_outbox() == []

    received = asyncio.run(therapist.sync(relay))
    assert received.applied == 1 and received.quarantined == []
    [only] = therapist.dashboard()
    assert only.label == "A.B."
    [checkin] = only.checkins
    assert checkin.record_id == recorded.id
    assert checkin.answers == {"heard": 2, "hopeful": 1}
    assert checkin.shared_note == "felt rushed"
    assert checkin.session_date == today()
    assert not checkin.seen

    assert therapist.acknowledge_all() == 1
    assert therapist.dashboard()[0].checkins[0].seen
    assert asyncio.run(therapist.sync(relay)).sent == 1
    back = asyncio.run(client.sync(relay))
    assert back.receipts_applied == 1
    [mine] = client.history().checkins
    assert mine.seen_at is not None
    assert mine.seen_at.tzinfo is not None


def test_a_private_note_never_leaves_the_client(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(note="only for me", private=True), "en-US").checkin
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    [checkin] = therapist.dashboard()[0].checkins
    assert checkin.shared_note is None
    assert all(b"only for me" not in body for box in relay.mailboxes.values() for _, body in box["messages"])
    assert client.history().checkins[0].note == rf.Note(text="only for me", visibility=rf.NoteVisibility.PRIVATE)


def test_edits_and_deletions_follow_the_check_in_to_the_therapist(paired, relay):
    therapist, client = paired
    first = client.record_checkin(draft(heard=3, hopeful=3), "en-US").checkin
    second = client.record_checkin(draft(heard=5, hopeful=5), "en-US").checkin
    edited = client.edit_checkin(first.id, draft(heard=1, hopeful=2))
    assert edited.version == 2 and edited.id == first.id
    tombstone = client.delete_checkin(second.id)
    assert tombstone.id == second.id
    assert isinstance(client.checkin(second.id), rf.CheckInRecord.DELETED)
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    [checkin] = therapist.dashboard()[0].checkins
    assert (checkin.record_id, checkin.version, checkin.answers) == (first.id, 2, {"heard": 1, "hopeful": 2})
    with pytest.raises(rf.RapportError.CheckInNotFound):
        client.edit_checkin(second.id, draft())


def test_a_keystore_written_in_python_holds_the_data_key(home):
    keystore = DictSecretStore()
    client = rf.ClientApp.open_with_secret_store(home("client"), keystore)
    recorded = client.record_checkin(draft(), "en-US").checkin
    assert list(keystore.secrets) == [f"rapport.data-key.{client.database_id()}"]
    assert len(next(iter(keystore.secrets.values()))) == 32
    del client

    again = rf.ClientApp.open_with_secret_store(home("client"), keystore)
    assert [c.id for c in again.history().checkins] == [recorded.id]

    with pytest.raises(rf.RapportError.KeyUnavailable) as missing:
        rf.ClientApp.open_with_secret_store(home("client"), DictSecretStore())
    assert "recovery kit" in missing.value.reason

    keystore.locked = True
    with pytest.raises(rf.RapportError.KeyUnavailable) as locked:
        rf.ClientApp.open_with_secret_store(home("client"), keystore)
    assert "the device is locked" in locked.value.reason


def test_a_restored_therapist_gets_its_checkpoint_back_and_what_came_after(paired, relay, home):
    therapist, client = paired
    client.record_checkin(draft(heard=4, hopeful=4), "en-US").checkin
    asyncio.run(client.sync(relay))
    # Pairing changed what only the therapist knows: its sync then posted a
    # checkpoint to its own mailbox and pruned the hello. This check-in
    # comes after that checkpoint.
    asyncio.run(therapist.sync(relay))
    kit = therapist.recovery_kit("kit passphrase", scrypt_work_factor=WORK_FACTOR)

    with pytest.raises(rf.RapportError.WrongPassphrase):
        rf.TherapistApp.restore_with_passphrase(home("bad"), "new passphrase", kit, "not the kit passphrase",
                                                scrypt_work_factor=WORK_FACTOR)
    restored = rf.TherapistApp.restore_with_secret_store(home("restored"), DictSecretStore(), kit, "kit passphrase")
    assert restored.dashboard()[0].checkins == []
    report = asyncio.run(restored.sync(relay))
    assert report.restored_as_of is not None, report.summary
    [checkin] = restored.dashboard()[0].checkins
    assert checkin.answers == {"heard": 4, "hopeful": 4}
    assert restored.account().name == "Dr. Ada"


def test_history_comes_in_pages_newest_session_first(home):
    client = open_client(home("client"))
    base = datetime.datetime.now(datetime.timezone.utc).date()
    for days_ago in range(5):
        client.record_checkin(draft(session_date=(base - datetime.timedelta(days=days_ago)).isoformat()), "en-US").checkin
    seen, cursor = [], None
    while True:
        page = client.history(after=cursor, limit=2)
        assert len(page.checkins) <= 2
        seen += [c.session_date for c in page.checkins]
        cursor = page.next
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == 5


def test_sync_runs_in_the_background_and_leaves_the_event_loop_free(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(), "en-US").checkin
    original_post = relay.post
    ticks = []

    def slow_post(*args):
        time.sleep(0.3)
        return original_post(*args)

    relay.post = slow_post

    async def main():
        async def ticker():
            for _ in range(5):
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        report, _ = await asyncio.gather(client.sync(relay), ticker())
        return report

    relay.calling_threads.clear()
    report = asyncio.run(main())
    assert report.sent == 1
    assert len(ticks) == 5, "the event loop kept running while the relay was slow"
    assert threading.get_ident() not in relay.calling_threads


def test_an_invite_pairs_one_device_only(paired, relay, home):
    therapist, _ = paired
    invite = asyncio.run(therapist.invite_client(relay, "C.D."))
    info = rf.parse_invite(invite.uri, datetime.datetime.now(datetime.timezone.utc))
    assert info.relay_url == "https://relay.test"
    assert invite.uri.startswith("rapport:invite/")
    first = open_client(home("first"))
    second = open_client(home("second"))
    asyncio.run(first.join(relay, invite.uri, first.consent("en").version))
    asyncio.run(second.join(relay, invite.uri, second.consent("en").version))
    report = asyncio.run(therapist.sync(relay))
    assert report.paired == ["C.D."]
    assert [q.code for q in report.quarantined] == ["pairing_refused"]
    assert [c.label for c in therapist.clients()] == ["A.B.", "C.D."]

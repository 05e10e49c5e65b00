"""Every failure an app can act on arrives as a typed Python exception, and a
panic inside the library is an exception too, not a crash."""

import asyncio
import datetime

import pytest

from conftest import draft, open_client, open_therapist, rf


def test_a_wrong_passphrase_is_WrongPassphrase_and_the_right_one_still_opens(home):
    client = open_client(home("client"), "correct horse")
    client.record_checkin(draft(), "en-US").checkin
    del client
    with pytest.raises(rf.RapportError.WrongPassphrase) as wrong:
        open_client(home("client"), "battery staple")
    assert "passphrase" in wrong.value.reason
    assert len(open_client(home("client"), "correct horse").history().checkins) == 1


def test_an_empty_passphrase_is_refused_for_a_new_database(home):
    with pytest.raises(rf.RapportError.WrongPassphrase):
        open_client(home("client"), "")


def damage(uri, how):
    body = uri[len("rapport:invite/"):]
    if how == "truncated":
        return uri[:-30]
    if how == "altered":
        i = len("rapport:invite/") + len(body) // 2
        return uri[:i] + ("A" if uri[i] != "A" else "B") + uri[i + 1:]
    if how == "not_an_invite":
        return "https://example.org/join"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "altered", "not_an_invite"])
def test_a_damaged_invite_is_InvalidInvite_with_its_code_and_nothing_is_sent(how, paired, relay, home):
    therapist, _ = paired
    invite = asyncio.run(therapist.invite_client(relay, "E.F."))
    stored_before = relay.stored()
    client = open_client(home("newcomer"))
    with pytest.raises(rf.RapportError.InvalidInvite) as refused:
        asyncio.run(client.join(relay, damage(invite.uri, how), client.consent("en").version))
    assert refused.value.code == how
    assert refused.value.reason
    assert relay.stored() == stored_before
    assert client.account() is None


@pytest.mark.parametrize(
    "checkin, field",
    [
        (draft(heard=6), "heard"),
        (draft(hopeful=0), "hopeful"),
        (draft(worked_on=9), "worked_on"),
        (draft(mood=3), "mood"),
        (draft(session_date="2999-01-01"), "session_date"),
        (draft(session_date="yesterday"), "session_date"),
        (draft(note="x" * 2001), "note"),
    ],
    ids=["heard-too-high", "hopeful-zero", "optional-item-out-of-range", "unknown-item",
         "future-date", "not-a-date", "note-too-long"],
)
def test_an_invalid_check_in_is_InvalidCheckIn_naming_the_field_and_stores_nothing(checkin, field, home):
    client = open_client(home("client"))
    with pytest.raises(rf.RapportError.InvalidCheckIn) as refused:
        client.record_checkin(checkin, "en-US").checkin
    assert refused.value.field == field
    assert refused.value.reason
    assert client.history().checkins == []
    assert client.pending_outbox() == []


def test_a_missing_required_rating_is_refused(home):
    client_draft = draft()
    client_draft.answers = {"heard": 4}
    with pytest.raises(rf.RapportError.InvalidCheckIn) as refused:
        open_client(home("client")).record_checkin(client_draft, "en-US").checkin
    assert refused.value.field == "hopeful"


def test_an_offline_relay_is_Network_and_nothing_is_lost(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(), "en-US").checkin
    relay.offline = True
    with pytest.raises(rf.RapportError.Network) as offline:
        asyncio.run(client.sync(relay))
    assert "test relay is offline" in offline.value.reason
    assert len(client.pending_outbox()) == 1
    relay.offline = False
    assert asyncio.run(client.sync(relay)).sent == 1
    asyncio.run(therapist.sync(relay))
    assert len(therapist.dashboard()[0].checkins) == 1


def test_an_unexpected_exception_in_the_transport_becomes_Network(paired, relay):
    _, client = paired
    client.record_checkin(draft(), "en-US").checkin

    def broken(*_):
        raise ConnectionResetError("socket closed by peer")

    relay.post = broken
    with pytest.raises(rf.RapportError.Network):
        asyncio.run(client.sync(relay))
    assert len(client.pending_outbox()) == 1


def test_a_refused_post_is_RelayRefused_with_the_relays_code_and_nothing_is_lost(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(), "en-US")
    therapist_box = therapist.account().mailbox_id
    tokens = dict(relay.mailboxes[therapist_box]["post_tokens"])
    relay.mailboxes[therapist_box]["post_tokens"].clear()
    with pytest.raises(rf.RapportError.RelayRefused) as refused:
        asyncio.run(client.sync(relay))
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert len(client.pending_outbox()) == 1
    relay.mailboxes[therapist_box]["post_tokens"].update(tokens)
    assert asyncio.run(client.sync(relay)).sent == 1


def test_a_relay_saying_token_revoked_ends_nothing_without_the_therapists_word(paired, relay):
    """A relay can answer token_revoked for any token; only the therapist's
    signed message ends a pairing. Until then check-ins wait on the phone."""
    therapist, client = paired
    client.record_checkin(draft(), "en-US")
    therapist_box = therapist.account().mailbox_id
    for token in relay.mailboxes[therapist_box]["post_tokens"].values():
        token["revoked"] = True
    report = asyncio.run(client.sync(relay))
    assert report.token_refused and not report.ended_by_therapist and report.sent == 0
    assert isinstance(client.membership(), rf.Membership.ACTIVE)
    assert len(client.pending_outbox()) == 1
    assert len(client.history().checkins) == 1


def test_syncing_before_joining_is_NotSetUp(relay, home):
    with pytest.raises(rf.RapportError.NotSetUp):
        asyncio.run(open_client(home("client")).sync(relay))
    with pytest.raises(rf.RapportError.NotSetUp):
        asyncio.run(open_therapist(home("therapist")).invite_client(relay, "X"))


def test_a_therapist_database_is_not_opened_as_a_client_app(paired, home):
    with pytest.raises(rf.RapportError.WrongSetup):
        open_client(home("therapist"), "therapist passphrase")
    with pytest.raises(rf.RapportError.WrongSetup):
        open_therapist(home("client"), "client passphrase")


def test_an_invite_cannot_outlive_a_year(paired, relay):
    therapist, _ = paired
    with pytest.raises(rf.RapportError.InvalidInvite) as refused:
        asyncio.run(therapist.invite_client(relay, "Z", valid_for=datetime.timedelta(days=4000)))
    assert refused.value.code == "validity_too_long"


def test_a_panic_inside_the_library_is_an_exception_and_the_process_lives_on(home):
    # Only a library built with the `test-panic` feature has it, as
    # tests/bindings.sh builds it; release libraries do not.
    assert hasattr(rf, "debug_panic_for_tests"), "generate the bindings with tests/bindings.sh (feature test-panic)"
    with pytest.raises(rf.InternalError) as panic:
        rf.debug_panic_for_tests()
    assert "deliberate panic" in str(panic.value)
    # The library still works after the panic.
    client = open_client(home("after-panic"))
    assert client.record_checkin(draft(), "en-US").checkin.version == 1

"""The shared test vectors in tests/vectors/v1.json, checked through the
bindings: the same invites parse, the same envelopes open or are refused with
the same code as in Rust."""

import base64
import datetime
import json

import pytest

from conftest import VECTORS, rf

DOC = json.loads(VECTORS.read_text())
NOW = datetime.datetime.fromisoformat(DOC["now"])
KINDS = {"Hello": rf.MessageKind.HELLO, "CheckIn": rf.MessageKind.CHECK_IN,
         "Tombstone": rf.MessageKind.TOMBSTONE, "Receipt": rf.MessageKind.RECEIPT}


def secrets(who):
    keys = DOC["keys"][who]
    return rf.DeviceSecrets(age_secret=keys["age_secret"], signing_seed_hex=keys["signing_seed_hex"])


def test_the_vectors_are_all_there():
    assert len(DOC["invites"]) >= 8 and len(DOC["envelopes"]) >= 12


@pytest.mark.parametrize("who", ["therapist", "client"])
def test_the_fixed_keys_give_the_stated_cards(who):
    card = rf.device_card(secrets(who))
    assert card.device_id == DOC["keys"][who]["device_id"]
    assert card.age_recipient == DOC["keys"][who]["age_recipient"]


@pytest.mark.parametrize("case", DOC["invites"], ids=[c["name"] for c in DOC["invites"]])
def test_invite_vector(case):
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(rf.RapportError.InvalidInvite) as refused:
            rf.parse_invite(case["uri"], NOW)
        assert refused.value.code == expect["error"]
        return
    info = rf.parse_invite(case["uri"], NOW)
    ok = expect["ok"]
    assert info.relay_url == ok["relay_url"]
    assert info.mailbox_id == ok["mailbox_id"]
    assert info.post_token == ok["post_token"]
    assert info.therapist_device_id == ok["therapist_device_id"]
    assert info.expires_at == datetime.datetime.fromisoformat(ok["expires_at"])


@pytest.mark.parametrize("case", DOC["envelopes"], ids=[c["name"] for c in DOC["envelopes"]])
def test_envelope_vector(case):
    opener = case["opener"]
    other = "client" if opener == "therapist" else "therapist"
    sender = (
        rf.PairedSender(card=rf.device_card(secrets(other)), last_seq=case["sender_last_seq"])
        if case["sender_known"]
        else None
    )
    envelope = base64.b64decode(case["envelope_b64"])
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(rf.RapportError.EnvelopeRefused) as refused:
            rf.open_envelope(envelope, secrets(opener), case["mailbox"], sender)
        assert refused.value.code == expect["error"]
        return
    opened = rf.open_envelope(envelope, secrets(opener), case["mailbox"], sender)
    ok = expect["ok"]
    assert opened.kind == KINDS[ok["kind"]]
    assert opened.sender == ok["sender"]
    assert opened.seq == ok["seq"]
    assert opened.record_id == ok["record_id"]
    assert opened.record_version == ok["record_version"]
    assert opened.body.hex() == ok["body_hex"]
    gap = case.get("gap")
    if gap is None:
        assert opened.gap is None
    else:
        assert (opened.gap.expected, opened.gap.received) == (gap["expected"], gap["received"])

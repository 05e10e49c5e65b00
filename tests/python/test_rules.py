"""The rules the core owns, as Python sees them: the same typed errors with
the same codes as the CLI and Kotlin, and the form, note length and crisis
links a screen draws, all from the library rather than from the app."""

import asyncio
import datetime

import pytest

from conftest import draft, open_client, open_therapist, rf


@pytest.mark.parametrize(
    "days, code",
    [(0, "validity_not_positive"), (367, "validity_too_long")],
    ids=["zero", "a-year-and-two-days"],
)
def test_an_invite_validity_out_of_bounds_is_InvalidInvite_with_its_code_and_nothing_is_minted(
    days, code, paired, relay
):
    therapist, _ = paired
    tokens_before = sum(len(box["post_tokens"]) for box in relay.mailboxes.values())
    with pytest.raises(rf.RapportError.InvalidInvite) as refused:
        asyncio.run(therapist.invite_client(relay, "E.F.", valid_for=datetime.timedelta(days=days)))
    assert refused.value.code == code
    assert sum(len(box["post_tokens"]) for box in relay.mailboxes.values()) == tokens_before


def test_the_default_and_the_longest_validity_come_from_the_library(paired, relay):
    therapist, _ = paired
    limits = rf.invite_validity()
    assert (limits.default_days, limits.max_days) == (7, 366)
    now = datetime.datetime.now(datetime.timezone.utc)
    default = asyncio.run(therapist.invite_client(relay, "G.H."))
    longest = asyncio.run(therapist.invite_client(relay, "I.J.", valid_for=datetime.timedelta(days=366)))
    assert datetime.timedelta(days=6, hours=23) < utc(default.expires_at) - now <= datetime.timedelta(days=7, minutes=1)
    assert utc(longest.expires_at) - now > datetime.timedelta(days=365)


def utc(t):
    """An instant from the bindings as an aware UTC datetime."""
    return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    "name, code",
    [("   ", "name_empty"), ("Dr." + "x" * 80, "name_too_long"), ("Dr.\x1b[2J", "name_control_character")],
    ids=["blank", "too-long", "escape-sequence"],
)
def test_a_therapist_name_that_cannot_be_shown_is_InvalidName_and_nothing_reaches_the_relay(name, code, relay, home):
    therapist = open_therapist(home("therapist"))
    with pytest.raises(rf.RapportError.InvalidName) as refused:
        asyncio.run(therapist.set_up(relay, "https://relay.test", name))
    assert (refused.value.field, refused.value.code) == ("name", code)
    assert refused.value.reason
    assert relay.mailboxes == {}
    assert therapist.account() is None
    with pytest.raises(rf.RapportError.InvalidName):
        rf.check_therapist_name(name)


@pytest.mark.parametrize(
    "label, code",
    [("", "name_empty"), ("x" * 41, "name_too_long"), ("A\tB", "name_control_character")],
    ids=["empty", "too-long", "tab"],
)
def test_a_client_label_that_cannot_be_shown_is_InvalidName_pointing_at_the_label(label, code, paired, relay):
    therapist, _ = paired
    with pytest.raises(rf.RapportError.InvalidName) as refused:
        asyncio.run(therapist.invite_client(relay, label))
    assert (refused.value.field, refused.value.code) == ("label", code)
    with pytest.raises(rf.RapportError.InvalidName) as typed:
        rf.check_client_label(label)
    assert typed.value.code == code


def test_names_are_kept_trimmed(relay, home):
    assert rf.check_client_label("  J.D. ") == "J.D."
    therapist = open_therapist(home("therapist"))
    account = asyncio.run(therapist.set_up(relay, "https://relay.test", "  Dr. Ada "))
    assert account.name == "Dr. Ada"


def test_the_check_in_form_is_the_current_instrument_in_the_language_asked(home):
    client = open_client(home("client"))
    form = client.checkin_form("de_AT.UTF-8")
    assert form.instrument == rf.current_instrument()
    assert form.locale == "de"
    assert [item.id for item in form.items] == ["heard", "hopeful", "worked_on", "fit"]
    assert [item.required for item in form.items] == [True, True, False, False]
    assert [point.value for point in form.items[0].scale] == [1, 2, 3, 4, 5]
    assert form.instrument.version == 2
    assert form.items[0].prompt == "Heute hatte ich das Gefühl, dass mir zugehört wurde"
    assert form.note_max_chars == 2000


def test_progress_says_what_is_missing_and_counts_the_note_as_the_limit_does(home):
    client = open_client(home("client"))
    form = client.checkin_form("en")
    empty = rf.checkin_progress(form, {}, "")
    assert (empty.missing, empty.ready) == (["heard", "hopeful"], False)
    half = rf.checkin_progress(form, {"hopeful": 2, "fit": 4}, "")
    assert half.missing == ["heard"]
    # One emoji is one: scalar values, not UTF-16 units or bytes; white
    # space around the note does not count.
    full = "\U0001F600" * form.note_max_chars
    fits = rf.checkin_progress(form, {"heard": 4, "hopeful": 3}, f"  {full}\n")
    assert (fits.note_length, fits.note_too_long, fits.ready) == (form.note_max_chars, False, True)
    over = rf.checkin_progress(form, {"heard": 4, "hopeful": 3}, full + "!")
    assert (over.note_too_long, over.ready) == (True, False)
    assert rf.note_length(" e\u0301 ") == 2
    # What the form lets through, the library stores.
    stored = client.record_checkin(draft(note=f" {full} "), "en-US").checkin
    assert stored.note.text == full


def test_crisis_links_come_ready_to_open_and_the_fallback_numbers_one_each():
    gb = rf.crisis_resources("en-GB")
    assert [line.uri for line in gb.lines] == ["tel:116123", "sms:85258?body=SHOUT"]
    assert [(n.shown, n.uri) for n in gb.emergency_numbers] == [("999", "tel:999")]
    fallback = rf.crisis_resources("de")
    assert fallback.is_fallback
    assert [(n.shown, n.dial, n.uri) for n in fallback.emergency_numbers] == [
        ("112", "112", "tel:112"),
        ("911", "911", "tel:911"),
    ]

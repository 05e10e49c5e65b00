"""The therapist's short reply to a check-in: written on the dashboard,
carried by sync, shown in the client's history under that check-in only."""

import asyncio
import datetime

import pytest

from conftest import draft, rf, today


def yesterday():
    return (datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)).isoformat()


def test_a_reply_reaches_the_client_under_the_check_in_it_answers(paired, relay):
    therapist, client = paired
    earlier = client.record_checkin(draft(session_date=yesterday()), "en-US").checkin
    latest = client.record_checkin(draft(), "en-US").checkin
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))

    reply = therapist.reply_to_checkin(latest.id, "  Thank you, let's start there next week.  ")
    assert reply.record_id == latest.id
    assert reply.text == "Thank you, let's start there next week."
    assert reply.version == 1 and reply.editable
    assert reply.written_at.tzinfo is not None
    dashboard = {c.record_id: c for c in therapist.dashboard()[0].checkins}
    assert dashboard[latest.id].reply == reply
    assert dashboard[earlier.id].reply is None

    asyncio.run(therapist.sync(relay))
    asyncio.run(client.sync(relay))
    history = {c.id: c for c in client.history().checkins}
    assert history[latest.id].reply.text == "Thank you, let's start there next week."
    assert history[latest.id].reply.version == 1
    assert not history[latest.id].reply.editable
    assert history[earlier.id].reply is None
    # Only history carries replies; single reads leave the field unset.
    assert client.checkin(latest.id).checkin.reply is None


def test_a_reply_of_281_characters_is_InvalidCheckIn_naming_the_reply(paired, relay):
    therapist, client = paired
    checkin = client.record_checkin(draft(session_date=today()), "en-US").checkin
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))

    with pytest.raises(rf.RapportError.InvalidCheckIn) as refused:
        therapist.reply_to_checkin(checkin.id, "x" * 281)
    assert refused.value.field == "reply"
    assert refused.value.reason
    assert therapist.dashboard()[0].checkins[0].reply is None
    assert therapist.reply_to_checkin(checkin.id, "x" * 280).text == "x" * 280

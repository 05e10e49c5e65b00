"""Insights, flags, the brief, crisis resources and the client's rights, through the
bindings as a phone app would use them."""

import asyncio
import csv
import datetime
import io
import json

import pytest

from conftest import draft, open_client, rf, today


def days_ago(n):
    return (datetime.date.today() - datetime.timedelta(days=n)).isoformat()


def test_asking_for_support_shows_crisis_lines_and_raises_the_most_urgent_flag(paired, relay):
    therapist, client = paired
    calm = client.record_checkin(draft(heard=4, hopeful=4, session_date=days_ago(7)), "en-GB")
    assert calm.safety is None
    outcome = client.record_checkin(draft(heard=3, hopeful=2, support=True), "en-GB")
    notice = outcome.safety
    assert notice.reason == rf.SafetyReason.SUPPORT_REQUESTED()
    assert notice.resources.region == "GB"
    assert notice.resources.lines and all(line.source_url.startswith("https://") for line in notice.resources.lines)
    assert "real time" in notice.resources.not_monitored
    assert outcome.checkin.support_requested

    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    flags = therapist.flags()
    first = flags[0]
    assert (first.kind, first.kind_id) == (rf.FlagKind.SUPPORT_REQUESTED, "support_requested")
    assert first.severity == rf.Severity.URGENT
    assert first.client_label == "A.B." and first.headline
    assert rf.Rule.SUPPORT_REQUESTED in [r.rule for r in first.reasons]
    reason = first.reasons[0]
    assert therapist.acknowledge_reason(reason.id).acknowledged_at is not None
    assert any(f.id == first.id for f in therapist.flags()), "acknowledging a reason leaves the flag open"

    discussed = therapist.mark_discussed(first.id)
    assert discussed.resolution.kind == rf.ResolutionKind.DISCUSSED
    assert discussed.events[-1].kind == rf.FlagEventKind.DISCUSSED
    assert all(f.id != first.id for f in therapist.flags())
    assert any(f.id == first.id for f in therapist.flags(include_resolved=True))
    with pytest.raises(rf.RapportError.NotFound):
        therapist.mark_discussed("ffffffffffff")
    with pytest.raises(rf.RapportError.NotFound):
        therapist.acknowledge_reason("ffffffffffff")


def test_a_difficult_first_session_raises_one_flag_until_it_is_discussed(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(heard=3, hopeful=2), "en-US")
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    [flag] = therapist.flags()
    assert flag.kind == rf.FlagKind.DIFFICULT_FIRST_SESSION
    assert flag.severity == rf.Severity.MEDIUM
    assert flag.resolution is None and flag.opened_on == today()
    [insight] = therapist.insights()
    assert [f.id for f in insight.flags] == [flag.id]
    assert insight.paused_since is None

    assert therapist.mark_discussed(flag.id).resolution.kind == rf.ResolutionKind.DISCUSSED
    assert therapist.flags() == []
    assert therapist.insights()[0].flags == []
    assert therapist.mark_all_discussed() == 0


def test_flags_are_told_in_the_therapists_language(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(heard=3, hopeful=2, support=True), "en-US")
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    english = {f.kind: f for f in therapist.flags()}
    german = {f.kind: f for f in therapist.flags(locale="de-AT")}
    assert english.keys() == german.keys()
    support = german[rf.FlagKind.SUPPORT_REQUESTED]
    assert "Unterstützung" in support.headline, support.headline
    assert "Krisentelefone" in support.reasons[0].text, support.reasons[0].text
    assert "Opened by" in english[rf.FlagKind.SUPPORT_REQUESTED].events[0].text
    assert "Eröffnet" in support.events[0].text, support.events[0].text
    [insight] = therapist.insights(locale="fr_FR.UTF-8")
    assert all(f.headline != english[f.kind].headline for f in insight.flags)
    assert "soutien" in [f for f in insight.flags if f.kind == rf.FlagKind.SUPPORT_REQUESTED][0].headline
    # A language Rapport does not speak gives English, never a gap.
    assert [f.headline for f in therapist.flags(locale="pt-BR")] == [f.headline for f in therapist.flags()]
    reason = therapist.acknowledge_reason(support.reasons[0].id, locale="es")
    assert "apoyo" in reason.text, reason.text
    brief = therapist.brief(today(), None, "de")
    assert brief.cards[0].flags[0].headline == support.headline
    done = therapist.mark_discussed(support.id, locale="de")
    assert done.resolution.text.startswith("Am "), done.resolution.text
    assert "besprochen" in done.resolution.text


def test_mark_all_discussed_counts_the_flags_it_resolved(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(heard=3, hopeful=2), "en-US")
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    with pytest.raises(rf.RapportError.NotFound):
        therapist.mark_all_discussed("nobody")
    assert therapist.mark_all_discussed("A.B.") == 1
    assert therapist.flags() == []


def test_the_brief_has_a_card_per_client_with_an_opening_line_in_the_locale(paired, relay):
    therapist, client = paired
    client.record_checkin(draft(heard=3, hopeful=2, note="it was hard"), "en-US")
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    brief = therapist.brief(today(), None, "de")
    assert brief.date == today()
    assert brief.basis == rf.BriefBasis.ACTIVE_CLIENTS
    [card] = brief.cards
    assert card.label == "A.B." and card.status == rf.ClientStatus.ACTIVE()
    assert [c.ratings["hopeful"] for c in card.checkins] == [2]
    assert card.checkins[0].note == "it was hard"
    assert {u.item for u in card.usual} >= {"heard", "hopeful"}
    assert [f.kind for f in card.flags] == [rf.FlagKind.DIFFICULT_FIRST_SESSION]
    assert card.opening.locale == "de" and card.opening.text
    english = therapist.brief(today(), "A.B.", "en").cards[0].opening
    assert english.locale == "en" and english.text != card.opening.text

    with pytest.raises(rf.RapportError.NotFound):
        therapist.brief(today(), "nobody", "de")
    with pytest.raises(rf.RapportError.InvalidCheckIn):
        therapist.brief("tomorrow", None, "de")


def test_lowest_hope_shows_resources_even_without_asking_and_unknown_locales_get_emergency_advice(paired):
    _, client = paired
    low = client.record_checkin(draft(heard=4, hopeful=1), "xx-ZZ").safety
    assert low.reason == rf.SafetyReason.LOW_HOPE(item="hopeful", rating=1)
    assert low.resources.is_fallback and low.resources.lines == []
    assert low.resources.emergency_number
    assert rf.crisis_resources("de-DE").region == "DE"


def test_insights_show_the_trend_and_a_low_first_session(paired, relay):
    therapist, client = paired
    for n, (heard, hopeful) in zip([21, 14, 7, 0], [(1, 1), (2, 2), (3, 3), (4, 4)]):
        client.record_checkin(draft(heard=heard, hopeful=hopeful, session_date=days_ago(n)), "en-US")
    asyncio.run(client.sync(relay))
    report = asyncio.run(therapist.sync(relay))
    assert report.insights_to_refresh == 1
    [insight] = therapist.insights()
    assert insight.trend == rf.Trend.IMPROVING
    assert [p.ratings["hopeful"] for p in insight.sessions] == [1, 2, 3, 4]
    hopeful = next(i for i in insight.items if i.item == "hopeful")
    assert (hopeful.first, hopeful.latest, hopeful.change, hopeful.reliable) == (1, 4, 3, True)
    assert abs(hopeful.rci - 3.873) < 0.001
    assert rf.FlagKind.SUPPORT_REQUESTED not in [f.kind for f in insight.flags]
    assert insight.paused_since is None
    assert insight.unseen == 4


def test_pause_export_and_erase(paired, relay):
    therapist, client = paired
    client.pause_sharing()
    assert client.membership() == rf.Membership.ACTIVE(paused=True)
    client.record_checkin(draft(note="private words", private=True), "en-US")
    client.record_checkin(draft(note='shared, with "quotes"', session_date=days_ago(1)), "en-US")
    assert asyncio.run(client.sync(relay)).paused
    # Resuming asks: what was held back is sent only when the client says so.
    held = client.resume_sharing(send_held=True)
    assert (held.count, held.first_session is not None) == (2, True)
    assert asyncio.run(client.sync(relay)).sent == 2

    exported = json.loads(client.export_json())
    assert exported["format"] == "rapport-export/1"
    assert {c["note"]["text"] for c in exported["checkins"]} == {"private words", 'shared, with "quotes"'}
    rows = list(csv.DictReader(io.StringIO(client.export_csv())))
    assert sorted(r["note"] for r in rows) == ["private words", 'shared, with "quotes"']

    asyncio.run(therapist.sync(relay))
    assert len(therapist.insights()[0].sessions) == 2
    assert client.erase_everything() is False
    assert client.membership() == rf.Membership.ERASING()
    assert asyncio.run(client.sync(relay)).erased
    assert client.history().checkins == []
    assert client.membership() == rf.Membership.NOT_JOINED()
    asyncio.run(therapist.sync(relay))
    [gone] = therapist.insights()
    assert isinstance(gone.status, rf.ClientStatus.ERASED)
    assert gone.sessions == [] and therapist.dashboard()[0].checkins == []


def test_revoking_tells_the_client_and_consent_is_required(paired, relay, home):
    therapist, client = paired
    asyncio.run(therapist.revoke_client("A.B.", relay))
    report = asyncio.run(client.sync(relay))
    assert report.ended_by_therapist
    assert isinstance(client.membership(), rf.Membership.REVOKED)
    with pytest.raises(rf.RapportError.SharingEnded):
        client.pause_sharing()
    with pytest.raises(rf.RapportError.NotFound):
        asyncio.run(therapist.revoke_client("nobody", relay))

    invite = asyncio.run(therapist.invite_client(relay, "C.D."))
    newcomer = open_client(home("newcomer"))
    consent = newcomer.consent("fr-FR")
    assert consent.locale == "fr" and consent.version == 2
    with pytest.raises(rf.RapportError.ConsentRequired) as refused:
        asyncio.run(newcomer.join(relay, invite.uri, 0))
    assert refused.value.current == 2
    asyncio.run(newcomer.join(relay, invite.uri, consent.version))

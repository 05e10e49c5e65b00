"""The questionnaire as an app draws it: prompts and scale labels per locale."""

import datetime

import pytest

from conftest import draft, open_client, rf, today


@pytest.mark.parametrize("wanted, resolved", [("de", "de"), ("de-AT", "de"), ("fr-CA", "fr"), ("ja", "en")])
def test_the_instrument_resolves_the_locale_an_app_asks_for(wanted, resolved, home):
    instrument = open_client(home("client")).instrument(wanted)
    assert instrument.locale == resolved
    assert instrument.reference == rf.InstrumentRef(id="session-checkin", version=2)


def test_every_item_has_a_prompt_and_one_label_per_point_in_every_locale(home):
    instrument = open_client(home("client")).instrument("en")
    assert [i.id for i in instrument.items] == ["heard", "hopeful", "worked_on", "fit"]
    assert [i.required for i in instrument.items] == [True, True, False, False]
    heard, hopeful = instrument.items[0], instrument.items[1]
    assert heard.prompt["en"] == "Today I felt listened to"
    assert heard.prompt["de"] == "Heute hatte ich das Gefühl, dass mir zugehört wurde"
    assert hopeful.prompt["en"] == "Right now I feel hopeful that things can get better"
    for item in instrument.items:
        assert set(item.prompt) == set(instrument.locales)
        for locale in instrument.locales:
            assert len(item.scale_labels[locale]) == item.scale_max - item.scale_min + 1
    assert instrument.title["fr"] == "Retour sur la séance"
    assert instrument.note_max_chars == 2000
    assert instrument.note_prompt[instrument.locale]


def test_a_stored_check_in_is_shown_with_the_words_of_the_edition_it_answered(home):
    client = open_client(home("client"))
    v1 = rf.InstrumentRef(id="session-checkin", version=1)
    yesterday = (datetime.date.fromisoformat(today()) - datetime.timedelta(days=1)).isoformat()
    old = draft(heard=4, hopeful=1, session_date=yesterday)
    old.instrument = v1
    client.record_checkin(old, "en-US")
    client.record_checkin(draft(heard=4, hopeful=3), "en-US")
    words = {}
    for checkin in client.history().checkins:
        form = client.checkin_form_of(checkin.instrument, "en")
        assert form.instrument == checkin.instrument
        words[checkin.instrument.version] = form.items[1].prompt
    assert words == {
        1: "I leave feeling more hopeful",
        2: "Right now I feel hopeful that things can get better",
    }
    with pytest.raises(rf.RapportError.InvalidCheckIn):
        client.checkin_form_of(rf.InstrumentRef(id="session-checkin", version=9), "en")

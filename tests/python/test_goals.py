"""The client's goals through the bindings, as a phone app would use them:
set, reword, share, archive, rate in a check-in, and what the therapist sees."""

import asyncio
import datetime

import pytest

from conftest import draft, rf


def days_ago(n):
    return (datetime.date.today() - datetime.timedelta(days=n)).isoformat()


def rated(goal_ratings, **kw):
    d = draft(**kw)
    d.goal_ratings = [rf.GoalRating(goal_id=goal_id, rating=rating) for goal_id, rating in goal_ratings]
    return d


def test_a_goal_is_set_reworded_shared_and_archived(paired):
    _, client = paired
    goal = client.add_goal("  Walk to the shop on my own ", True, False)
    assert (goal.text, goal.shared, goal.set_in_session, goal.version) == ("Walk to the shop on my own", True, False, 1)
    assert goal.archived_at is None
    reworded = client.edit_goal(goal.id, "Walk to the shop and back")
    assert reworded.text == "Walk to the shop and back"
    assert [w.text for w in reworded.earlier_texts] == ["Walk to the shop on my own"]
    assert not client.set_goal_shared(goal.id, False).shared
    archived = client.archive_goal(goal.id)
    assert archived.archived_at is not None
    assert client.active_goals() == []
    assert [g.id for g in client.goals()] == [goal.id]
    with pytest.raises(rf.RapportError.InvalidGoal) as refused:
        client.edit_goal(goal.id, "Too late")
    assert refused.value.code == "goal_archived"


def test_a_fourth_active_goal_is_refused_until_one_is_archived(paired):
    _, client = paired
    goals = [client.add_goal(f"goal {n}", True, n == 0) for n in range(3)]
    with pytest.raises(rf.RapportError.InvalidGoal) as refused:
        client.add_goal("one too many", True, False)
    assert refused.value.code == "too_many_goals"
    assert "archive" in str(refused.value)
    client.archive_goal(goals[0].id)
    assert client.add_goal("one more", False, False).text == "one more"
    assert len(client.active_goals()) == 3


def test_words_and_ids_a_goal_cannot_have_are_refused_with_typed_errors(paired):
    _, client = paired
    with pytest.raises(rf.RapportError.InvalidGoal) as empty:
        client.add_goal("   ", True, False)
    assert empty.value.code == "goal_empty"
    with pytest.raises(rf.RapportError.InvalidGoal) as long:
        client.add_goal("x" * 201, True, False)
    assert long.value.code == "goal_too_long"
    with pytest.raises(rf.RapportError.GoalNotFound):
        client.archive_goal("not a goal id")
    with pytest.raises(rf.RapportError.GoalNotFound):
        client.edit_goal("018f0000-0000-7000-8000-000000000000", "no such goal")
    assert client.goals() == []


def test_a_rating_above_ten_is_refused_and_nothing_is_stored(paired):
    _, client = paired
    goal = client.add_goal("Sleep better", True, False)
    with pytest.raises(rf.RapportError.InvalidCheckIn) as refused:
        client.record_checkin(rated([(goal.id, 11)]), "en-GB")
    assert refused.value.field == "goal_ratings"
    with pytest.raises(rf.RapportError.InvalidCheckIn) as malformed:
        client.record_checkin(rated([("nope", 3)]), "en-GB")
    assert malformed.value.field == "goal_ratings"
    assert client.history().checkins == []
    stored = client.record_checkin(rated([(goal.id, 10)]), "en-GB").checkin
    assert stored.goal_ratings == [rf.GoalRating(goal_id=goal.id, rating=10)]


def test_ratings_of_a_shared_goal_reach_the_therapists_insights(paired, relay):
    therapist, client = paired
    goal = client.add_goal("Walk to the shop on my own", True, True)
    dates = [days_ago(14), days_ago(7), days_ago(0)]
    for date, rating in zip(dates, [3, 4, 6]):
        client.record_checkin(rated([(goal.id, rating)], session_date=date), "en-GB")
    asyncio.run(client.sync(relay))
    asyncio.run(therapist.sync(relay))
    [insight] = therapist.insights()
    [progress] = insight.goals
    assert progress.goal_id == goal.id
    assert progress.text == "Walk to the shop on my own"
    assert progress.set_in_session
    assert [(p.session_date, p.rating) for p in progress.series] == list(zip(dates, [3, 4, 6]))
    assert (progress.first, progress.latest, progress.change_since_set, progress.total_ratings) == (3, 6, 3, 3)


def test_a_private_goal_never_leaves_the_clients_device(paired, relay, tmp_path):
    therapist, client = paired
    secret = "Tell my mother about the diagnosis"
    private = client.add_goal(secret, False, False)
    shared = client.add_goal("Sleep better", True, False)
    client.record_checkin(rated([(private.id, 2), (shared.id, 5)]), "en-GB")
    asyncio.run(client.sync(relay))
    needle = secret.encode()
    envelopes = [envelope for box in relay.mailboxes.values() for _, envelope in box["messages"]]
    assert envelopes
    assert all(needle not in envelope for envelope in envelopes)
    asyncio.run(therapist.sync(relay))
    [insight] = therapist.insights()
    assert [g.text for g in insight.goals] == ["Sleep better"]
    assert [p.rating for p in insight.goals[0].series] == [5]
    therapist_files = [p for p in tmp_path.iterdir() if p.name.startswith("therapist")]
    assert therapist_files
    for path in therapist_files:
        assert needle not in path.read_bytes(), path

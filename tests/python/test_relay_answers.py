"""The relay answer table (tests/vectors/relay-answers.json), run through the
library with an HttpClient written in Python: every answer the apps used to
map themselves must come out as the same typed error, or the same value, as
in Rust (core/tests/relay_answers.rs) and Kotlin."""

import json
import pathlib

import pytest

from conftest import ROOT, rf

TABLE = json.loads((ROOT / "tests" / "vectors" / "relay-answers.json").read_text())


class Scripted(rf.HttpClient):
    """Answers with one case's answer and keeps every request."""

    def __init__(self, answer):
        self.answer = answer
        self.seen = []

    def send(self, request):
        self.seen.append(request)
        failure = self.answer.get("failure")
        if failure == "unreachable":
            raise rf.HttpError.Unreachable(reason="connection refused")
        if failure == "timed_out":
            raise rf.HttpError.TimedOut(reason="no answer in time")
        body = bytes.fromhex(self.answer["body_hex"]) if "body_hex" in self.answer else self.answer["body"].encode()
        headers = [rf.HttpHeader(name=k, value=v) for k, v in self.answer["headers"].items()]
        return rf.HttpResponse(status=self.answer["status"], headers=headers, body=body)


def call(relay, name):
    if name == "create_mailbox":
        m = relay.create_mailbox()
        return {"mailbox_id": m.mailbox_id, "read_token": m.read_token}
    if name == "mint_post_token":
        t = relay.mint_post_token("mbx/1", "read-1")
        return {"token_id": t.token_id, "post_token": t.post_token}
    if name == "revoke_post_token":
        return relay.revoke_post_token("mbx/1", "read-1", "tid-1")
    if name == "post":
        return relay.post("mbx/1", "post-1", b"hello")
    if name == "fetch":
        page = relay.fetch("mbx/1", "read-1", 5, 50)
        return {
            "seqs": [m.seq for m in page.messages],
            "bodies_hex": [bytes(m.body).hex() for m in page.messages],
            "more": page.more,
        }
    raise AssertionError(name)


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_each_relay_answer_means_what_the_table_says(case):
    http = Scripted(case["answer"])
    relay = rf.RelayConnection(TABLE["relay"], http)
    expect = case["expect"]
    kind = expect.get("error")
    if kind is None:
        assert call(relay, case["call"]) == expect["ok"]
    elif kind in ("unreachable", "protocol"):
        with pytest.raises(rf.RapportError.Network):
            call(relay, case["call"])
    elif kind == "refused":
        with pytest.raises(rf.RapportError.RelayRefused) as refused:
            call(relay, case["call"])
        assert (refused.value.status, refused.value.code) == (expect["status"], expect["code"])
    elif kind == "rate_limited":
        with pytest.raises(rf.RapportError.RateLimited) as limited:
            call(relay, case["call"])
        assert limited.value.retry_after_secs == expect["retry_after_secs"]
    else:
        raise AssertionError(kind)
    assert len(http.seen) == 1, "one request, never a retry"
    sent = http.seen[0]
    want = case.get("request")
    if want:
        headers = {h.name: h.value for h in sent.headers}
        assert (sent.method, sent.url) == (want["method"], want["url"])
        assert headers.get("authorization") == want["authorization"]
        assert bytes(sent.body) == want["body"].encode()
    assert "read-1" not in sent.url and "post-1" not in sent.url


def test_the_table_is_all_there():
    assert len(TABLE["cases"]) >= 40


@pytest.mark.parametrize(
    "url,code",
    [
        ("http://relay.example.org", "plain_http"),
        ("http://127.0.0.1.attacker.example", "plain_http"),
        ("ftp://relay.example.org", "scheme"),
        ("relay.example.org", "not_a_url"),
        ("https://me:pw@relay.example.org", "credentials"),
    ],
)
def test_a_relay_address_rapport_will_not_use_is_InvalidRelayUrl(url, code, home, relay):
    import asyncio

    with pytest.raises(rf.RapportError.InvalidRelayUrl) as refused:
        rf.RelayConnection(url, relay)
    assert refused.value.code == code
    therapist = rf.TherapistApp.open_with_passphrase(home("t"), "pass phrase", scrypt_work_factor=4)
    with pytest.raises(rf.RapportError.InvalidRelayUrl) as refused:
        asyncio.run(therapist.set_up(relay, url, "Dr. R"))
    assert refused.value.code == code
    assert therapist.account() is None
    assert relay.requests == [], "nothing was sent"


def test_a_loopback_relay_in_plain_http_is_fine_and_the_address_is_normalised(relay):
    assert rf.RelayConnection("http://localhost:8080/", relay).relay_url() == "http://localhost:8080"

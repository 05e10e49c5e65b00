"""Shared pieces of the Python suite: the generated bindings, an in-memory
relay behind an HttpClient and a keystore written in Python, exactly as an app
would write its own HttpClient and SecretStore.

The generated module is looked up in $RAPPORT_BINDINGS_DIR/python (default
target/bindings/python, as written by bindings/generate.sh)."""

import base64
import json
import os
import pathlib
import sys
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINDINGS = pathlib.Path(os.environ.get("RAPPORT_BINDINGS_DIR", ROOT / "target" / "bindings"))
sys.path.insert(0, str(BINDINGS / "python"))

import rapport_ffi as rf  # noqa: E402

# A low scrypt work factor keeps the suite fast; apps leave it unset.
WORK_FACTOR = 4
VECTORS = ROOT / "tests" / "vectors" / "v1.json"


class Refused(Exception):
    """An error answer of the fake relay: status, code and detail."""

    def __init__(self, status, code, detail):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class MemoryRelay(rf.HttpClient):
    """The relay's /v1 HTTP API over a dict of mailboxes, with a switch to go
    offline: an HttpClient as an app writes one, except that the "network"
    is this object. Requests are parsed from the URL, method and headers the
    library builds, and answered with the status and JSON the real relay
    sends, so the library's own protocol code is what these tests run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mailboxes = {}
        self.offline = False
        self.calling_threads = set()
        self.requests = []
        self.next_id = 0

    def send(self, request):
        self.calling_threads.add(threading.get_ident())
        if self.offline:
            raise rf.HttpError.Unreachable(reason="no connection (test relay is offline)")
        url = urllib.parse.urlsplit(request.url)
        self.requests.append((request.method, url.path))
        query = dict(urllib.parse.parse_qsl(url.query))
        headers = {h.name.lower(): h.value for h in request.headers}
        token = headers.get("authorization", "").removeprefix("Bearer ")
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        try:
            status, body = self._route(request.method, parts, token, query, bytes(request.body))
        except Refused as r:
            status, body = r.status, {"error": r.code, "detail": r.detail}
        text = b"" if body is None else json.dumps(body).encode()
        return rf.HttpResponse(status=status, headers=[rf.HttpHeader(name="content-type", value="application/json")], body=text)

    def _route(self, method, parts, token, query, body):
        match (method, parts):
            case ("POST", ["v1", "mailboxes"]):
                return 201, self.create_mailbox()
            case ("POST", ["v1", "mailboxes", box, "post-tokens"]):
                return 201, self.mint_post_token(box, token)
            case ("DELETE", ["v1", "mailboxes", box, "post-tokens", token_id]):
                self.revoke_post_token(box, token, token_id)
                return 204, None
            case ("POST", ["v1", "mailboxes", box, "messages"]):
                return 201, {"seq": self.post(box, token, body)}
            case ("GET", ["v1", "mailboxes", box, "messages"]):
                return 200, self.fetch(box, token, int(query.get("after", 0)), int(query.get("limit", 100)))
            case ("DELETE", ["v1", "mailboxes", box, "messages"]):
                return 200, {"pruned": self.prune(box, token, int(query["through"]))}
        raise Refused(404, "not_found", f"no route {method} {'/'.join(parts)}")

    def _new_id(self, prefix):
        self.next_id += 1
        return f"{prefix}-{self.next_id}"

    def _mailbox(self, mailbox_id):
        box = self.mailboxes.get(mailbox_id)
        if box is None:
            raise Refused(404, "no_such_mailbox", "no such mailbox")
        return box

    def _reader(self, mailbox_id, read_token):
        box = self._mailbox(mailbox_id)
        if box["read_token"] != read_token:
            raise Refused(403, "forbidden", "wrong read token")
        return box

    def create_mailbox(self):
        with self.lock:
            mailbox_id, token = self._new_id("mbx"), self._new_id("read")
            self.mailboxes[mailbox_id] = {"read_token": token, "post_tokens": {}, "messages": [], "next_seq": 0}
            return {"mailbox_id": mailbox_id, "read_token": token}

    def mint_post_token(self, mailbox_id, read_token):
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            token_id, token = self._new_id("tok"), self._new_id("post")
            box["post_tokens"][token] = {"id": token_id, "revoked": False}
            return {"token_id": token_id, "post_token": token}

    def revoke_post_token(self, mailbox_id, read_token, token_id):
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            for token in box["post_tokens"].values():
                if token["id"] == token_id:
                    token["revoked"] = True

    def post(self, mailbox_id, post_token, envelope):
        with self.lock:
            box = self._mailbox(mailbox_id)
            token = box["post_tokens"].get(post_token)
            if token is None:
                raise Refused(403, "forbidden", "unknown post token")
            if token["revoked"]:
                raise Refused(403, "token_revoked", "token revoked")
            box["next_seq"] += 1
            seq = box["next_seq"]
            box["messages"].append((seq, bytes(envelope)))
            return seq

    def prune(self, mailbox_id, read_token, through):
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            before = len(box["messages"])
            box["messages"] = [m for m in box["messages"] if m[0] > through]
            return before - len(box["messages"])

    def fetch(self, mailbox_id, read_token, after, limit):
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            newer = [m for m in box["messages"] if m[0] > after]
            page = newer[: max(limit, 1)]
            return {
                "messages": [
                    {"seq": s, "received_at": "2026-01-01T00:00:00Z", "body": base64.b64encode(b).decode()}
                    for s, b in page
                ],
                "more": len(newer) > len(page),
            }

    def stored(self):
        return sum(len(b["messages"]) for b in self.mailboxes.values())


class DictSecretStore(rf.SecretStore):
    """A keystore over a dict; `locked` makes every call fail like a locked
    device's Keychain would."""

    def __init__(self):
        self.secrets = {}
        self.locked = False

    def _check(self):
        if self.locked:
            raise rf.RapportError.KeyUnavailable(reason="the device is locked")

    def get(self, name):
        self._check()
        return self.secrets.get(name)

    def put(self, name, secret):
        self._check()
        self.secrets[name] = bytes(secret)

    def delete(self, name):
        self._check()
        self.secrets.pop(name, None)


@pytest.fixture
def relay():
    return MemoryRelay()


@pytest.fixture
def home(tmp_path):
    """Paths for databases, one per device."""
    return lambda name: str(tmp_path / f"{name}.db")


def today():
    """Today's date as the core checks it (UTC), as YYYY-MM-DD."""
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def draft(heard=4, hopeful=3, note=None, private=False, session_date=None, support=False, **more):
    answers = {"heard": heard, "hopeful": hopeful, **more}
    return rf.CheckInDraft(
        instrument=rf.current_instrument(),
        session_date=session_date or today(),
        answers=answers,
        note=None
        if note is None
        else rf.Note(text=note, visibility=rf.NoteVisibility.PRIVATE if private else rf.NoteVisibility.SHARED),
        support_requested=support,
    )


def open_client(path, passphrase="client passphrase"):
    return rf.ClientApp.open_with_passphrase(path, passphrase, scrypt_work_factor=WORK_FACTOR)


def open_therapist(path, passphrase="therapist passphrase"):
    return rf.TherapistApp.open_with_passphrase(path, passphrase, scrypt_work_factor=WORK_FACTOR)


@pytest.fixture
def paired(relay, home):
    """A therapist set up on the relay and a client who joined by invite,
    with the therapist's first sync done (the client is paired)."""
    import asyncio

    therapist = open_therapist(home("therapist"))
    asyncio.run(therapist.set_up(relay, "https://relay.test", "Dr. Ada"))
    invite = asyncio.run(therapist.invite_client(relay, "A.B."))
    client = open_client(home("client"))
    asyncio.run(client.join(relay, invite.uri, client.consent("en").version))
    report = asyncio.run(therapist.sync(relay))
    assert report.paired == ["A.B."]
    # Pairing changed what only the therapist knows: a checkpoint of it went
    # to its own mailbox, and the hello it had applied was pruned.
    assert (report.checkpoints, report.pruned) == (1, 1), report.summary
    return therapist, client

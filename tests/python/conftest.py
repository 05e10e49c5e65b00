"""Shared pieces of the Python suite: the generated bindings, an in-memory
relay and a keystore written in Python, exactly as an app would write its own
Transport and SecretStore.

The generated module is looked up in $RAPPORT_BINDINGS_DIR/python (default
target/bindings/python, as written by bindings/generate.sh)."""

import os
import pathlib
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINDINGS = pathlib.Path(os.environ.get("RAPPORT_BINDINGS_DIR", ROOT / "target" / "bindings"))
sys.path.insert(0, str(BINDINGS / "python"))

import rapport_ffi as rf  # noqa: E402

# A low scrypt work factor keeps the suite fast; apps leave it unset.
WORK_FACTOR = 4
VECTORS = ROOT / "tests" / "vectors" / "v1.json"


class MemoryRelay(rf.Transport):
    """The relay's API over a dict of mailboxes, with a switch to go offline."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mailboxes = {}
        self.offline = False
        self.calling_threads = set()
        self.next_id = 0

    def _new_id(self, prefix):
        self.next_id += 1
        return f"{prefix}-{self.next_id}"

    def _enter(self):
        self.calling_threads.add(threading.get_ident())
        if self.offline:
            raise rf.RapportError.Network(reason="no connection (test relay is offline)")

    def _mailbox(self, mailbox_id):
        box = self.mailboxes.get(mailbox_id)
        if box is None:
            raise rf.RapportError.RelayRefused(status=404, code="no_such_mailbox", reason="no such mailbox")
        return box

    def _reader(self, mailbox_id, read_token):
        box = self._mailbox(mailbox_id)
        if box["read_token"] != read_token:
            raise rf.RapportError.RelayRefused(status=403, code="forbidden", reason="wrong read token")
        return box

    def create_mailbox(self):
        self._enter()
        with self.lock:
            mailbox_id, token = self._new_id("mbx"), self._new_id("read")
            self.mailboxes[mailbox_id] = {"read_token": token, "post_tokens": {}, "messages": []}
            return rf.MailboxCredentials(mailbox_id=mailbox_id, read_token=token)

    def mint_post_token(self, mailbox_id, read_token):
        self._enter()
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            token_id, token = self._new_id("tok"), self._new_id("post")
            box["post_tokens"][token] = {"id": token_id, "revoked": False}
            return rf.PostToken(token_id=token_id, post_token=token)

    def revoke_post_token(self, mailbox_id, read_token, token_id):
        self._enter()
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            for token in box["post_tokens"].values():
                if token["id"] == token_id:
                    token["revoked"] = True

    def post(self, mailbox_id, post_token, envelope):
        self._enter()
        with self.lock:
            box = self._mailbox(mailbox_id)
            token = box["post_tokens"].get(post_token)
            if token is None:
                raise rf.RapportError.RelayRefused(status=403, code="forbidden", reason="unknown post token")
            if token["revoked"]:
                raise rf.RapportError.RelayRefused(status=403, code="token_revoked", reason="token revoked")
            seq = len(box["messages"]) + 1
            box["messages"].append((seq, bytes(envelope)))
            return seq

    def fetch(self, mailbox_id, read_token, after, limit):
        self._enter()
        with self.lock:
            box = self._reader(mailbox_id, read_token)
            newer = [m for m in box["messages"] if m[0] > after]
            page = newer[: max(limit, 1)]
            return rf.FetchPage(
                messages=[rf.FetchedEnvelope(seq=s, body=b) for s, b in page],
                more=len(newer) > len(page),
            )

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
        instrument=rf.InstrumentRef(id="session-checkin", version=1),
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
    asyncio.run(client.join(relay, invite.uri, 1))
    report = asyncio.run(therapist.sync(relay))
    assert report.paired == ["A.B."]
    return therapist, client

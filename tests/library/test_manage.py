"""Linking, unlinking and restricting library documents: need-to-know holds through each.

The last unlink restricts a document (linked to no case, an open document is everyone's);
only a user who sees every case may open a restricted one; documents and cases out of
sight answer as missing ones; every change is audited with its case; searches kept per
user see each change at once.
"""

from __future__ import annotations

import json
import threading
from contextlib import suppress

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.library import manage
from nervecentre.library.access import require_document
from nervecentre.library.ingest import add_bytes
from nervecentre.library.search import search
from nervecentre.security.models import AuditEntry, AuditTarget
from nervecentre.security.users import get_user
from tests.library.test_cli_library import env
from tests.library.test_library import JUDGMENT, case_key
from tests.security.conftest import World

MISSING = 987_654_321


def _add(world: World, word: str, case: int | None = None) -> int:
    key = case_key(world, case) if case else None
    added = add_bytes(world.db, f"{JUDGMENT}\n{word}".encode(), f"{word}.txt", actor="t", case=key)
    assert added.document_id is not None
    return added.document_id


def _sees(world: World, username: str, document_id: int) -> bool:
    with world.db.session() as session:
        try:
            require_document(session, get_user(world.db, username), document_id)
        except NotFound:
            return False
    return True


def _found(world: World, username: str, word: str) -> list[int]:
    return [hit.document for hit in search(world.db, get_user(world.db, username), word)]


def test_link_shows_the_document_to_the_case_and_is_audited(world: World) -> None:
    doc = _add(world, "zulualpha", case=world.case_b)
    inv_b = get_user(world.db, "inv-b")
    assert not _sees(world, "inv", doc)
    assert _found(world, "inv", "zulualpha") == []
    done = manage.link(world.db, get_user(world.db, "admin"), doc, case_key(world, world.case_a))
    assert (done.case_key, done.restricted) == (case_key(world, world.case_a), False)
    assert _sees(world, "inv", doc) and _found(world, "inv", "zulualpha") == [doc]
    again = manage.link(world.db, inv_b, doc, case_key(world, world.case_b))
    assert again.message == "already linked"
    with world.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "library.link")).one()
        concerned = select(AuditTarget.case_id).where(AuditTarget.entry_id == entry.id)
        targets = set(s.scalars(concerned))
    assert (entry.target_type, entry.target_id, entry.actor) == ("document", str(doc), "admin")
    assert targets == {world.case_a}


def test_out_of_sight_documents_and_cases_answer_as_missing_ones(world: World) -> None:
    inv = get_user(world.db, "inv")
    hidden = _add(world, "zuluhidden", case=world.case_b)
    mine = _add(world, "zulumine", case=world.case_a)
    key_b = case_key(world, world.case_b)

    def message(call: object, name: object) -> str:
        with pytest.raises(NotFound) as caught:
            call()  # type: ignore[operator]
        return str(caught.value).replace(str(name), "ID")

    def alike(hidden_call: object, hidden: object, missing_call: object, missing: object) -> None:
        assert message(hidden_call, hidden) == message(missing_call, missing)

    alike(
        lambda: manage.link(world.db, inv, hidden, "x/2024"), hidden,
        lambda: manage.link(world.db, inv, MISSING, "x/2024"), MISSING,
    )  # fmt: skip
    alike(
        lambda: manage.link(world.db, inv, mine, key_b), key_b,
        lambda: manage.link(world.db, inv, mine, "MH-PAL-BOISAR/2023/9"), "MH-PAL-BOISAR/2023/9",
    )  # fmt: skip
    alike(
        lambda: manage.unlink(world.db, inv, mine, world.case_b), world.case_b,
        lambda: manage.unlink(world.db, inv, mine, MISSING), MISSING,
    )  # fmt: skip
    alike(
        lambda: manage.restrict(world.db, inv, hidden, True), hidden,
        lambda: manage.restrict(world.db, inv, MISSING, True), MISSING,
    )  # fmt: skip
    assert not _sees(world, "inv", hidden)  # nothing changed by any of it


def test_the_last_unlink_restricts_the_document(world: World) -> None:
    inv = get_user(world.db, "inv")
    doc = _add(world, "zulubravo", case=world.case_a)
    manage.link(world.db, get_user(world.db, "admin"), doc, case_key(world, world.case_b))
    first = manage.unlink(world.db, inv, doc, world.case_a)  # by id, as the API and pages do
    assert not first.restricted and "last link" not in first.message
    assert not _sees(world, "inv", doc) and _sees(world, "inv-b", doc)  # case B's only now
    with pytest.raises(InvalidValue, match="is not linked to"):
        manage.unlink(world.db, get_user(world.db, "admin"), doc, case_key(world, world.case_a))
    assert _found(world, "inv-b", "zulubravo") == [doc]
    last = manage.unlink(world.db, get_user(world.db, "inv-b"), doc, case_key(world, world.case_b))
    assert last.restricted and "now restricted" in last.message
    for user in ("inv", "inv-b", "sup", "view"):
        assert not _sees(world, user, doc), user  # not the whole library's
    assert _found(world, "inv-b", "zulubravo") == []  # the kept search saw the change
    assert _sees(world, "admin", doc)
    with world.db.session() as s:
        unlinks = select(AuditEntry).where(AuditEntry.action == "library.unlink")
        details = [json.loads(e.detail or "{}") for e in s.scalars(unlinks)]
    assert [d["case_id"] for d in details] == [world.case_a, world.case_b]
    assert [d.get("restricted") for d in details] == [None, True]


def test_two_unlinks_at_once_still_restrict_the_document(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two analysts unlink a document from its two cases at the same moment. Each read two
    links, so neither unlink was the last, neither restricted the document, and it lay open
    to the whole centre. Now each change first takes the document's lock: the second waits,
    reads the one link left, and restricts."""
    admin = get_user(world.db, "admin")
    doc = _add(world, "zulurace", case=world.case_a)
    manage.link(world.db, admin, doc, case_key(world, world.case_b))
    both_counted = threading.Barrier(2, timeout=2)
    count = manage._links

    def count_then_wait(document: object) -> int:
        links = count(document)  # type: ignore[arg-type]
        with suppress(threading.BrokenBarrierError):  # the other waits for the lock: go on
            both_counted.wait()
        return links

    monkeypatch.setattr(manage, "_links", count_then_wait)
    done: list[manage.Changed] = []
    failed: list[BaseException] = []

    def unlink(case: int) -> None:
        try:
            done.append(manage.unlink(world.db, admin, doc, case))
        except BaseException as exc:  # reported by the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=unlink, args=(c,)) for c in (world.case_a, world.case_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failed == [] and len(done) == 2
    assert sorted(change.restricted for change in done) == [False, True]
    for user in ("inv", "inv-b", "sup", "view"):
        assert not _sees(world, user, doc), user
    assert _found(world, "view", "zulurace") == []


def test_restrict_and_open(world: World) -> None:
    doc = _add(world, "zulucharlie")
    assert _sees(world, "inv-b", doc) and _found(world, "inv-b", "zulucharlie") == [doc]
    with pytest.raises(PermissionDenied, match=r"library\.add"):
        manage.restrict(world.db, get_user(world.db, "view"), doc, True)
    done = manage.restrict(world.db, get_user(world.db, "inv"), doc, True)
    assert done.restricted and done.message == "restricted"
    assert not _sees(world, "inv-b", doc) and _found(world, "inv-b", "zulucharlie") == []
    with pytest.raises(PermissionDenied, match=r"case\.view_all"):
        manage.restrict(world.db, get_user(world.db, "sup"), doc, False)
    opened = manage.restrict(world.db, get_user(world.db, "admin"), doc, False)
    assert not opened.restricted
    assert _sees(world, "inv-b", doc) and _found(world, "inv-b", "zulucharlie") == [doc]
    assert manage.restrict(world.db, get_user(world.db, "admin"), doc, False).message == (
        "already open to the library"
    )
    with world.db.session() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.in_(("library.restrict", "library.open")))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["library.restrict", "library.open"]


def test_cli_link_unlink_restrict(world: World) -> None:
    doc = _add(world, "zuludelta")
    e = env(world.db)
    key_a = case_key(world, world.case_a)
    runner = CliRunner()
    linked = runner.invoke(
        app, ["library", "link", str(doc), "--case", key_a, "--as", "inv"], env=e
    )
    assert linked.exit_code == 0, linked.output
    assert f"Document {doc}: linked to {key_a} (not restricted)." in " ".join(linked.output.split())
    hidden = runner.invoke(
        app, ["library", "link", str(doc), "--case", case_key(world, world.case_b), "--as", "inv"],
        env=e,
    )  # fmt: skip
    assert hidden.exit_code != 0 and "no case" in hidden.output
    unlinked = runner.invoke(
        app, ["library", "unlink", str(doc), "--case", key_a, "--as", "inv"], env=e
    )
    assert unlinked.exit_code == 0, unlinked.output
    assert "now restricted" in " ".join(unlinked.output.split())
    refused = runner.invoke(app, ["library", "restrict", str(doc), "--open", "--as", "sup"], env=e)
    assert refused.exit_code != 0  # sup cannot even see it now: restricted and unlinked
    opened = runner.invoke(app, ["library", "restrict", str(doc), "--open"], env=e)
    assert opened.exit_code == 0, opened.output
    assert "(not restricted)" in opened.output and _sees(world, "inv-b", doc)

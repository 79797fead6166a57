"""Need-to-know, leads to the registry, and exports through the service (audited)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stix2
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound, PermissionDenied
from nervecentre.scams import views
from nervecentre.scams.links import campaign_links
from nervecentre.scams.service import export, import_complaints
from nervecentre.security import audit
from nervecentre.store.db import Database
from tests.cases.editing import build_world
from tests.scams.messages import BTC, TEMPLATE_B, scam_email, write
from tests.security.conftest import World

# Case A's accused (register row 1) has this phone and UPI ID; case B's has row 2's.
ACCUSED_A_PHONE = "+919876543001"


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return build_world(db, tmp_path, monkeypatch)


def _key(world: World, case_id: int) -> str:
    with world.db.session() as s:
        return str(s.scalar(select(Case.case_key).where(Case.id == case_id)))


def _load(world: World, tmp_path: Path) -> None:
    free = tmp_path / "free"
    for n in range(3):
        write(free / f"{n}.eml", scam_email(f"V{n}", message_id=f"<f{n}@x>").as_bytes())
    in_b = tmp_path / "in_b"
    text = TEMPLATE_B.replace("+91 98765 43210", "098765 43001")
    write(in_b / "b.eml", scam_email("Meena", message_id="<b@x>", template=text,
                                     wallet="salim9@ybl", amount="5000").as_bytes())  # fmt: skip
    import_complaints(world.db, [free], operator="cli:test")
    import_complaints(world.db, [in_b], operator="cli:test", username="inv-b",
                      case=_key(world, world.case_b))  # fmt: skip


def test_need_to_know_and_leads_on_both_sides(world: World, tmp_path: Path) -> None:
    _load(world, tmp_path)
    inv, inv_b = world.user("inv"), world.user("inv-b")
    with world.db.session() as s:
        seen_a = views.list_campaigns(s, inv)
        seen_b = views.list_campaigns(s, inv_b)
    assert [c.messages for c in seen_a] == [3]  # the case-B complaint is not theirs to see
    assert sorted(c.messages for c in seen_b) == [1, 3]
    upi_campaign = next(c for c in seen_b if c.messages == 1)
    assert upi_campaign.demanded == {"INR": 5000}
    with world.db.session() as s:
        with pytest.raises(NotFound):
            views.campaign_detail(s, inv, upi_campaign.id)
        detail = views.campaign_detail(s, inv_b, upi_campaign.id)
        # The phone is case A's accused's; inv-b may not see case A, so no lead is named.
        assert detail.leads == []
        admin_detail = views.campaign_detail(s, world.user("admin"), upi_campaign.id)
        [lead] = admin_detail.leads
        assert (lead.kind, lead.value, lead.case_id) == ("phone", ACCUSED_A_PHONE, world.case_a)
        assert lead.role == "accused"
        big = views.campaign_detail(s, inv, seen_a[0].id)
        assert big.indicators["btc"] == [(BTC, 3)]
        assert sum(n for _, n in big.timeline) == 3
        # The other side: case A's identifiers that complaints give.
        [link] = campaign_links(s, [("phone", ACCUSED_A_PHONE)], views.visible_messages(inv_b))
        assert link.campaign_ids == (upi_campaign.id,) and link.messages == 1
        assert campaign_links(s, [("phone", ACCUSED_A_PHONE)], views.visible_messages(inv)) == []


def test_permissions(world: World, tmp_path: Path) -> None:
    _load(world, tmp_path)
    with world.db.session() as s:
        views.list_campaigns(s, world.user("view"))
        with pytest.raises(PermissionDenied):
            views.list_campaigns(s, world.user("admin").__class__(
                username="aud", role="auditor", active=True))  # fmt: skip
    with pytest.raises(PermissionDenied, match=r"export\.run"):
        export(world.db, "stix", operator="t", user=world.user("view"))
    with pytest.raises(NotFound):
        import_complaints(world.db, [tmp_path / "free"], operator="t", username="inv",
                          case=_key(world, world.case_b))  # fmt: skip


def test_exports_follow_need_to_know_and_are_audited(world: World, tmp_path: Path) -> None:
    _load(world, tmp_path)
    bundle = stix2.parse(export(world.db, "stix", operator="t", user=world.user("inv")))
    values = {o.pattern for o in bundle.objects if o.type == "indicator"}
    assert not any("salim9@ybl" in v for v in values)  # case B's complaint stays out
    assert audit.tail(world.db, 1)[0].action == "scam.export"
    everything = json.loads(export(world.db, "misp", operator="t"))
    assert len(everything) == 2
    text = export(world.db, "csv", operator="t", user=world.user("inv-b"))
    assert "salim9@ybl" in text and text.startswith("kind,value,messages,campaigns")


def test_campaign_numbers_survive_later_imports(db: Database, tmp_path: Path) -> None:
    from nervecentre.scams.models import ScamMessage

    write(tmp_path / "one" / "a.eml", scam_email("Asha", message_id="<s1@x>").as_bytes())
    write(tmp_path / "one" / "b.eml", scam_email("Ravi", message_id="<s2@x>").as_bytes())
    import_complaints(db, [tmp_path / "one"], operator="t")
    with db.session() as s:
        before = s.scalar(select(ScamMessage.campaign_id).where(ScamMessage.message_id == "<s1@x>"))
    other = TEMPLATE_B.format(name="Meena", password="", amount="5000", wallet="meena1@ybl")
    write(tmp_path / "two" / "c.txt", other)
    write(tmp_path / "two" / "d.eml", scam_email("Uma", message_id="<s3@x>").as_bytes())
    import_complaints(db, [tmp_path / "two"], operator="t")
    with db.session() as s:
        rows = dict(s.execute(select(ScamMessage.message_id, ScamMessage.campaign_id)).all())
    assert rows["<s1@x>"] == rows["<s2@x>"] == rows["<s3@x>"] == before
    assert rows[None] != before


def test_complaint_files_attached_to_a_case_become_its_documents(
    world: World, tmp_path: Path
) -> None:
    from nervecentre.evidence.documents import file_store
    from nervecentre.evidence.models import Document
    from nervecentre.scams.models import ScamComplaint

    _load(world, tmp_path)
    with world.db.session() as s:
        complaint = s.scalars(select(ScamComplaint).where(ScamComplaint.case_id.is_not(None))).one()
        document = s.scalars(select(Document).where(Document.case_id == world.case_b)).one()
        assert document.sha256 == complaint.file_sha256 and document.filename == "b.eml"
        assert [c.action for c in document.custody] == ["added"]
        assert complaint.actor == "inv-b"
    assert file_store(world.db).verify(complaint.file_sha256)


def test_campaigns_are_named_from_what_the_user_sees(world: World, tmp_path: Path) -> None:
    from nervecentre.scams.naming import shorten

    _load(world, tmp_path)
    with world.db.session() as s:
        names = {c.messages: c.label for c in views.list_campaigns(s, world.user("inv-b"))}
        big = views.list_campaigns(s, world.user("inv"))[0]
        detail = views.campaign_detail(s, world.user("inv"), big.id)
    assert names[3].endswith(f" · BTC {shorten(BTC)}") and names[3] == detail.campaign.label
    assert names[1].endswith(" · UPI salim9@ybl")  # one message: the UPI ID before its phone


def test_link_graph_joins_registry_identifiers_to_campaigns(world: World, tmp_path: Path) -> None:
    from nervecentre.graph.build import build_graph

    _load(world, tmp_path)
    with world.db.session() as s:
        upi = next(c for c in views.list_campaigns(s, world.user("inv-b")) if c.messages == 1)
    node = f"phone:{ACCUSED_A_PHONE}"
    graph = build_graph(world.db, world.user("admin"))
    [edge] = [e for e in graph.edges if e.type == "in_complaints"]
    assert (edge.source, edge.target) == (node, f"campaign:{upi.id}")
    assert graph.nodes[f"campaign:{upi.id}"].type == "campaign"
    # inv sees case A (the phone) but not the complaint filed under case B; inv-b the other way.
    for name in ("inv", "inv-b"):
        seen = build_graph(world.db, world.user(name))
        assert not [e for e in seen.edges if e.type == "in_complaints"]
        assert not [n for n in seen.nodes if n.startswith("campaign:")]


# One complainant, two rackets: her own number answers both chats.
CHAT_ONE = (
    "12/03/24, 10:15 pm - +91 98765 43210: I have your video call recording. Pay or it goes out\n"
    "12/03/24, 10:16 pm - +91 91234 56789: please don't, I will pay\n"
    "12/03/24, 10:17 pm - +91 98765 43210: send Rs 20000 to upi ravi.pay@ybl now\n"
)
CHAT_TWO = (
    "02/05/24, 09:01 am - +91 99887 76655: Your phone was hacked and your camera recorded you.\n"
    "02/05/24, 09:03 am - +91 91234 56789: who is this\n"
    f"02/05/24, 09:04 am - +91 99887 76655: transfer 0.05 bitcoin to {BTC} within 24 hours\n"
)


def test_the_complainants_own_number_links_no_complaints(db: Database, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nervecentre.cli.main import app
    from nervecentre.scams.models import ScamIndicator, ScamMessage

    write(tmp_path / "in" / "one.txt", CHAT_ONE)
    write(tmp_path / "in" / "two.txt", CHAT_TWO)
    import_complaints(db, [tmp_path / "in"], operator="t")
    with db.session() as s:
        stored = {(k, v) for k, v in s.execute(select(ScamIndicator.kind, ScamIndicator.value))}
        campaigns = set(s.scalars(select(ScamMessage.campaign_id)))
    assert ("phone", "+919876543210") in stored and ("phone", "+919988776655") in stored
    assert ("upi", "ravi.pay@ybl") in stored and ("btc", BTC) in stored
    assert ("phone", "+919123456789") not in stored  # hers, not the rackets'
    assert len(campaigns) == 2  # her number joined nothing
    runner = CliRunner()
    grouped = runner.invoke(app, ["scam", "campaigns", str(tmp_path / "in"), "--json"])
    labels = {json.loads(line)["campaign"] for line in grouped.output.splitlines()}
    assert grouped.exit_code == 0 and len(labels) == 2
    listed = runner.invoke(app, ["scam", "extract", str(tmp_path / "in"), "--json"])
    values = {json.loads(line)["value"] for line in listed.output.splitlines()}
    assert "+919123456789" in values  # extraction reports what the text holds

"""``nervecentre scam``: the JSON-lines contracts, errors on stderr, import and dedup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.scams.models import ScamComplaint, ScamMessage
from nervecentre.security import audit
from nervecentre.store.db import Database
from tests.scams.messages import BAD_BTC, BTC, BTC2, TEMPLATE_B, UPI, mbox, scam_email, write


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "complaints"
    write(folder / "a.eml", scam_email("Asha", message_id="<a1@x>").as_bytes())
    write(folder / "b" / "box.mbox", mbox(
        scam_email("Ravi", to="ravi@example.in", message_id="<b1@x>", wallet=BTC2).as_bytes(),
        scam_email("Meena", to="meena@example.in", message_id="<b2@x>",
                   template=TEMPLATE_B, wallet=UPI, amount="5,000").as_bytes(),
    ))  # fmt: skip
    write(folder / "sms.txt", f"Pay Rs 5000 to {UPI} or else. Not {BAD_BTC}.")
    return folder


def test_extract_json_lines_exactly(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scam", "extract", str(_folder(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    assert all(list(line) == ["path", "message", "kind", "value"] for line in lines)
    got = {(Path(x["path"]).name, x["message"], x["kind"], x["value"]) for x in lines}
    assert ("a.eml", "<a1@x>", "btc", BTC) in got
    assert ("box.mbox", 0, "btc", BTC2) in got
    assert ("box.mbox", 1, "upi", UPI) in got
    assert ("box.mbox", 1, "phone", "+919876543210") in got
    assert ("sms.txt", None, "upi", UPI) in got
    assert all(x["value"] != BAD_BTC for x in lines)  # a broken checksum is never extracted


def test_campaigns_json_lines_one_per_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scam", "campaigns", str(_folder(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    assert all(list(line) == ["path", "message", "campaign"] for line in lines)
    by = {(Path(x["path"]).name, x["message"]): x["campaign"] for x in lines}
    assert len(by) == 4
    # Same template, different victims and wallets: one campaign; the UPI text is another,
    # and the SMS joins it through the UPI ID they share.
    assert by[("a.eml", "<a1@x>")] == by[("box.mbox", 0)]
    assert by[("box.mbox", 1)] == by[("sms.txt", None)] != by[("a.eml", "<a1@x>")]


def test_unreadable_message_goes_to_stderr_and_exit_66(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    write(folder / "zz.eml", b"\x00\x01\x02binary")
    result = CliRunner().invoke(app, ["scam", "extract", str(folder), "--json"])
    assert result.exit_code == 66
    assert "zz.eml" in result.stderr and "binary" in result.stderr
    assert "zz.eml" not in result.stdout
    assert len(_lines(result.stdout)) >= 5  # the others still came out


def _count(db: Database, model: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_stores_each_message_once_and_again_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    # A second victim hands in the same message (same Message-ID) as a saved .eml.
    copy = scam_email("Asha", message_id="<a1@x>")
    copy["Received"] = "from mx.example.in by mail.example.in; Mon, 07 Dec 2026 10:01:00 +0530"
    write(tmp_path / "victim2" / "copy.eml", copy.as_bytes())
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner(env=env)
    result = runner.invoke(app, ["scam", "import", str(folder), str(tmp_path / "victim2")])
    assert result.exit_code == 0, result.output
    assert "5 messages read: 4 new, 1 already known" in " ".join(result.stdout.split())
    assert (_count(db, ScamMessage), _count(db, ScamComplaint)) == (4, 5)
    again = runner.invoke(app, ["scam", "import", str(folder)])
    assert again.exit_code == 0
    assert "4 imported before" in " ".join(again.stdout.split())
    assert (_count(db, ScamMessage), _count(db, ScamComplaint)) == (4, 5)
    assert audit.tail(db, 1)[0].action == "scam.import"
    with db.session() as s:
        campaigns = {c for c in s.scalars(select(ScamMessage.campaign_id))}
    assert len(campaigns) == 2


def test_import_as_a_user_without_the_permission_is_refused(db: Database, tmp_path: Path) -> None:
    from nervecentre.security import users

    users.create_user(db, "aud", "correct horse battery", "auditor", actor="test")
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    result = CliRunner(env=env).invoke(
        app, ["scam", "import", str(_folder(tmp_path)), "--as", "aud"]
    )
    assert result.exit_code == 77
    assert "scam.import" in result.stderr
    assert _count(db, ScamMessage) == 0


def test_help_teaches_with_examples() -> None:
    for command in ("extract", "campaigns", "import"):
        result = CliRunner().invoke(app, ["scam", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.stdout


def test_payments_and_export_commands(db: Database, tmp_path: Path) -> None:
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner(env=env)
    assert runner.invoke(app, ["scam", "import", str(_folder(tmp_path))]).exit_code == 0
    wallet = write(tmp_path / "w.csv", "txid,date,amount\nt1,2026-03-01,0.5\nt2,2026-03-02,0.25\n")
    result = runner.invoke(app, ["scam", "payments", str(wallet), "--address", BTC])
    assert result.exit_code == 0, result.output
    assert "2 transactions written, 0 already known" in result.stdout
    rates = write(tmp_path / "r.csv", "date,inr\n2026-03-01,6000000\n")
    assert (
        "1 daily rates written"
        in runner.invoke(app, ["scam", "payments", str(rates), "--rates", "BTC"]).stdout
    )
    bad = runner.invoke(app, ["scam", "payments", str(rates)])
    assert bad.exit_code == 66 and "transaction id" in bad.stderr
    out = tmp_path / "all.stix.json"
    assert runner.invoke(app, ["scam", "export", "stix", "-o", str(out)]).exit_code == 0
    import stix2

    assert stix2.parse(out.read_text(), allow_custom=False).type == "bundle"
    misp = runner.invoke(app, ["scam", "export", "misp", "--campaign", "1"])
    assert misp.exit_code == 0 and '"Event"' in misp.stdout
    wrong = runner.invoke(app, ["scam", "export", "xml"])
    assert wrong.exit_code == 65 and "stix, misp, csv" in wrong.stderr


def test_synth_then_campaigns_on_the_whole_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["scam", "synth", str(tmp_path / "c"), "--messages", "40"])
    assert made.exit_code == 0 and "40 messages written" in made.stdout
    result = runner.invoke(app, ["scam", "campaigns", str(tmp_path / "c"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert len(_lines(result.stdout)) == 40  # truth.jsonl is not read as a complaint

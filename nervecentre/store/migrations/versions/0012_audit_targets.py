"""audit entries tied to their targets (need-to-know on the audit log)

Revision ID: 0012_audit_targets
Revises: 0011_kept_answers
Create Date: 2026-12-07 13:30:00

- ``audit_targets`` (new): the cases each audit entry concerns. Reading the log shows an
  entry only to those who may see every one of its cases (or to auditors), so the log no
  longer shows a restricted case's facts to someone its page answers 404. Back-filled from
  the entries already written: an entry about a case targets it; one about a person targets
  the cases that person has a part in now; ``case_id``, ``other_case_id`` and ``cases`` in
  an entry's detail are targets too. Append-only, like the log.
- ``audit_chain_head.ordered_from``: entries from this id on are stamped under the chain
  lock, so ``audit verify`` reports any whose time goes backwards. Entries written before
  this revision were stamped before the lock was taken (a few could be out of order by the
  lock wait), so the check starts after them. The head trigger refuses to move it.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_targets"
down_revision = "0011_kept_answers"
branch_labels = None
depends_on = None

_HEAD_SQLITE = """CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
       WHEN NEW.last_id < OLD.last_id OR NEW.id <> OLD.id{extra}
       BEGIN SELECT RAISE(ABORT, 'audit chain head only moves forward'); END"""
_HEAD_POSTGRES = """CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           RAISE EXCEPTION 'audit chain head cannot be deleted';
         END IF;
         IF NEW.last_id < OLD.last_id OR NEW.id <> OLD.id{extra} THEN
           RAISE EXCEPTION 'audit chain head only moves forward';
         END IF;
         RETURN NEW;
       END $$"""
_ORDERED = " OR NEW.ordered_from <> OLD.ordered_from"
# Keys of an entry's detail that name cases it concerns (see audit._detail_cases).
_DETAIL_KEYS = ("case_id", "other_case_id", "cases")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _numeric(column: str) -> str:
    """SQL that is true when ``column`` holds a case or person id (1 to 9 digits)."""
    if _sqlite():
        return f"({column} <> '' AND {column} NOT GLOB '*[^0-9]*' AND length({column}) <= 9)"
    return f"({column} ~ '^[0-9]{{1,9}}$')"


def _ids(value: object) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31]


def _backfill() -> None:
    bind = op.get_bind()
    numeric = _numeric("target_id")
    bind.exec_driver_sql(
        "INSERT INTO audit_targets (entry_id, case_id) "
        f"SELECT id, CAST(target_id AS INTEGER) FROM audit_log "
        f"WHERE target_type = 'case' AND {numeric}"
    )
    bind.exec_driver_sql(
        "INSERT INTO audit_targets (entry_id, case_id) "
        "SELECT DISTINCT a.id, r.case_id FROM "
        f"(SELECT id, CASE WHEN {numeric} THEN CAST(target_id AS INTEGER) END AS person_id "
        " FROM audit_log WHERE target_type = 'person') a "
        "JOIN case_roles r ON r.person_id = a.person_id"
    )
    # Cases named in the detail (a link's other case, a reveal's cases): few entries, in Python.
    like = " OR ".join(f"detail LIKE :k{i}" for i in range(len(_DETAIL_KEYS)))
    patterns = {f"k{i}": f'%"{key}"%' for i, key in enumerate(_DETAIL_KEYS)}
    rows = bind.execute(sa.text(f"SELECT id, detail FROM audit_log WHERE {like}"), patterns).all()
    wanted: set[tuple[int, int]] = set()
    for entry_id, detail in rows:
        try:
            parsed = json.loads(detail)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            for key in _DETAIL_KEYS:
                wanted.update((int(entry_id), case_id) for case_id in _ids(parsed.get(key)))
    if not wanted:
        return
    have = set(bind.exec_driver_sql("SELECT entry_id, case_id FROM audit_targets").all())
    missing = [{"e": e, "c": c} for e, c in sorted(wanted - {tuple(r) for r in have})]
    if missing:
        bind.execute(
            sa.text("INSERT INTO audit_targets (entry_id, case_id) VALUES (:e, :c)"), missing
        )


def upgrade() -> None:
    op.create_table(
        "audit_targets",
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "case_id", name=op.f("pk_audit_targets")),
    )
    op.add_column(
        "audit_chain_head",
        sa.Column("ordered_from", sa.Integer(), server_default="1", nullable=False),
    )
    op.execute("UPDATE audit_chain_head SET ordered_from = last_id + 1")
    _backfill()
    if _sqlite():
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_targets_no_{event.lower()} BEFORE {event} ON audit_targets"
                " BEGIN SELECT RAISE(ABORT, 'audit targets are append-only'); END"
            )
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_forward")
        op.execute(_HEAD_SQLITE.format(extra=_ORDERED))
    else:
        op.execute(
            "CREATE TRIGGER audit_targets_append_only BEFORE UPDATE OR DELETE ON audit_targets"
            " FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(_HEAD_POSTGRES.format(extra=_ORDERED))


def downgrade() -> None:
    if _sqlite():
        for name in ("audit_targets_no_update", "audit_targets_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_forward")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_targets_append_only ON audit_targets")
        op.execute(_HEAD_POSTGRES.format(extra=""))
    op.drop_table("audit_targets")
    op.drop_column("audit_chain_head", "ordered_from")
    if _sqlite():
        op.execute(_HEAD_SQLITE.format(extra=""))

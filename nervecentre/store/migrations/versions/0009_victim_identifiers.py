"""victim identifiers: no plain phone numbers or addresses of protected people in identifiers

Revision ID: 0009_victim_identifiers
Revises: 0008_login_failures
Create Date: 2026-12-03 12:30:00

Imports used to store a victim's phones and e-mail addresses as plain identifier rows (the
pages masked them). Imports now encrypt them with the victim's contact and link records of
the same victim through a keyed blind index. This removes the plain rows an import wrote
for protected people (their text is in the encrypted contact, so nothing is lost) and the
identifiers nobody uses any more. Re-importing the register restores the links as blind
indexes; identifiers recorded by hand stay as they were.
"""

from alembic import op

revision = "0009_victim_identifiers"
down_revision = "0008_login_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM identifier_uses WHERE imported AND person_id IN "
        "(SELECT id FROM persons WHERE protected) AND identifier_id IN "
        "(SELECT id FROM identifiers WHERE value NOT LIKE 'protected:%')"
    )
    op.execute(
        "DELETE FROM identifiers WHERE NOT EXISTS "
        "(SELECT 1 FROM identifier_uses u WHERE u.identifier_id = identifiers.id)"
    )


def downgrade() -> None:
    # The removed rows were copies of encrypted data; they are not put back in plain text.
    pass

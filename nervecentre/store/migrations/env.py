"""Alembic environment: runs on the connection nervecentre hands it."""

from alembic import context

from nervecentre.store.migrate import include_name
from nervecentre.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()

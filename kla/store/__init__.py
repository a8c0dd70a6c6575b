"""The store: SQLModel tables, engine, Alembic migrations, evidence files."""

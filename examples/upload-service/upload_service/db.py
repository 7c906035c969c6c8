"""The database: engine, sessions and the declarative base."""

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Database:
    def __init__(self, url: str) -> None:
        # An in-memory SQLite database lives in one connection, so tests share it.
        options = {"poolclass": StaticPool} if url in ("sqlite://", "sqlite:///:memory:") else {}
        self.engine = create_engine(url, **options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        # Importing the models registers their tables on the base.
        from upload_service import models  # noqa: F401

        Base.metadata.create_all(self.engine)

    def session(self) -> Session:
        return self._sessions()

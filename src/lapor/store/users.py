"""Staff accounts, written by the operator's ``lapor user add`` (not by the API)."""

from __future__ import annotations

from sqlalchemy import select

from lapor.credentials.passwords import hash_password
from lapor.domain.commands import utcnow
from lapor.store.engine import create_engine, create_sessionmaker
from lapor.store.models import User


class UserExists(Exception):
    pass


async def add_user(
    database_url: str, *, username: str, role: str, display_name: str, password: str, update: bool = False
) -> bool:
    """Create (True) or, with ``update``, change (False) a staff account."""
    engine = create_engine(database_url, writer=True)
    try:
        async with create_sessionmaker(engine).begin() as session:
            user = await session.scalar(select(User).where(User.username == username))
            if user is not None and not update:
                raise UserExists(username)
            password_hash = hash_password(password)
            if user is None:
                session.add(
                    User(
                        username=username,
                        display_name=display_name,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        created_at=utcnow(),
                    )
                )
                return True
            user.role, user.display_name, user.password_hash, user.active = (
                role,
                display_name,
                password_hash,
                True,
            )
            return False
    finally:
        await engine.dispose()

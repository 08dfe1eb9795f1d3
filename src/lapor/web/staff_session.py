"""Who a staff page's visitor is, and whether a form they posted may change anything.

Shared by every staff page module (dashboard, office, places, duplicates); none of them imports
another's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lapor.config import Settings
from lapor.domain.enums import WRITER_ROLES, Role
from lapor.errors import LaporError
from lapor.http.deps import RedisDep, SessionDep, SettingsDep, staff_from_token
from lapor.http.security import CSRF_FIELD, SESSION_COOKIE, cross_site, csrf_valid
from lapor.store.models import User


async def page_staff(
    request: Request, session: SessionDep, settings: SettingsDep, redis: RedisDep
) -> User | None:
    """The signed-in staff member, or None (a page shows the sign-in form instead of an error).

    Pages know their visitor by the session cookie alone (a signed-out one is refused); the forms
    they post carry their CSRF token in a field, which each form route checks (the API's header
    check does not apply).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        return None
    try:
        return await staff_from_token(token, session, settings, redis)
    except LaporError:
        return None


PageStaff = Annotated[User | None, Depends(page_staff)]


async def staff_form(request: Request, user: User | None, settings: Settings) -> dict[str, str] | None:
    """The posted form, or None when the sender is not signed in, the CSRF token is wrong, or the
    browser says the form was posted from another site."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    if user is None or cross_site(request) or not csrf_valid(request, settings, fields.get(CSRF_FIELD)):
        return None
    if Role(user.role) not in WRITER_ROLES:  # a viewer reads, changes nothing
        return None
    return fields

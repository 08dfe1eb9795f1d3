"""The office manages itself (admins only): staff accounts, categories and the audit log.

Every change is a command the worker applies: the answer is 202 with the command's id; a rule
that can be checked at once (a username or slug taken, the last active admin) is a 4xx at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from lapor.domain import accounts as rules
from lapor.domain.enums import Priority, Role
from lapor.domain.fields import NoNul
from lapor.errors import ValidationFailed
from lapor.http.deps import AdminDep, RedisDep, SessionDep, SettingsDep
from lapor.http.errors import error_responses
from lapor.services import accounts, office
from lapor.services.views import iso_utc
from lapor.store.accounts_queries import AuditFilters

router = APIRouter(prefix="/api/admin", tags=["admin"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NoNul]
CategoryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), NoNul]
StaffRole = Literal["admin", "technician", "viewer"]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Slug = Annotated[str, Path(pattern=rules.SLUG_PATTERN, max_length=40)]


class Accepted(BaseModel):
    command_id: str


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    has_password: bool = Field(description="False until the member has chosen a password through their link")
    link_expires_at: str | None = Field(description="When their unused one-time link expires; null: none")
    created_at: str


class UserList(BaseModel):
    items: list[UserOut]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=rules.USERNAME_PATTERN), NoNul
    ] = Field(description="2-64 of a-z 0-9 . _ -, starting with a letter or digit")
    display_name: Name
    role: StaffRole


class LinkOut(BaseModel):
    command_id: str
    link: str = Field(description="The one-time link to hand over; shown only now (only its hash is stored)")
    expires_at: str


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: StaffRole | None = None
    display_name: Name | None = None
    active: bool | None = Field(default=None, description="false deactivates: every session ends at once")


@router.get("/users", response_model=UserList, summary="Staff accounts", responses=error_responses(401, 403))
async def list_users(admin: AdminDep, session: SessionDep) -> dict[str, Any]:
    return {"items": await office.list_users(session=session)}


def _link_out(link: accounts.Link) -> LinkOut:
    return LinkOut(command_id=link.command_id, link=link.url, expires_at=iso_utc(link.expires_at))


@router.post(
    "/users",
    status_code=202,
    response_model=LinkOut,
    summary="Invite a staff member: a one-time link (valid 48 h) where they choose their password",
    responses=error_responses(401, 403, 409, 422, 503),
)
async def invite(
    body: InviteIn, admin: AdminDep, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> LinkOut:
    link = await accounts.invite(
        session=session,
        redis=redis,
        settings=settings,
        admin=admin,
        username=body.username,
        display_name=body.display_name,
        role=Role(body.role),
    )
    return _link_out(link)


@router.patch(
    "/users/{user_id}",
    status_code=202,
    response_model=Accepted,
    summary="Change a role or display name; deactivate (every session ends at once) or reactivate",
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def change_user(
    user_id: UserId,
    body: UserChange,
    admin: AdminDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Accepted:
    if body.role is None and body.display_name is None and body.active is None:
        raise ValidationFailed([("request", "account.nothing_to_change", {})])
    command_id = await accounts.change(
        session=session,
        redis=redis,
        settings=settings,
        admin=admin,
        user_id=user_id,
        role=Role(body.role) if body.role else None,
        display_name=body.display_name,
        active=body.active,
    )
    return Accepted(command_id=command_id)


@router.post(
    "/users/{user_id}/reset",
    status_code=202,
    response_model=LinkOut,
    summary="A new one-time link for a staff member (older unused links stop working)",
    responses=error_responses(401, 403, 404, 422, 503),
)
async def reset(
    user_id: UserId, admin: AdminDep, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> LinkOut:
    link = await accounts.reset(session=session, redis=redis, settings=settings, admin=admin, user_id=user_id)
    return _link_out(link)


class CategoryOut(BaseModel):
    slug: str
    name_id: str
    name_en: str
    default_priority: str
    position: int
    active: bool = Field(description="false: retired, off the form; its reports keep it")
    never_public: bool = Field(description="true: its reports never appear in a public view")


class CategoryList(BaseModel):
    items: list[CategoryOut]


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=rules.SLUG_PATTERN)]
    name_id: CategoryName
    name_en: CategoryName
    default_priority: Priority = Priority.NORMAL
    position: Annotated[int, Field(ge=0, le=10_000)] = 100


class CategoryChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_id: CategoryName | None = None
    name_en: CategoryName | None = None
    default_priority: Priority | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None
    active: bool | None = Field(default=None, description="false retires it: off the form, reports kept")
    never_public: StrictBool | None = Field(
        default=None,
        description="true: its reports are absent from every public view (a toilet, a dormitory)",
    )


@router.get(
    "/categories",
    response_model=CategoryList,
    summary="Every category, retired ones too",
    responses=error_responses(401, 403),
)
async def list_categories(admin: AdminDep, session: SessionDep) -> dict[str, Any]:
    return {"items": await office.list_categories(session=session)}


@router.post(
    "/categories",
    status_code=202,
    response_model=Accepted,
    summary="Add a category",
    responses=error_responses(401, 403, 409, 422, 503),
)
async def create_category(
    body: CategoryIn, admin: AdminDep, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Accepted:
    command_id = await office.create_category(
        session=session,
        redis=redis,
        settings=settings,
        admin=admin,
        slug=body.slug,
        name_id=body.name_id,
        name_en=body.name_en,
        default_priority=body.default_priority,
        position=body.position,
    )
    return Accepted(command_id=command_id)


@router.patch(
    "/categories/{slug}",
    status_code=202,
    response_model=Accepted,
    summary="Change a category: names, default priority, order, active/retired, never public",
    responses=error_responses(401, 403, 404, 422, 503),
)
async def change_category(
    slug: Slug,
    body: CategoryChange,
    admin: AdminDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Accepted:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ValidationFailed([("request", "account.nothing_to_change", {})])
    command_id = await office.change_category(
        session=session, redis=redis, settings=settings, admin=admin, slug=slug, changes=changes
    )
    return Accepted(command_id=command_id)


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    actor_id: int | None
    action: str
    target_type: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_before_id: int | None = Field(description="Pass as before_id for the next (older) page")


Filter = Annotated[str | None, Query(max_length=120), NoNul]


@router.get(
    "/audit",
    response_model=AuditPage,
    summary="The audit log of admin changes, newest first, filterable",
    responses=error_responses(401, 403, 422),
)
async def audit(
    request: Request,
    admin: AdminDep,
    session: SessionDep,
    action: Annotated[
        str | None, Query(max_length=40, description='Exact ("user.invite") or a prefix ("user.")'), NoNul
    ] = None,
    target_type: Annotated[Literal["user", "category", "places"] | None, Query()] = None,
    target: Filter = None,
    actor: Filter = None,
    since: Annotated[str | None, Query(max_length=40, description="RFC 3339")] = None,
    until: Annotated[str | None, Query(max_length=40, description="RFC 3339")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    filters = AuditFilters(
        action=action or None,
        target_type=target_type,
        target=target or None,
        actor=actor or None,
        since=office.parse_time(since, "since"),
        until=office.parse_time(until, "until"),
    )
    items, next_before = await office.list_audit(
        session=session, filters=filters, limit=limit, before_id=before_id
    )
    return {"items": items, "next_before_id": next_before}

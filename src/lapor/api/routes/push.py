"""Web Push subscriptions: the reporter's for one report, a staff member's for their work.

Like every change, a subscription is a command for the worker; the API only checks it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lapor.api.shapes import CommandAccepted
from lapor.config import Settings
from lapor.domain.commands import PushKeys, SubscribePush, SubscribeStaffPush, Unsubscribe
from lapor.domain.supporters import SupporterId
from lapor.errors import Forbidden, ValidationFailed
from lapor.http.deps import LanguageDep, RedisDep, SessionDep, SettingsDep, StaffDep
from lapor.http.errors import error_responses
from lapor.push.safety import MAX_ENDPOINT_LENGTH, UnsafeEndpoint, check_endpoint
from lapor.services import intake, lookup, support
from lapor.services.reports import send

router = APIRouter(prefix="/api", tags=["push"])


class KeysIn(BaseModel):
    p256dh: Annotated[str, Field(min_length=80, max_length=100, description="base64url P-256 point")]
    auth: Annotated[str, Field(min_length=16, max_length=30, description="base64url, 16 bytes")]

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        raw = _b64url(value)
        if raw is None or len(raw) != 65 or raw[0] != 4:
            raise ValueError("not an uncompressed P-256 point")
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        raw = _b64url(value)
        if raw is None or len(raw) != 16:
            raise ValueError("not 16 bytes")
        return value


class SubscriptionIn(BaseModel):
    """A browser's ``PushSubscription.toJSON()``; ``expirationTime`` and the like are ignored."""

    endpoint: Annotated[str, Field(min_length=1, max_length=MAX_ENDPOINT_LENGTH)]
    keys: KeysIn


class ReporterSubscriptionIn(BaseModel):
    """The reporter's (``tracking_token``) or a supporter's (``supporter``): exactly one of them."""

    model_config = ConfigDict(extra="forbid")

    tracking_token: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    supporter: (
        Annotated[
            SupporterId,
            Field(
                min_length=1,
                max_length=128,
                description='A supporter id that said "me too" on this report: public changes only',
            ),
        ]
        | None
    ) = None
    subscription: SubscriptionIn


class StaffSubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription: SubscriptionIn
    emergencies: bool = Field(default=True, description="Every new emergency report")
    assigned: bool = Field(default=True, description="Changes to the reports assigned to me")


class UnsubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: Annotated[str, Field(min_length=1, max_length=MAX_ENDPOINT_LENGTH)]


class VapidKey(BaseModel):
    public_key: str = Field(description="The applicationServerKey for PushManager.subscribe (base64url)")


@router.get("/push/vapid-public-key", response_model=VapidKey, summary="The server's VAPID public key")
async def vapid_public_key(request: Request) -> dict[str, str]:
    return {"public_key": request.app.state.vapid_public_key}


@router.post(
    "/reports/{report_id}/push-subscriptions",
    status_code=202,
    response_model=CommandAccepted,
    summary="The reporter (tracking token) or a supporter asks for a push on the report's changes",
    responses=error_responses(403, 404, 422, 503),
)
async def subscribe_reporter(
    report_id: str,
    body: ReporterSubscriptionIn,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> dict[str, str]:
    if (body.tracking_token is None) == (body.supporter is None):
        raise ValidationFailed([("tracking_token", "support.one_credential", {})])
    endpoint = _safe_endpoint(body.subscription.endpoint, settings)
    if body.supporter is not None:
        return await support.subscribe_supporter(
            session=session,
            redis=redis,
            settings=settings,
            report_id=report_id,
            supporter=body.supporter,
            endpoint=endpoint,
            keys_=_keys(body.subscription),
            language=language,
        )
    assert body.tracking_token is not None  # exactly one of the two, checked above
    report_id, report = await lookup.find_report(session, redis, report_id)
    token_hash = intake.hash_tracking_token(body.tracking_token)
    # Still queued, or the database is out (report None): the worker checks the token then.
    if report is not None and not hmac.compare_digest(report.tracking_token_hash, token_hash):
        raise Forbidden("error.tracking_token")
    command = SubscribePush(
        report_id=report_id,
        tracking_token_hash=token_hash,
        endpoint=endpoint,
        keys=_keys(body.subscription),
        language=language,
    )
    return await send(redis, command, settings)


@router.post(
    "/staff/push-subscriptions",
    status_code=202,
    response_model=CommandAccepted,
    summary="A staff member asks for pushes about new emergencies and their assigned reports",
    responses=error_responses(401, 403, 422, 503),
)
async def subscribe_staff(
    body: StaffSubscriptionIn, user: StaffDep, redis: RedisDep, settings: SettingsDep, language: LanguageDep
) -> dict[str, str]:
    endpoint = _safe_endpoint(body.subscription.endpoint, settings)
    if not (body.emergencies or body.assigned):
        raise ValidationFailed([("emergencies", "push.nothing_chosen", {})])
    command = SubscribeStaffPush(
        user_id=user.id,
        endpoint=endpoint,
        keys=_keys(body.subscription),
        language=language,
        emergencies=body.emergencies,
        assigned=body.assigned,
    )
    return await send(redis, command, settings)


@router.post(
    "/push/unsubscribe",
    status_code=202,
    response_model=CommandAccepted,
    summary="Stop every push to this browser (the endpoint is its secret)",
    responses=error_responses(422, 503),
)
async def unsubscribe(body: UnsubscribeIn, redis: RedisDep, settings: SettingsDep) -> dict[str, str]:
    return await send(redis, Unsubscribe(endpoint=body.endpoint), settings)


def _safe_endpoint(url: str, settings: Settings) -> str:
    try:
        return check_endpoint(url, allow_insecure=settings.push_allow_insecure)
    except UnsafeEndpoint as exc:
        raise ValidationFailed([("subscription.endpoint", exc.code, {})]) from exc


def _keys(subscription: SubscriptionIn) -> PushKeys:
    return PushKeys(p256dh=subscription.keys.p256dh, auth=subscription.keys.auth)


def _b64url(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None

"""Staff sign-in, roles and the doors that need a token."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.i18n import translate
from tests.factories import PASSWORD, StaffUser, submit


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str, **kwargs: object
) -> httpx.Response:
    return await client.post(
        "/api/auth/token",
        json={"username": username, "password": password},
        **kwargs,  # type: ignore[arg-type]
    )


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, str] = body["error"]
    return error


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    wrong = await sign_in(client, "tek", "not the password at all")
    assert wrong.status_code == 401
    assert "access_token" not in wrong.text
    wrong_error = error_of(wrong)
    assert wrong_error["code"] == "unauthorized"
    assert wrong_error["message"]

    unknown = await sign_in(client, "nobody-here", "not the password at all")
    assert unknown.status_code == 401
    assert error_of(unknown) == wrong_error

    right = await sign_in(client, "tek", PASSWORD)
    assert right.status_code == 200
    token = right.json()
    assert token["token_type"] == "bearer" and token["access_token"] and token["expires_in"] > 0


async def test_me_returns_the_role(
    client: httpx.AsyncClient, admin: StaffUser, technician: StaffUser
) -> None:
    for user in (admin, technician):
        response = await client.get("/api/auth/me", headers=user.headers)
        assert response.status_code == 200
        me = response.json()
        assert me["username"] == user.username
        assert me["role"] == user.role
        assert me["display_name"] == user.username.title()

    assert (await client.get("/api/auth/me")).status_code == 401


async def test_dead_letters_are_for_admins_only(
    client: httpx.AsyncClient, admin: StaffUser, technician: StaffUser
) -> None:
    anonymous = await client.get("/api/admin/dead-letters")
    assert anonymous.status_code == 401

    forbidden = await client.get("/api/admin/dead-letters", headers=technician.headers)
    assert forbidden.status_code == 403
    assert error_of(forbidden)["code"] == "forbidden"
    assert (await client.get("/api/admin/status", headers=technician.headers)).status_code == 403

    allowed = await client.get("/api/admin/dead-letters", headers=admin.headers)
    assert allowed.status_code == 200
    assert allowed.json() == {"items": []}


async def test_anonymous_changes_never_reach_the_stream(client: httpx.AsyncClient, redis: Redis) -> None:
    report_id = (await submit(client)).json()["id"]
    assert await redis.xlen(keys.COMMANDS) == 1

    patch = await client.patch(f"/api/reports/{report_id}", json={"status": "in_progress"})
    assert patch.status_code == 401
    assert error_of(patch)["code"] == "unauthorized"

    comment = await client.post(f"/api/reports/{report_id}/comments", json={"body": "Sudah dicek"})
    assert comment.status_code == 401
    assert error_of(comment)["code"] == "unauthorized"

    garbage = {"Authorization": "Bearer not.a.real.token"}
    assert (
        await client.patch(f"/api/reports/{report_id}", json={"status": "in_progress"}, headers=garbage)
    ).status_code == 401
    assert (
        await client.post(f"/api/reports/{report_id}/comments", json={"body": "x"}, headers=garbage)
    ).status_code == 401

    assert await redis.xlen(keys.COMMANDS) == 1


async def test_garbage_or_forged_token_is_refused(client: httpx.AsyncClient, technician: StaffUser) -> None:
    for token in ("garbage", "eyJhbGciOiJub25lIn0.e30.", technician.token + "x", technician.token[:-4]):
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert error_of(response)["code"] == "unauthorized"


async def test_too_many_wrong_passwords_lock_the_name(
    client: httpx.AsyncClient, technician: StaffUser, admin: StaffUser
) -> None:
    for _ in range(10):
        assert (await sign_in(client, "tek", "wrong password!!")).status_code == 401

    locked = await sign_in(client, "tek", PASSWORD)
    assert locked.status_code == 429
    assert error_of(locked)["code"] == "too_many_requests"
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert "access_token" not in locked.text

    # The username is locked, not everyone: another account still signs in.
    assert (await sign_in(client, "admin", PASSWORD)).status_code == 200
    # Usernames are matched without regard to case.
    assert (await sign_in(client, "TEK", PASSWORD)).status_code == 429


async def test_messages_are_indonesian_by_default_and_english_on_request(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    default = error_of(await sign_in(client, "tek", "wrong password!!"))["message"]
    english = error_of(await sign_in(client, "tek", "wrong password!!", headers={"Accept-Language": "en"}))[
        "message"
    ]
    indonesian = error_of(
        await sign_in(client, "tek", "wrong password!!", headers={"Accept-Language": "id-ID,id;q=0.9"})
    )["message"]

    assert default == indonesian == translate("auth.invalid_credentials", "id")
    assert english == translate("auth.invalid_credentials", "en")
    assert default != english
    assert "kata sandi" in default.lower()
    assert "password" in english.lower()

    required = await client.get("/api/auth/me", headers={"Accept-Language": "en"})
    assert error_of(required)["message"] == translate("auth.required", "en")
    assert error_of(await client.get("/api/auth/me"))["message"] == translate("auth.required", "id")

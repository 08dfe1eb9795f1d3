"""Staff sign-in, roles and the doors that need a token."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable

import httpx
from granian.utils.proxies import wrap_asgi_with_proxy_headers
from redis.asyncio import Redis

from lapor.app import create_app
from lapor.broker import keys
from lapor.config import Settings
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


async def test_wrong_passwords_slow_the_name_at_that_address_down_without_locking_it(
    client: httpx.AsyncClient, technician: StaffUser, admin: StaffUser, redis: Redis
) -> None:
    for _ in range(5):  # LAPOR_LOGIN_FREE_ATTEMPTS
        assert (await sign_in(client, "tek", "wrong password!!")).status_code == 401

    throttled = await sign_in(client, "tek", PASSWORD)  # the right one: not even checked
    assert throttled.status_code == 429
    assert error_of(throttled)["code"] == "too_many_requests"
    assert int(throttled.headers["Retry-After"]) == 1  # the first delay: 1 s, then 2, 4, … 60
    assert "access_token" not in throttled.text
    assert (await sign_in(client, "TEK", PASSWORD)).status_code == 429  # names match without case

    # The name at this address slows down, not everyone: another account still signs in.
    assert (await sign_in(client, "admin", PASSWORD)).status_code == 200
    # A delay, not a lock: the state is one small hash per scope that forgets itself.
    for key in await redis.keys(keys.login_attempts("*")):
        assert 0 < await redis.pttl(key) <= 15 * 60 * 1000


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


@contextlib.asynccontextmanager
async def clients_at(settings: Settings, *addresses: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """HTTP clients of one running app, each connecting from its own address (as granian gives
    the app the address of the connection, or X-Forwarded-For from a trusted proxy)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app), contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                    base_url="http://lapor.test",
                )
            )
            for address in addresses
        ]
        yield clients


async def test_guessing_from_one_address_never_delays_the_owner_at_another(
    settings: Settings, technician: StaffUser
) -> None:
    async with clients_at(settings, "203.0.113.66", "198.51.100.7") as (attacker, owner):
        statuses = [(await sign_in(attacker, "tek", f"guess {n}")).status_code for n in range(30)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
        right_but_throttled = await sign_in(attacker, "tek", PASSWORD)
        assert right_but_throttled.status_code == 429  # the password is not checked
        assert int(right_but_throttled.headers["Retry-After"]) <= 60  # LAPOR_LOGIN_MAX_DELAY_SECONDS

        assert (await sign_in(owner, "tek", PASSWORD)).status_code == 200


async def test_at_the_same_address_the_owner_waits_at_most_the_cap(
    make_settings: Callable[..., Settings], settings: Settings, technician: StaffUser
) -> None:
    capped = make_settings(settings.resolved_database_url, login_max_delay_seconds=1)
    async with clients_at(capped, "203.0.113.80") as (campus_nat,):
        for n in range(12):  # an attacker behind the same NAT, as fast as they are let through
            answer = await sign_in(campus_nat, "tek", f"guess {n}")
            if answer.status_code == 429:
                assert int(answer.headers["Retry-After"]) <= 1
                await asyncio.sleep(float(answer.headers["Retry-After"]))  # waits as told
        owner = await sign_in(campus_nat, "tek", PASSWORD)
        if owner.status_code == 429:  # the attacker's last guess was just now
            assert int(owner.headers["Retry-After"]) <= 1
            await asyncio.sleep(float(owner.headers["Retry-After"]))
            owner = await sign_in(campus_nat, "tek", PASSWORD)
        assert owner.status_code == 200


async def test_many_names_from_one_address_slow_that_address_down(
    settings: Settings, technician: StaffUser
) -> None:
    async with clients_at(settings, "203.0.113.9", "198.51.100.7") as (sprayer, elsewhere):
        for n in range(20):  # LAPOR_LOGIN_FREE_ATTEMPTS_PER_ADDRESS, each name once
            assert (await sign_in(sprayer, f"name{n}", "Password1!")).status_code == 401
        assert (await sign_in(sprayer, "tek", PASSWORD)).status_code == 429
        assert (await sign_in(elsewhere, "tek", PASSWORD)).status_code == 200


async def test_concurrent_wrong_passwords_are_counted_before_any_is_checked(
    settings: Settings, technician: StaffUser
) -> None:
    async with clients_at(settings, "203.0.113.21") as (attacker,):
        answers = await asyncio.gather(*(sign_in(attacker, "tek", f"guess {n}") for n in range(120)))
    statuses = Counter(answer.status_code for answer in answers)
    # Exactly the free attempts were checked; every other was refused unchecked, none failed.
    assert statuses == {401: 5, 429: 115}, statuses


async def test_password_checks_run_off_the_event_loop(settings: Settings, technician: StaffUser) -> None:
    loop = asyncio.get_running_loop()
    gaps: list[float] = []
    checking = asyncio.Event()
    done = asyncio.Event()

    async def watch_the_loop() -> None:
        """How long the loop was away between two turns while the passwords were checked."""
        await checking.wait()
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.005)
            gaps.append(loop.time() - last)
            last = loop.time()

    async with clients_at(settings, *(f"203.0.113.{n}" for n in range(30, 36))) as clients:
        watcher = asyncio.create_task(watch_the_loop())
        checking.set()
        answers = await asyncio.gather(*(sign_in(c, "tek", "wrong password!!") for c in clients))
        healthy = await clients[0].get("/healthz")
        done.set()
        await watcher
    assert [a.status_code for a in answers] == [401] * 6 and healthy.status_code == 200
    # Six argon2 checks of ~250 ms each: on the loop, it would have stopped for 250 ms at least.
    assert len(gaps) >= 10
    assert max(gaps) < 0.15, sorted(gaps)[-5:]


async def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_throttled(
    settings: Settings, technician: StaffUser
) -> None:
    # As `lapor api` serves the app: X-Forwarded-For is believed from LAPOR_FORWARDED_ALLOW_IPS only.
    app = create_app(settings)
    served = wrap_asgi_with_proxy_headers(app, settings.forwarded_allow_ips)
    transport = httpx.ASGITransport(app=served, client=("127.0.0.1", 40000))  # the proxy
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as proxy,
    ):
        attacker = {"X-Forwarded-For": "203.0.113.66"}
        statuses = [
            (await sign_in(proxy, "tek", f"guess {n}", headers=attacker)).status_code for n in range(6)
        ]
        assert statuses == [401] * 5 + [429]
        owner = await sign_in(proxy, "tek", PASSWORD, headers={"X-Forwarded-For": "198.51.100.7"})
        assert owner.status_code == 200

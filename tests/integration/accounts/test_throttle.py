"""Brute-force protection: per-account and per-IP backoff, same for unknown accounts."""

from __future__ import annotations

from .conftest import PASSWORD, post, signed_in


def _try(client, email, password, ip="10.0.0.1"):
    return post(client, "/sign-in", {"email": email, "password": password},
                environ_base={"REMOTE_ADDR": ip})


def test_sixth_attempt_is_refused_even_with_the_right_password(client, make_user):
    user = make_user(email="ann@example.com")
    for _ in range(5):
        assert _try(client, user.email, "wrong wrong").status_code == 422
    response = _try(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 1 minute(s)." in response.get_data(as_text=True)
    assert not signed_in(client)
    # The same account from another address is blocked too: the lock is on the account.
    assert _try(client, user.email, PASSWORD, ip="10.9.9.9").status_code == 429


def test_unknown_accounts_are_throttled_the_same_way(client, make_user):
    make_user(email="ann@example.com")
    known = [_try(client, "ann@example.com", "wrong wrong").status_code for _ in range(6)]
    unknown = [_try(client, "zed@example.com", "wrong wrong").status_code for _ in range(6)]
    assert known == unknown == [422] * 5 + [429]


def test_per_ip_limit_across_many_accounts(client, make_user):
    user = make_user(email="ann@example.com")
    for n in range(20):
        assert _try(client, f"guess{n}@example.com", "wrong wrong").status_code == 422
    blocked = _try(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert _try(client, user.email, PASSWORD, ip="10.0.0.2").status_code == 303


def test_success_clears_the_account_counter(client, make_user):
    user = make_user(email="ann@example.com")
    for _ in range(4):
        _try(client, user.email, "wrong wrong")
    assert _try(client, user.email, PASSWORD).status_code == 303
    post(client, "/sign-out", {}, token_from="/")
    for _ in range(5):
        assert _try(client, user.email, "wrong wrong").status_code == 422

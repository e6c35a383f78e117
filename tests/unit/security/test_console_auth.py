import hashlib
import hmac

import pytest

from bot.security import console_auth as auth

SECRET = b"s" * 32


def test_hashed_password_round_trip() -> None:
    hashed = auth.hash_password("正确的密码", iterations=1000)
    user = auth.AgentUser("xiaowang", "小王", hashed)
    assert auth.verify_password(user, "正确的密码")
    assert not auth.verify_password(user, "错误的密码")
    assert not auth.verify_password(user, "")


def test_plain_passwords_only_in_development() -> None:
    users = auth.parse_agent_users("xiaowang:小王:pw1, li:小李:pw2", dev_mode=True)
    assert set(users) == {"xiaowang", "li"} and users["li"].display_name == "小李"
    assert auth.verify_password(users["xiaowang"], "pw1") and not auth.verify_password(users["xiaowang"], "pw2")
    with pytest.raises(auth.ConsoleConfigError):
        auth.parse_agent_users("xiaowang:小王:pw1", dev_mode=False)
    hashed = auth.hash_password("pw", iterations=1000)
    assert auth.parse_agent_users(f"xiaowang:小王:{hashed}", dev_mode=False)["xiaowang"].secret == hashed


@pytest.mark.parametrize("spec", ["xiaowang", "xiaowang:小王", ":小王:pw", "xiao.wang:小王:pw", "小王:小王:pw"])
def test_malformed_agent_lists_are_refused(spec: str) -> None:
    with pytest.raises(auth.ConsoleConfigError):
        auth.parse_agent_users(spec, dev_mode=True)


def test_corrupt_hash_never_verifies() -> None:
    assert not auth.verify_password(auth.AgentUser("a", "A", "pbkdf2_sha256$x$zz$00"), "pw")


def test_sessions_are_signed_and_expire() -> None:
    value = auth.make_session(SECRET, "xiaowang", now=1000.0)
    session = auth.read_session(SECRET, value, now=1001.0)
    assert session is not None and session.login == "xiaowang"
    assert session.expires == 1000 + auth.SESSION_SECONDS and len(session.session_id) == 32
    assert auth.read_session(SECRET, value, now=1000.0 + auth.SESSION_SECONDS + 1) is None
    assert auth.read_session(b"t" * 32, value, now=1001.0) is None  # other key
    forged = value.replace("xiaowang", "admin")
    assert auth.read_session(SECRET, forged, now=1001.0) is None
    for junk in (None, "", "abc", "a.b", "a.b.c", "a.b.c.d", "a.b.c.d.e", value + "签"):
        assert auth.read_session(SECRET, junk, now=1001.0) is None


def test_every_login_gets_its_own_session_id() -> None:
    a, b = (auth.read_session(SECRET, auth.make_session(SECRET, "xiaowang", now=1.0), now=2.0) for _ in range(2))
    assert a and b and a.session_id != b.session_id


def test_a_logged_out_session_stays_revoked_until_it_would_have_expired() -> None:
    now = [1000.0]
    revoked = auth.RevokedSessions(clock=lambda: now[0])
    first = auth.read_session(SECRET, auth.make_session(SECRET, "xiaowang", now=now[0]), now=now[0])
    second = auth.read_session(SECRET, auth.make_session(SECRET, "xiaowang", now=now[0]), now=now[0])
    assert first and second
    revoked.revoke(first)
    assert revoked.is_revoked(first) and not revoked.is_revoked(second)  # the agent's other browser stays in
    now[0] += auth.SESSION_SECONDS + 1
    revoked.revoke(second)  # pruned on the way: the expired first session need not be remembered
    assert not revoked.is_revoked(first) and revoked.is_revoked(second)


def test_the_csrf_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    value = auth.make_session(SECRET, "xiaowang", now=1.0)
    token = auth.csrf_token(SECRET, value)
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert auth.csrf_matches(SECRET, value, token)
    assert compared == [(token.encode(), token.encode())]
    # The session carries a random nonce, so the token's last digit varies: change it to another one.
    other_last = "0" if token[-1] != "0" else "1"
    assert not auth.csrf_matches(SECRET, value, token[:-1] + other_last)
    assert not auth.csrf_matches(SECRET, value, None)
    assert not auth.csrf_matches(SECRET, value, "令牌")
    assert not auth.csrf_matches(SECRET, "", auth.csrf_token(SECRET, ""))  # no session, no token


def _count_derivations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rounds: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, salt: bytes, iterations: int) -> bytes:
        rounds.append(iterations)
        return real(name, password, salt, iterations)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    return rounds


def test_unknown_and_known_logins_cost_the_same_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    users = {
        "xiaowang": auth.AgentUser("xiaowang", "小王", auth.hash_password("pw-wang", iterations=1200)),
        "li": auth.AgentUser("li", "小李", auth.hash_password("pw-li", iterations=900)),
    }
    directory = auth.AgentDirectory(users)
    rounds = _count_derivations(monkeypatch)
    assert directory.authenticate("xiaowang", "pw-wang") == users["xiaowang"]
    assert rounds == [1200]
    rounds.clear()
    assert directory.authenticate("nobody", "pw-wang") is None
    assert rounds == [1200]  # a dummy as slow as the slowest real hash
    rounds.clear()
    assert directory.authenticate("xiaowang", "wrong") is None
    assert directory.authenticate("li", "pw-wang") is None
    assert rounds == [1200, 900]


def test_development_plain_passwords_also_cost_a_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    directory = auth.AgentDirectory(auth.parse_agent_users("xiaowang:小王:dev-password", dev_mode=True))
    rounds = _count_derivations(monkeypatch)
    assert directory.authenticate("xiaowang", "dev-password") is not None
    assert directory.authenticate("nobody", "dev-password") is None
    assert rounds == [auth.HASH_ITERATIONS, auth.HASH_ITERATIONS]


def test_csrf_token_is_bound_to_the_session() -> None:
    a, b = auth.make_session(SECRET, "a", now=1.0), auth.make_session(SECRET, "b", now=1.0)
    assert auth.csrf_token(SECRET, a) == auth.csrf_token(SECRET, a) != auth.csrf_token(SECRET, b)


def test_console_secret_rules() -> None:
    assert auth.console_secret("x" * 40, dev_mode=False) == b"x" * 40
    assert len(auth.console_secret("", dev_mode=True)) == 32
    with pytest.raises(auth.ConsoleConfigError):
        auth.console_secret("", dev_mode=False)
    with pytest.raises(auth.ConsoleConfigError):
        auth.console_secret("short", dev_mode=False)

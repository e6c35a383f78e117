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
    assert auth.read_session(SECRET, value, now=1001.0) == "xiaowang"
    assert auth.read_session(SECRET, value, now=1000.0 + auth.SESSION_SECONDS + 1) is None
    assert auth.read_session(b"t" * 32, value, now=1001.0) is None  # other key
    forged = value.replace("xiaowang", "admin")
    assert auth.read_session(SECRET, forged, now=1001.0) is None
    for junk in (None, "", "abc", "a.b", "a.b.c.d"):
        assert auth.read_session(SECRET, junk, now=1001.0) is None


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

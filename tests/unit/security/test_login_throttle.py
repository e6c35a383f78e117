import pytest

from bot.security.login_throttle import FailureCounter, LoginThrottle, ThrottlePolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


PER_LOGIN = ThrottlePolicy(max_failures=3, window_seconds=60, lockout_seconds=300)
PER_ADDRESS = ThrottlePolicy(max_failures=5, window_seconds=60, lockout_seconds=600)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(per_login=PER_LOGIN, per_address=PER_ADDRESS, clock=clock)


def test_a_login_is_locked_out_after_its_failures_and_free_again_afterwards(
    throttle: LoginThrottle, clock: Clock
) -> None:
    for _ in range(2):
        throttle.failed("xiaowang", "10.0.0.1")
        assert throttle.retry_after("xiaowang", "10.0.0.1") == 0
    throttle.failed("xiaowang", "10.0.0.2")  # the third, from another address: the login is locked everywhere
    assert throttle.retry_after("xiaowang", "10.0.0.9") == 300
    assert throttle.retry_after("xiaoli", "10.0.0.9") == 0  # other logins are not
    clock.now += 299.5
    assert throttle.retry_after("xiaowang", "10.0.0.9") == 1  # rounded up: Retry-After never says 0 too early
    clock.now += 0.5
    assert throttle.retry_after("xiaowang", "10.0.0.9") == 0
    throttle.failed("xiaowang", "10.0.0.3")  # a fresh start after the lock-out, not an instant re-lock
    assert throttle.retry_after("xiaowang", "10.0.0.3") == 0


def test_failures_outside_the_window_are_forgotten(throttle: LoginThrottle, clock: Clock) -> None:
    throttle.failed("xiaowang", "a")
    throttle.failed("xiaowang", "b")
    clock.now += 61
    throttle.failed("xiaowang", "c")
    assert throttle.retry_after("xiaowang", "c") == 0


def test_an_address_guessing_many_logins_is_locked_out(throttle: LoginThrottle) -> None:
    for login in ("a", "b", "c", "d", "e"):
        throttle.failed(login, "203.0.113.9")
    assert throttle.retry_after("someone-else", "203.0.113.9") == 600
    assert throttle.retry_after("someone-else", "198.51.100.1") == 0


def test_a_success_clears_the_login_but_not_the_address(throttle: LoginThrottle) -> None:
    for _ in range(2):
        throttle.failed("xiaowang", "203.0.113.9")
    throttle.succeeded("xiaowang", "203.0.113.9")
    throttle.failed("xiaowang", "203.0.113.9")
    assert throttle.retry_after("xiaowang", "198.51.100.1") == 0  # the login starts again from one
    for login in ("x", "y"):
        throttle.failed(login, "203.0.113.9")
    assert throttle.retry_after("xiaowang", "203.0.113.9") == 600  # the address's five failures still count


def test_unknown_logins_are_counted_like_known_ones(throttle: LoginThrottle) -> None:
    for _ in range(3):
        throttle.failed("nobody", "10.0.0.1")
    assert throttle.retry_after("nobody", "10.0.0.2") == 300


def test_memory_is_bounded(clock: Clock) -> None:
    counter = FailureCounter(PER_LOGIN, clock, max_keys=100)
    for i in range(1000):
        counter.fail(f"random-{i}")
    assert len(counter) == 100
    assert counter.retry_after("random-0") == 0  # the oldest went first


@pytest.mark.parametrize("policy", [(0, 60, 60), (3, 0, 60), (3, 60, 0), (-1, 60, 60)])
def test_a_policy_that_never_limits_is_refused(policy: tuple[int, float, float]) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(*policy)

"""Console login throttling: failed attempts counted per login and per client address, with lock-outs.

Each key (a login as typed, or a client address) may fail `max_failures` times
within `window_seconds`; the failure that reaches the limit locks the key out
for `lockout_seconds`, during which attempts are refused before any password
is checked (so they cost no key derivation either). Unknown logins are counted
like known ones: a lock-out says nothing about which logins exist. A success
clears the login's failures but not the address's, so one valid account does
not reset the count of guesses at others.

State lives in memory, per server process; at most `max_keys` keys are kept
(the least recently failed go first), so random logins cannot fill the memory.
The clock is injected (monotonic seconds) for tests.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
MAX_KEYS = 10_000


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures within which window lock a key out, and for how long."""

    max_failures: int
    window_seconds: float
    lockout_seconds: float

    def __post_init__(self) -> None:
        """Refuse a policy that would never allow or never limit anything.

        Raises:
            ValueError: a count, window or lock-out that is not positive.
        """
        if self.max_failures < 1 or self.window_seconds <= 0 or self.lockout_seconds <= 0:
            raise ValueError("login throttling needs positive failure counts, windows and lock-outs")


@dataclass
class _KeyState:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class FailureCounter:
    """Failures per key within a sliding window; reaching the limit locks the key out."""

    def __init__(self, policy: ThrottlePolicy, clock: Clock, max_keys: int = MAX_KEYS) -> None:
        self.policy = policy
        self.clock = clock
        self.max_keys = max_keys
        self._keys: OrderedDict[str, _KeyState] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again (0.0: it may now)."""
        state = self._keys.get(key)
        if state is None:
            return 0.0
        return max(0.0, state.locked_until - self.clock())

    def fail(self, key: str) -> None:
        """Count one failure of `key`; the one that reaches the limit starts a lock-out."""
        now = self.clock()
        state = self._keys.pop(key, None) or _KeyState()
        self._keys[key] = state  # most recently failed last
        state.failures = [t for t in state.failures if now - t < self.policy.window_seconds] + [now]
        if len(state.failures) >= self.policy.max_failures:
            state.locked_until = now + self.policy.lockout_seconds
            state.failures = []
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget `key`'s failures (a successful login)."""
        self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)


class LoginThrottle:
    """Per-login and per-address failure counters of the console's login."""

    def __init__(self, *, per_login: ThrottlePolicy, per_address: ThrottlePolicy, clock: Clock = time.monotonic):
        self.logins = FailureCounter(per_login, clock)
        self.addresses = FailureCounter(per_address, clock)

    def retry_after(self, login: str, address: str) -> int:
        """Whole seconds until this login from this address may be tried again (0: now)."""
        wait = max(self.logins.retry_after(login), self.addresses.retry_after(address))
        return math.ceil(wait)

    def failed(self, login: str, address: str) -> None:
        """A wrong login or password from `address`."""
        self.logins.fail(login)
        self.addresses.fail(address)

    def succeeded(self, login: str, address: str) -> None:
        """A successful login: its failures are forgotten (the address's are not)."""
        self.logins.clear(login)

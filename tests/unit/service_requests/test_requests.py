import pytest

from bot.service_requests.lifecycle import InvalidTransition, ReviewState, advance


def test_single_level_review_path() -> None:
    s = advance(ReviewState("submitted", 0, 1), "start_review")
    assert s == ReviewState("under_review", 0, 1)
    assert advance(s, "approve") == ReviewState("approved", 1, 1)


def test_two_level_review_needs_two_approvals() -> None:
    s = advance(ReviewState("submitted", 0, 2), "start_review")
    s = advance(s, "approve")
    assert s == ReviewState("under_review", 1, 2)
    assert advance(s, "approve").status == "approved"


@pytest.mark.parametrize("status", ["submitted", "under_review"])
def test_open_requests_can_be_withdrawn(status: str) -> None:
    assert advance(ReviewState(status, 0, 1), "withdraw").status == "withdrawn"


def test_rejection() -> None:
    assert advance(ReviewState("under_review", 0, 1), "reject").status == "rejected"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("approved", "withdraw"),
        ("rejected", "approve"),
        ("withdrawn", "start_review"),
        ("submitted", "approve"),
        ("under_review", "start_review"),
        ("approved", "unknown"),
    ],
)
def test_invalid_transitions_raise(status: str, action: str) -> None:
    with pytest.raises(InvalidTransition):
        advance(ReviewState(status, 0, 1), action)

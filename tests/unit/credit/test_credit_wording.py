"""The customer-specific credit sentences (domain.yml) say no more than is known."""

from __future__ import annotations

from tests.rendering import domain


def response(name: str) -> str:
    return str(domain()["responses"][name][0]["text"])


def test_a_repaid_overdue_is_kept_only_if_it_was_reported() -> None:
    # an overdue may never have been reported: the date it is kept until holds only if it was
    text = response("utter_credit_personal_overdue_ended")
    assert "如已报送征信" in text and text.index("如已报送征信") < text.index("保留到")


def test_the_total_of_both_lines_is_the_credit_limit_not_the_available_amount() -> None:
    text = response("utter_credit_personal_total_limit")
    assert "授信额度" in text and "可用额度" not in text

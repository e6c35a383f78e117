"""The action server registers exactly the actions the domain lists (the e2e servers would not start otherwise)."""

from rasa_sdk.executor import ActionExecutor

from tests.rendering import domain


def test_every_domain_action_is_registered_and_nothing_else() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(domain()["actions"])

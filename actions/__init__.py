"""rasa_sdk custom actions: thin glue between the dialogue and `bot/`.

Each action reads slots, calls one function in `bot/` (database work off the
event loop), and turns the result into responses and events. Response names
used here must exist in domain.yml (tests/actions check that).
"""

"""Custom Rasa 3.6 graph components; the only place besides `actions/` that imports Rasa.

Each component is a thin adapter: the logic lives in `bot/` (plain Python,
tested without Rasa). Reference them in config.yml by module path, e.g.
`components.text_normaliser.TextNormaliser`, with the project root on
PYTHONPATH.
"""

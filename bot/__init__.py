"""Business logic of the credit self-service assistant.

Plain, typed Python that knows nothing of Rasa: account snapshots, eligibility
rules, formatting and database access. `actions/` calls into this package.
"""

"""The life cycle every customer request shares (submit, review, withdraw) and its status replies."""

"""Who the customer is (identity, signed tokens), one-time codes, agent console logins."""

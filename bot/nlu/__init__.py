"""Text rules that help the statistical NLU: normalisation, durations, amounts, catalog aliases."""

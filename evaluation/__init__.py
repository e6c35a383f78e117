"""NLU evaluation on real messages: metrics, the perturbed copy, the keyword baseline, the report (make evaluate)."""

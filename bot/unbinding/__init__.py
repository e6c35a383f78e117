"""Unbinding linked services (auto-repay, password-free payments, withholding)."""

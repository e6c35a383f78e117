"""Pausing a line for a while, resuming it, and reopening a closed one."""

"""Bandit policies, the exact probability of their next action, and vectorised experiments."""

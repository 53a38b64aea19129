"""Friendly display names for runs, like ``glowing_anvil_7k2q``."""

from __future__ import annotations

import secrets
import time

_ADJECTIVES = ["amber", "bold", "brave", "bright", "calm", "clever", "eager", "fierce", "gentle", "glowing", "golden", "happy", "honest", "keen", "lively", "lucky", "mellow", "nimble", "patient", "proud", "quick", "quiet", "rapid", "shiny", "silver", "steady", "sturdy", "swift", "tidy", "warm", "wise", "witty"]
_NOUNS = ["anvil", "bellows", "billet", "chisel", "crucible", "ember", "flame", "forge", "furnace", "hammer", "hearth", "ingot", "iron", "kiln", "ladle", "mallet", "nail", "rivet", "spark", "steel", "tongs", "quench", "rod", "blade", "chain", "coal", "file", "gear", "hinge", "horseshoe", "lathe"]
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def display_name() -> str:
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    return f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_NOUNS)}_{suffix}"


def run_id(experiment_name: str) -> str:
    """Run ids follow Azure ML v1: ``<experiment>_<unix time>_<random>``."""
    return f"{experiment_name}_{int(time.time())}_{secrets.token_hex(4)}"

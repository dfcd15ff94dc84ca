"""Placeholder: replaced by the module's owner (register sub-commands here)."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands (each sets ``run=function(args) -> int``)."""

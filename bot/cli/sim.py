"""`botcheck sim`: twitchsim on its own; twitchsim is imported only when this command runs."""

from __future__ import annotations

import argparse
import importlib


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add twitchsim's options to ``parser`` (imports twitchsim: call only for `sim`)."""
    importlib.import_module("twitchsim.cli").add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run twitchsim until Ctrl-C."""
    code: int = importlib.import_module("twitchsim.cli").run(args)
    return code

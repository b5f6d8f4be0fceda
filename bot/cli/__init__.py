"""The `botcheck` subcommands: run, auth, purge (`run`), analyze, demo; `sim` is twitchsim's.

Nothing is re-exported: `bot.__main__` imports each subcommand's module only when it runs.
"""

from __future__ import annotations

"""``python -m twitchsim``: the same as ``botcheck sim``."""

from __future__ import annotations

from twitchsim.cli import main

raise SystemExit(main())

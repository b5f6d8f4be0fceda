"""Chat defence: raids caught as they start, the guard, ban runs with undo, the newcomer notice.

Imports downhill only (helix, storage, reports; the report-link scheme of pages). The app makes
one `Defence`, registers `Defence.on_stored` with the history recorder and serves its raid
pages; the commands in `commands/defence.py` bind its chat and change its settings.
"""

from bot.defence.enforcer import RunResult
from bot.defence.moderation import BAN_SCOPE, GUARD_SCOPES, SHIELD_SCOPE, Outcome
from bot.defence.service import Defence

__all__ = ["BAN_SCOPE", "GUARD_SCOPES", "SHIELD_SCOPE", "Defence", "Outcome", "RunResult"]

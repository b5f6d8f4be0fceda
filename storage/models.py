"""Frozen records that cross the storage boundary.

Every timestamp is a timezone-aware UTC ``datetime``; the database keeps them as integer epoch
seconds (``ts``/``from_ts`` convert). Twitch user ids are integers here: they are numeric on
Twitch, and the analysis needs their order (ids grow with creation time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from storage.engine import Row


def ts(value: datetime | None) -> int | None:
    """Return epoch seconds for an aware datetime (None stays None)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    return int(value.timestamp())


def from_ts(value: int | float | None) -> datetime | None:
    """Return an aware UTC datetime for epoch seconds (None stays None)."""
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC)


def _req_ts(value: int | float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


# What every one of Twitch's default profile picture URLs contains.
DEFAULT_AVATAR_MARK = "user-default-pictures"


class BriefAccount(NamedTuple):
    """What a capture reads of a known account (`Accounts.get_brief`)."""

    user_id: int
    login: str
    display_name: str
    created_at: int | None  # epoch seconds
    gone_at: int | None
    avatar: int  # 0 none, 1 one of Twitch's defaults, 2 its own
    description: str


class LookedUp(NamedTuple):
    """An account as Get Users describes it, as storage writes it (`Accounts.write_looked_up`).

    A tuple, not an `Account`: a cold 100,000-chatter capture makes 100,000 of them while the
    page chain runs, and a frozen dataclass costs six times as much to build. Its fields are the
    first nine of `Account`, in the same order: ``Account(*row)`` is the account.
    """

    user_id: int
    login: str
    display_name: str
    created_at: datetime | None
    type: str
    broadcaster_type: str
    profile_image_url: str
    description: str
    looked_up_at: datetime | None


@dataclass(frozen=True, slots=True)
class Account:
    """A Twitch account as Get Users describes it, plus what we saw of it."""

    user_id: int
    login: str
    display_name: str = ""
    created_at: datetime | None = None
    type: str = ""
    broadcaster_type: str = ""
    profile_image_url: str = ""
    description: str = ""
    looked_up_at: datetime | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    gone_at: datetime | None = None  # Get Users stopped returning it (deleted or suspended)

    @property
    def default_avatar(self) -> bool:
        """True when the account still has one of Twitch's default profile pictures."""
        return not self.profile_image_url or DEFAULT_AVATAR_MARK in self.profile_image_url

    @classmethod
    def from_row(cls, row: Row) -> Account:
        return cls(
            user_id=row["user_id"],
            login=row["login"],
            display_name=row["display_name"],
            created_at=from_ts(row["created_at"]),
            type=row["type"],
            broadcaster_type=row["broadcaster_type"],
            profile_image_url=row["profile_image_url"],
            description=row["description"],
            looked_up_at=from_ts(row["looked_up_at"]),
            first_seen_at=from_ts(row["first_seen_at"]),
            last_seen_at=from_ts(row["last_seen_at"]),
            gone_at=from_ts(row["gone_at"]),
        )


@dataclass(frozen=True, slots=True)
class NameRecord:
    """One (login, display name) an account was seen with, and when."""

    user_id: int
    login: str
    display_name: str
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> NameRecord:
        return cls(
            user_id=row["user_id"],
            login=row["login"],
            display_name=row["display_name"],
            first_seen_at=_req_ts(row["first_seen_at"]),
            last_seen_at=_req_ts(row["last_seen_at"]),
        )


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel the bot moderates (or did)."""

    channel_id: int
    login: str
    display_name: str
    joined_at: datetime
    left_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.left_at is None

    @classmethod
    def from_row(cls, row: Row) -> Channel:
        return cls(
            channel_id=row["channel_id"],
            login=row["login"],
            display_name=row["display_name"],
            joined_at=_req_ts(row["joined_at"]),
            left_at=from_ts(row["left_at"]),
        )


class CaptureStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"  # some chatters are missing; status_reason says why
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the process stopped while it ran


@dataclass(frozen=True, slots=True)
class Capture:
    """One `!botcheck` run: who asked, what it found, where its report lives."""

    capture_id: int
    channel_id: int
    requested_by_id: int | None
    requested_by_login: str
    started_at: datetime
    finished_at: datetime | None
    status: CaptureStatus
    status_reason: str
    chatter_total: int | None  # what Get Chatters reported as `total`
    chatter_count: int  # chatters stored for this capture
    looked_up_count: int  # accounts fetched with Get Users during this capture
    viewer_count: int | None  # None when the stream was offline
    report_token: str
    pinned: bool
    verdict: str | None
    summary: str | None
    # `status_reason` as a phrase (JSON of reports.i18n.to_data); "" on rows written before.
    status_said: str = ""

    @classmethod
    def from_row(cls, row: Row) -> Capture:
        return cls(
            capture_id=row["capture_id"],
            channel_id=row["channel_id"],
            requested_by_id=row["requested_by_id"],
            requested_by_login=row["requested_by_login"],
            started_at=_req_ts(row["started_at"]),
            finished_at=from_ts(row["finished_at"]),
            status=CaptureStatus(row["status"]),
            status_reason=row["status_reason"],
            chatter_total=row["chatter_total"],
            chatter_count=row["chatter_count"],
            looked_up_count=row["looked_up_count"],
            viewer_count=row["viewer_count"],
            report_token=row["report_token"],
            pinned=bool(row["pinned"]),
            verdict=row["verdict"],
            summary=row["summary"],
            status_said=row["status_said"],
        )


@dataclass(frozen=True, slots=True)
class CaptureChatter:
    """A chatter as one capture saw them (login as it was then)."""

    capture_id: int
    user_id: int
    login: str

    @classmethod
    def from_row(cls, row: Row) -> CaptureChatter:
        return cls(capture_id=row["capture_id"], user_id=row["user_id"], login=row["login"])


@dataclass(frozen=True, slots=True)
class Presence:
    """How often captures in one channel saw one account."""

    captures_with_user: int
    captures_in_channel: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who ran what, where, when, and how it ended."""

    audit_id: int
    at: datetime
    channel_id: int | None
    user_id: int | None
    user_login: str
    command: str
    args: str
    outcome: str
    detail: str

    @classmethod
    def from_row(cls, row: Row) -> AuditEntry:
        return cls(
            audit_id=row["audit_id"],
            at=_req_ts(row["at"]),
            channel_id=row["channel_id"],
            user_id=row["user_id"],
            user_login=row["user_login"],
            command=row["command"],
            args=row["args"],
            outcome=row["outcome"],
            detail=row["detail"],
        )


@dataclass(frozen=True, slots=True)
class OAuthToken:
    """A user token kept for the bot account or the owner. Never log it."""

    user_id: int
    login: str
    access_token: str
    refresh_token: str
    scopes: tuple[str, ...]
    expires_at: datetime | None
    updated_at: datetime

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"OAuthToken(user_id={self.user_id}, login={self.login!r}, scopes={self.scopes!r})"

    @classmethod
    def from_row(cls, row: Row) -> OAuthToken:
        return cls(
            user_id=row["user_id"],
            login=row["login"],
            access_token=row["access_token"],
            refresh_token=row["refresh_token"],
            scopes=tuple(s for s in row["scopes"].split(" ") if s),
            expires_at=from_ts(row["expires_at"]),
            updated_at=_req_ts(row["updated_at"]),
        )


def ts_ms(value: datetime) -> int:
    """Return epoch milliseconds for an aware datetime (the channel-history tables use them)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    return round(value.timestamp() * 1000)


def from_ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def _req_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat message as EventSub delivered it (text None once retention removed it)."""

    message_id: str
    channel_id: int
    user_id: int
    login: str
    display_name: str
    text: str | None
    sent_at: datetime
    badges: tuple[str, ...] = ()  # "set_id/id", e.g. "subscriber/12"
    bits: int = 0
    emotes: tuple[str, ...] = ()  # emote names from the message fragments, in order
    reply_parent_id: str | None = None
    reply_parent_user_id: int | None = None
    text_length: int | None = None  # None: len(text)
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> ChatMessage:
        return cls(
            message_id=row["message_id"],
            channel_id=row["channel_id"],
            user_id=row["user_id"],
            login=row["login"],
            display_name=row["display_name"],
            text=row["text"],
            sent_at=_req_ms(row["sent_at"]),
            badges=tuple(b for b in row["badges"].split(",") if b),
            bits=row["bits"],
            emotes=tuple(e for e in row["emotes"].split(" ") if e),
            reply_parent_id=row["reply_parent_id"],
            reply_parent_user_id=row["reply_parent_user_id"],
            text_length=row["text_length"],
            deleted_at=from_ms(row["deleted_at"]),
        )


class ModAction(StrEnum):
    BAN = "ban"
    TIMEOUT = "timeout"
    UNBAN = "unban"
    UNTIMEOUT = "untimeout"
    DELETE = "delete"  # one message removed
    CLEAR = "clear"  # all of one user's messages removed
    OTHER = "other"  # any other channel.moderate action, kept by name in `reason`


@dataclass(frozen=True, slots=True)
class ModerationEvent:
    """A moderator's action in a channel."""

    dedupe_key: str  # EventSub message id (or another id unique to this event)
    channel_id: int
    action: ModAction
    at: datetime
    moderator_id: int | None = None
    moderator_login: str = ""
    target_id: int | None = None
    target_login: str = ""
    message_id: str | None = None
    reason: str = ""
    duration_s: int | None = None
    event_id: int | None = None  # set once stored

    @classmethod
    def from_row(cls, row: Row) -> ModerationEvent:
        return cls(
            event_id=row["event_id"],
            dedupe_key=row["dedupe_key"],
            channel_id=row["channel_id"],
            action=ModAction(row["action"]),
            at=_req_ms(row["at"]),
            moderator_id=row["moderator_id"],
            moderator_login=row["moderator_login"],
            target_id=row["target_id"],
            target_login=row["target_login"],
            message_id=row["message_id"],
            reason=row["reason"],
            duration_s=row["duration_s"],
        )


@dataclass(frozen=True, slots=True)
class StreamSession:
    """One broadcast, from stream.online to stream.offline."""

    session_id: int
    channel_id: int
    stream_id: str
    started_at: datetime
    ended_at: datetime | None
    title: str
    category: str
    peak_viewers: int | None
    avg_viewers: float | None
    report_token: str
    pinned: bool

    @property
    def live(self) -> bool:
        return self.ended_at is None

    @classmethod
    def from_row(cls, row: Row) -> StreamSession:
        return cls(
            session_id=row["session_id"],
            channel_id=row["channel_id"],
            stream_id=row["stream_id"],
            started_at=_req_ms(row["started_at"]),
            ended_at=from_ms(row["ended_at"]),
            title=row["title"],
            category=row["category"],
            peak_viewers=row["peak_viewers"],
            avg_viewers=row["avg_viewers"],
            report_token=row["report_token"],
            pinned=bool(row["pinned"]),
        )


@dataclass(frozen=True, slots=True)
class ViewerSample:
    session_id: int
    at: datetime
    viewers: int
    category: str = ""  # what Get Streams said the stream showed then ('' if unknown)

    @classmethod
    def from_row(cls, row: Row) -> ViewerSample:
        return cls(
            session_id=row["session_id"],
            at=_req_ms(row["at"]),
            viewers=row["viewers"],
            category=row["category"] or "",
        )

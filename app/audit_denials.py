"""Permission denials in the audit trail, at most one event per user, route and minute.

Every 403 used to append an audit event, so any signed-in user could flood the trail by asking
for a page they may not see in a loop. Now the first denial of a user at a route (the URL rule,
so /residents/1/ and /residents/2/ are one route) in a minute is recorded; later ones in that
minute are only counted, and the next event recorded for that user and route says how many were
not listed (`repeats_since_last_event`). Whether one was recorded in the last minute is read from
the trail itself (an indexed look-up, far cheaper than an append), so it holds across worker
processes; the count of those not listed is kept by each process.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

WINDOW_SECONDS = 60


class DenialTally:
    def __init__(self) -> None:
        self.clock = time.time
        self._lock = threading.Lock()
        self._pending: dict[tuple, int] = {}

    def recorded_lately(self, connection, actor_id, actor_name, route: str) -> bool:
        from sqlalchemy import select

        from app.audit import AuditEvent

        since = dt.datetime.fromtimestamp(self.clock() - WINDOW_SECONDS, dt.UTC)
        query = (
            select(AuditEvent.id)
            .where(AuditEvent.action == "permission_denied", AuditEvent.occurred_at > since,
                   AuditEvent.entity_id == route[:100])
            .limit(1)
        )
        query = query.where(AuditEvent.actor_id == actor_id) if actor_id is not None else query.where(
            AuditEvent.actor_id.is_(None), AuditEvent.actor_name == actor_name)
        return connection.execute(query).first() is not None

    def note(self, connection, actor_id, actor_name, route: str) -> int | None:
        """None when this denial is only counted; otherwise how many denials of this user at this
        route were counted (not listed) since the last recorded one."""
        key = (actor_id, actor_name, route)
        if self.recorded_lately(connection, actor_id, actor_name, route):
            with self._lock:
                if len(self._pending) > 50_000:  # bound what a flood of routes can hold
                    self._pending.clear()
                self._pending[key] = self._pending.get(key, 0) + 1
            return None
        with self._lock:
            return self._pending.pop(key, 0)


tally = DenialTally()


def route_of(path: str | None) -> str:
    from flask import has_request_context, request

    if has_request_context() and request.url_rule is not None:
        return request.url_rule.rule
    return path or ""

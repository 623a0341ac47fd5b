"""Helpers for the residents tests: times relative to now, and JSON calls as a user."""

from __future__ import annotations

import datetime as dt


def noon(day: dt.date, hour: int = 12, minute: int = 0) -> str:
    """An ISO UTC time on a day (noon UTC is the same date in London all year)."""
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC).isoformat()


class Api:
    def __init__(self, client, auth, username):
        self.client = client
        self.headers = auth.headers(username)

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, body):
        return self.client.post(url, json=body, headers=self.headers)

    def put(self, url, body):
        return self.client.put(url, json=body, headers=self.headers)

"""Fixtures for the residents tests."""

from __future__ import annotations

import pytest

from app.residents.services import today_in_london
from tests.integration.residents.helpers import Api


@pytest.fixture()
def today():
    return today_in_london()


@pytest.fixture()
def api(client, auth):
    return lambda username: Api(client, auth, username)

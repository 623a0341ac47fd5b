"""Drop-downs of related rows (list search filters, add and edit forms) list their rows by name
without decrypting what the drop-down does not show, and still give each row's id."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import crypto
from app.extensions import db
from app.residents.models import Resident


def _count_decryptions(monkeypatch) -> list:
    seen = []
    original = crypto.KeyRing.decrypt

    def decrypt(self, value):
        seen.append(value)
        return original(self, value)

    monkeypatch.setattr(crypto.KeyRing, "decrypt", decrypt)
    return seen


def test_the_task_lists_resident_filter_names_residents_without_decrypting_them(client, auth, world, monkeypatch):
    auth.login("manager")
    resident = db.session.scalars(select(Resident).where(Resident.home_id == world.home_a.id)
                                  .execution_options(skip_home_scope=True)).first()
    assert resident.nhs_number or resident.date_of_birth  # the test residents have encrypted fields
    resident_id, name = str(resident.id), resident.full_name
    client.get("/taskview/list/")
    seen = _count_decryptions(monkeypatch)
    page = client.get("/taskview/list/").get_data(as_text=True)
    # the search filters' widgets are in the page as JSON strings
    page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    options = dict(re.findall(r'<option value="(\d+)">([^<]+)</option>', page))
    assert seen == []
    assert options.get(resident_id) == name


def test_a_form_drop_down_still_saves_the_chosen_row(client, auth, world):
    auth.login("manager")
    page = client.get("/bedview/add").get_data(as_text=True)
    assert f'value="{world.room_a.id}"' in page

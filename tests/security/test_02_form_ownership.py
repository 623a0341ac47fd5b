"""Finding 2: a Home Manager of one home could change forms every home uses (archive a standard
assessment, publish a new version with other permissions). The group's library (standard and
group forms) is changed only by group administrators; a home's own forms by that home's
managers; a home adapts a group form by copying it, and the copy is invisible to other homes."""

from __future__ import annotations

from app.forms_store import get_store
from forms.store import PUBLISHED


def _copy_for_home_a(client, auth, key="alder_falls"):
    auth.login("manager")
    r = client.post("/formbuilder/copy", data={"source": "file:morse_fall", "key": key})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert client.post(f"/formbuilder/edit/{key}/1/publish").status_code == 302
    auth.logout()
    return get_store().get_definition(key, 1)


def test_home_manager_cannot_archive_a_standard_assessment(client, auth, world):
    get_store()  # the standard forms are published by the seed
    auth.login("manager")
    client.post("/formbuilder/archive/must/1")
    assert get_store().get_definition("must", 1).status == PUBLISHED


def test_home_manager_cannot_start_or_publish_a_new_version_of_a_group_form(client, auth, world):
    auth.login("manager")
    client.post("/formbuilder/new-version/must/1")
    assert get_store().get_definition("must", 2) is None
    # a draft of a group form made by an administrator cannot be published by the manager either
    auth.logout()
    auth.login("admin")
    assert client.post("/formbuilder/new-version/must/1").status_code == 302
    auth.logout()
    auth.login("manager")
    client.post("/formbuilder/edit/must/2/publish")
    assert get_store().get_definition("must", 2).status == "draft"
    assert client.get("/formbuilder/edit/must/2").status_code != 200


def test_group_administrator_changes_the_group_library(client, auth, world):
    auth.login("admin")
    assert client.post("/formbuilder/archive/must/1").status_code == 302
    assert get_store().get_definition("must", 1).status == "archived"


def test_a_home_adapts_a_group_form_by_copying_it(client, auth, world):
    record = _copy_for_home_a(client, auth)
    assert record.status == PUBLISHED and record.owner_home_id == world.home_a.id
    auth.login("manager")  # and the home's manager archives their own form
    assert client.post("/formbuilder/archive/alder_falls/1").status_code == 302
    assert get_store().get_definition("alder_falls", 1).status == "archived"


def test_a_homes_own_form_is_invisible_to_other_homes(client, auth, world):
    _copy_for_home_a(client, auth)
    auth.login("manager.b")
    assert "alder_falls" not in client.get("/formbuilder/").get_data(as_text=True)
    assert client.get("/formbuilder/edit/alder_falls/1").status_code != 200
    client.post("/formbuilder/archive/alder_falls/1")
    assert get_store().get_definition("alder_falls", 1).status == PUBLISHED
    # not offered for home B's residents, and not fillable there
    assert "alder_falls" not in client.get(f"/assessments/resident/{world.resident_b.id}/").get_data(as_text=True)
    assert client.get(f"/assessments/resident/{world.resident_b.id}/fill/alder_falls").status_code == 404
    r = client.post("/api/v1/assessment-schedules/", json={"form_key": "alder_falls", "every_days": 30},
                    headers=auth.headers("manager.b"))
    assert r.status_code == 422 and "form_key" in r.get_json()["message"]


def test_the_owning_home_fills_and_schedules_its_own_form(client, auth, world):
    _copy_for_home_a(client, auth)
    auth.login("nurse")
    assert "alder_falls" in client.get(f"/assessments/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert client.get(f"/assessments/resident/{world.resident_a.id}/fill/alder_falls").status_code == 200
    auth.logout()  # the API call below is by bearer token alone
    r = client.post("/api/v1/assessment-schedules/", json={"form_key": "alder_falls", "every_days": 30},
                    headers=auth.headers("manager"))
    assert r.status_code == 201, r.get_json()

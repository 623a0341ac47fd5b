"""One contract for every FormStore adapter (see conftest.py for which adapters run where)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from forms.store import ARCHIVED, DRAFT, PUBLISHED, StoreError, build_store

DEFINITIONS = Path(__file__).resolve().parents[2] / "form_definitions"
T0 = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def raw(key: str) -> dict:
    return json.loads((DEFINITIONS / f"{key}.json").read_text(encoding="utf-8"))


MORSE_LOW = {
    "history_of_falling": "no",
    "secondary_diagnosis": "no",
    "ambulatory_aid": "none_bedrest_nurse_assist",
    "iv_or_heparin_lock": "no",
    "gait": "normal_bedrest_wheelchair",
    "mental_status": "oriented_to_own_ability",
}
MORSE_HIGH = {**MORSE_LOW, "history_of_falling": "yes", "secondary_diagnosis": "yes", "gait": "weak"}


def publish(store, key: str = "morse_fall", definition: dict | None = None):
    store.save_draft(definition or raw(key), by="admin", now=T0)
    return store.publish(key, (definition or raw(key))["x-form"]["version"], by="admin", now=T0)


def test_draft_publish_freeze(store):
    draft = store.save_draft(raw("braden"), by="admin", now=T0)
    assert (draft.status, draft.sha256, draft.created_by) == (DRAFT, None, "admin")
    assert store.get_definition("braden") is None  # nothing published yet
    edited = raw("braden")
    edited["x-form"]["description"]["en-GB"] = "Edited while a draft"
    store.save_draft(edited, now=T0 + dt.timedelta(minutes=1))
    assert store.get_definition("braden", 1).definition["x-form"]["description"]["en-GB"] == "Edited while a draft"
    published = store.publish("braden", 1, by="lead", now=T0 + dt.timedelta(minutes=2))
    assert published.status == PUBLISHED and len(published.sha256) == 64
    assert published.published_at == (T0 + dt.timedelta(minutes=2)).replace(microsecond=123000)
    assert published.published_by == "lead" and published.created_at == T0.replace(microsecond=123000)
    with pytest.raises(StoreError, match="cannot be changed"):
        store.save_draft(raw("braden"))
    with pytest.raises(StoreError, match="already published"):
        store.publish("braden", 1)
    fetched = store.get_definition("braden")
    assert fetched == published
    assert store.load("braden").sha256 == published.sha256


def test_publish_requires_a_clean_lint(store):
    broken = raw("abbey_pain")
    broken["x-examples"][0]["expect"]["band"] = "severe_14_plus"
    store.save_draft(broken)
    with pytest.raises(StoreError) as error:
        store.publish("abbey_pain", 1)
    assert error.value.issues and error.value.issues[0].code == "example_failed"
    assert store.get_definition("abbey_pain", 1).status == DRAFT
    with pytest.raises(StoreError):
        store.publish("abbey_pain", 9)


def test_latest_published_archive_and_listing(store):
    publish(store)
    v2 = raw("morse_fall")
    v2["x-form"]["version"] = 2
    publish(store, definition=v2)
    v3 = copy.deepcopy(v2)
    v3["x-form"]["version"] = 3
    store.save_draft(v3)
    assert store.get_definition("morse_fall").version == 2  # drafts are never "latest"
    store.archive("morse_fall", 2)
    assert store.get_definition("morse_fall").version == 1
    assert store.get_definition("morse_fall", 2).status == ARCHIVED
    listed = store.list_definitions("morse_fall")
    assert [(d.version, d.status) for d in listed] == [(1, PUBLISHED), (2, ARCHIVED), (3, DRAFT)]
    assert [d.version for d in store.list_definitions(status=PUBLISHED)] == [1]


def test_submit_freezes_the_result(store):
    published = publish(store)
    result, submission = store.submit(
        "morse_fall", MORSE_HIGH, resident_id=7, home_id=2, taken_at=T0, submitted_by="nurse"
    )
    assert result.ok and submission is not None
    assert (submission.total, submission.band) == (50, "high_gt_45")
    assert (submission.form_key, submission.version, submission.sha256) == ("morse_fall", 1, published.sha256)
    stored = store.get_submission(submission.id)
    assert stored == submission
    assert stored.taken_at == T0.replace(microsecond=123000)
    assert stored.answers == MORSE_HIGH
    assert stored.points == {
        "history_of_falling": 25,
        "secondary_diagnosis": 15,
        "ambulatory_aid": 0,
        "iv_or_heparin_lock": 0,
        "gait": 10,
        "mental_status": 0,
    }
    assert stored.data["actions"][0]["type"] == "create_care_plan_need"


def test_invalid_answers_are_not_stored(store):
    publish(store)
    result, submission = store.submit("morse_fall", {"gait": "sprinting"}, resident_id=1, home_id=1, locale="cy")
    assert submission is None and not result.ok
    assert "gait" in result.errors and result.errors["history_of_falling"] == ["Mae angen ateb y cwestiwn hwn."]
    assert store.count_submissions("morse_fall") == 0
    with pytest.raises(StoreError):
        store.submit("braden", {}, resident_id=1, home_id=1)


def test_old_submissions_keep_their_version_after_a_new_one_is_published(store):
    publish(store)
    _, old = store.submit(
        "morse_fall",
        {**MORSE_LOW, "history_of_falling": "yes", "iv_or_heparin_lock": "yes"},
        resident_id=1,
        home_id=1,
        taken_at=T0,
    )
    assert old.band == "moderate_25_45"
    v2 = raw("morse_fall")
    v2["x-form"]["version"] = 2
    v2["x-scoring"]["bands"][1]["max"] = 44
    v2["x-scoring"]["bands"][2]["min"] = 45
    v2["x-examples"] = [e for e in v2["x-examples"] if e["expect"]["total"] != 45]
    publish(store, definition=v2)
    assert store.get_submission(old.id).band == "moderate_25_45"
    _, new = store.submit(
        "morse_fall",
        {**MORSE_LOW, "history_of_falling": "yes", "iv_or_heparin_lock": "yes"},
        resident_id=1,
        home_id=1,
        taken_at=T0,
    )
    assert (new.version, new.band) == (2, "high_gt_45")
    assert store.count_submissions("morse_fall", 1) == 1 and store.count_submissions("morse_fall") == 2


def test_field_keys_are_frozen_once_a_version_has_submissions(store):
    publish(store)
    v2 = raw("morse_fall")
    v2["x-form"]["version"] = 2
    v2["properties"]["fall_history"] = v2["properties"].pop("history_of_falling")
    v2["x-layout"]["pages"][0]["sections"][0]["fields"][0] = "fall_history"
    v2["x-scoring"]["items"][0]["field"] = "fall_history"
    for example in v2["x-examples"]:
        example["answers"]["fall_history"] = example["answers"].pop("history_of_falling")
    store.save_draft(v2)  # allowed: version 1 has no submissions yet
    store.submit("morse_fall", MORSE_LOW, resident_id=1, home_id=1)
    with pytest.raises(StoreError) as error:
        store.save_draft(v2)
    assert [i.field for i in error.value.issues] == ["history_of_falling"]
    v2["x-migrations"] = [{"from_version": 1, "rename": {"history_of_falling": "fall_history"}}]
    assert store.save_draft(v2).status == DRAFT
    published = store.publish("morse_fall", 2)
    assert published.status == PUBLISHED


def test_list_submissions_filters_and_order(store):
    publish(store)
    publish(store, "braden")
    for hours, (resident, home) in enumerate([(1, 1), (1, 1), (2, 1), (3, 2)]):
        store.submit(
            "morse_fall",
            MORSE_HIGH if resident == 2 else MORSE_LOW,
            resident_id=resident,
            home_id=home,
            taken_at=T0 + dt.timedelta(hours=hours),
        )
    store.submit("braden", raw("braden")["x-examples"][0]["answers"], resident_id=1, home_id=1, taken_at=T0)
    mine = store.list_submissions(resident_id=1, form_key="morse_fall")
    assert [s.taken_at for s in mine] == [T0.replace(microsecond=123000) + dt.timedelta(hours=h) for h in (1, 0)]
    assert len(store.list_submissions(home_id=1)) == 4
    assert [s.resident_id for s in store.list_submissions(band="high_gt_45")] == [2]
    window = store.list_submissions(taken_from=T0 + dt.timedelta(hours=1), taken_to=T0 + dt.timedelta(hours=3))
    assert sorted(s.resident_id for s in window) == [1, 2]
    assert len(store.list_submissions(limit=2)) == 2
    assert store.list_submissions(resident_id=99) == []


def test_amendments_are_append_only_and_rescored_against_the_same_version(store):
    publish(store)
    _, submission = store.submit("morse_fall", MORSE_LOW, resident_id=1, home_id=1, taken_at=T0)
    result, amended = store.amend_submission(
        submission.id,
        {**MORSE_LOW, "history_of_falling": "yes"},
        reason="Fall last week not recorded",
        amended_by="nurse",
        now=T0 + dt.timedelta(days=1),
    )
    assert result.ok and amended.status == "amended" and (amended.total, amended.band) == (25, "moderate_25_45")
    assert store.get_submission(submission.id) == amended
    bad, none = store.amend_submission(submission.id, {"gait": 3}, reason="typo", amended_by="nurse")
    assert none is None and not bad.ok
    with pytest.raises(StoreError, match="reason"):
        store.amend_submission(submission.id, MORSE_LOW, reason=" ", amended_by="nurse")
    voided = store.void_submission(submission.id, reason="Wrong resident", by="manager")
    assert voided.status == "voided"
    with pytest.raises(StoreError):
        store.amend_submission(submission.id, MORSE_LOW, reason="again", amended_by="nurse")
    history = store.list_amendments(submission.id)
    assert [(a.seq, a.amended_by, a.reason) for a in history] == [
        (1, "nurse", "Fall last week not recorded"),
        (2, "manager", "Wrong resident"),
    ]
    assert history[0].changes["answers"] == {"history_of_falling": {"from": "no", "to": "yes"}}
    assert history[0].changes["band"] == {"from": "low_lt_25", "to": "moderate_25_45"}
    assert history[0].amended_at == T0.replace(microsecond=123000) + dt.timedelta(days=1)
    assert history[1].changes == {"status": {"from": "amended", "to": "voided"}}
    with pytest.raises(StoreError):
        store.amend_submission("no-such-id", MORSE_LOW, reason="x", amended_by="x")


def test_decimal_answers_and_totals_round_trip(store):
    publish(store, "news2")
    answers = raw("news2")["x-examples"][20]["answers"]
    _, submission = store.submit("news2", answers, resident_id=1, home_id=1, taken_at=T0)
    stored = store.get_submission(submission.id)
    assert stored.answers["temperature_c"] == answers["temperature_c"]
    assert stored.total == submission.total and isinstance(stored.total, int)


def test_build_store_chooses_the_adapter():
    from sqlalchemy import create_engine

    from forms.store.mongo import MongoFormStore
    from forms.store.sql import SqlFormStore

    assert isinstance(build_store({}, engine=create_engine("sqlite://")), SqlFormStore)
    assert isinstance(build_store({"FORMS_STORE": "sql", "SQLALCHEMY_DATABASE_URI": "sqlite://"}), SqlFormStore)
    mongo = build_store({"FORMS_STORE": "mongodb", "MONGODB_URI": "mongomock://localhost/forms_build"})
    assert isinstance(mongo, MongoFormStore)
    with pytest.raises(StoreError, match="MONGODB_URI"):
        build_store({"FORMS_STORE": "mongodb"})
    with pytest.raises(StoreError, match="unknown"):
        build_store({"FORMS_STORE": "couchdb"})
    with pytest.raises(StoreError):
        build_store({"FORMS_STORE": "sql"})


def test_owner_is_kept_by_every_version_and_filters_what_a_home_sees(store):
    """A home's own form (owner = the home's id) is seen only with that home in `homes`; the group's
    library (owner None) by everyone; no `homes` means no limit (the group's administrators, jobs)."""
    store.save_draft(raw("braden"), by="admin", now=T0)  # the group's
    own = copy.deepcopy(raw("morse_fall"))
    own["x-form"]["key"] = "alder_falls"
    draft = store.save_draft(own, by="manager", now=T0, owner_home_id=7)
    assert draft.owner_home_id == 7
    published = store.publish("alder_falls", 1, by="manager", now=T0)
    assert published.owner_home_id == 7 and store.get_definition("alder_falls").owner_home_id == 7
    second = copy.deepcopy(own)
    second["x-form"]["version"] = 2
    # a later version keeps the key's owner whatever is asked
    assert store.save_draft(second, by="admin", now=T0, owner_home_id=None).owner_home_id == 7
    assert store.archive("alder_falls", 1, now=T0).owner_home_id == 7

    assert {v.key for v in store.list_definitions(homes={7})} == {"braden", "alder_falls"}
    assert {v.key for v in store.list_definitions(homes={8})} == {"braden"}
    assert {v.key for v in store.list_definitions()} == {"braden", "alder_falls"}
    assert store.get_definition("alder_falls", 1, homes={8}) is None
    assert store.get_definition("alder_falls", 1, homes={7, 8}).owner_home_id == 7
    assert store.get_definition("braden", 1, homes=set()).owner_home_id is None

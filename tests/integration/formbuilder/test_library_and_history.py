"""Copy, import, export, archive, reorder, history with a readable difference, bad input and permissions."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from app.forms_store import get_store
from forms.definition import definition_files
from tests.factories import ROLE_USERS


def test_the_list_shows_every_version_and_copying_a_standard_form_makes_a_draft(builder):
    response = builder.client.post("/formbuilder/copy", data={"source": "file:morse_fall", "key": "our_falls"})
    assert response.headers["Location"].endswith("/formbuilder/edit/our_falls/1")
    copied = builder.definition("our_falls")
    assert copied["x-form"]["key"] == "our_falls" and copied["x-form"]["version"] == 1
    assert builder.client.post("/formbuilder/edit/our_falls/1/publish").status_code == 302
    page = builder.client.get("/formbuilder/").get_data(as_text=True)
    assert 'data-key="our_falls" data-version="1" data-status="published"' in page
    again = builder.client.post("/formbuilder/copy", data={"source": "our_falls:1", "key": "our_falls"})
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == "our_falls:1")).all()
    assert {"formbuilder.copy", "formbuilder.publish"} <= {e.action for e in events}


def test_export_then_import_round_trips_and_malformed_files_get_a_clear_message(builder):
    builder.client.post("/formbuilder/copy", data={"source": "file:news2", "key": "obs"})
    exported = builder.client.get("/formbuilder/export/obs/1")
    assert exported.mimetype == "application/json"
    assert 'filename="obs_v1.json"' in exported.headers["Content-Disposition"]
    raw = json.loads(exported.data)
    raw["x-form"]["key"] = "obs_imported"
    upload = (io.BytesIO(json.dumps(raw).encode()), "a.json")
    response = builder.client.post("/formbuilder/import", data={"file": upload}, content_type="multipart/form-data")
    assert response.headers["Location"].endswith("/formbuilder/edit/obs_imported/1")
    assert builder.definition("obs_imported")["properties"] == raw["properties"]

    for body, expected in ((b"{not json", "not a form definition"), (b"[1, 2]", "must be a JSON object"),
                           (b'{"type": "object"}', "x-form")):
        bad = builder.client.post("/formbuilder/import", data={"file": (io.BytesIO(body), "bad.json")},
                                  content_type="multipart/form-data")
        assert bad.status_code == 400, body
        assert expected in bad.get_data(as_text=True)
    renamed = builder.client.post("/formbuilder/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(json.dumps(raw).encode()), "a.json"), "key": "obs_two"})
    assert renamed.headers["Location"].endswith("/formbuilder/edit/obs_two/1")
    taken = builder.client.post("/formbuilder/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(json.dumps(raw).encode()), "a.json")})
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    missing = builder.client.post("/formbuilder/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400


def test_archive_only_a_published_version(builder):
    builder.client.post("/formbuilder/copy", data={"source": "file:braden", "key": "skin"})
    assert builder.client.post("/formbuilder/archive/skin/1").status_code == 400
    builder.client.post("/formbuilder/edit/skin/1/publish")
    assert builder.client.post("/formbuilder/archive/skin/1").status_code == 302
    assert get_store().get_definition("skin", 1).status == "archived"


def test_reorder_by_buttons_and_by_drag_and_drop_and_remove(builder):
    builder.create()
    builder.add("falls_check", "text")
    builder.add("falls_check", "text")
    builder.client.post(builder.url("falls_check", action="field/question_3/move"), data={"direction": "up"})
    assert builder.definition("falls_check")["x-layout"]["pages"][0]["sections"][0]["fields"] == [
        "question_1", "question_3", "question_2"]
    builder.client.post(builder.url("falls_check", action="order"),
                        data={"section": "questions", "order": "question_2,question_1,question_3"})
    assert builder.definition("falls_check")["x-layout"]["pages"][0]["sections"][0]["fields"] == [
        "question_2", "question_1", "question_3"]
    bad = builder.client.post(builder.url("falls_check", action="order"),
                              data={"section": "questions", "order": "question_2,question_1"})
    assert bad.status_code == 400
    builder.client.post(builder.url("falls_check", action="field/question_1/remove"))
    assert list(builder.definition("falls_check")["properties"]) == ["question_2", "question_3"]


def test_history_lists_versions_and_a_readable_difference(builder):
    builder.client.post("/formbuilder/copy", data={"source": "file:morse_fall", "key": "our_falls"})
    builder.client.post("/formbuilder/edit/our_falls/1/publish")
    builder.client.post("/formbuilder/new-version/our_falls/1")
    builder.save_field("our_falls", "gait", version=2, type="single_choice", label_en="Walking",
                       options=[("normal_bedrest_wheelchair", "Normal", 0), ("weak", "Weak", 12),
                                ("impaired", "Impaired", 20)])
    builder.client.post(builder.url("our_falls", 2, "field/mental_status/remove"))
    page = builder.client.get("/formbuilder/history/our_falls?a=1&b=2").get_data(as_text=True)
    assert 'id="changes"' in page
    assert "<code>gait</code> label" in page and "Walking" in page
    assert "<code>gait</code> option weak points: <del>10</del> → <ins>12</ins>" in page
    assert "change-removed" in page and "<code>mental_status</code>" in page


def test_html_in_labels_is_shown_as_text_never_run(builder):
    builder.create(title="<script>alert('t')</script>")
    builder.save_field("falls_check", "question_1", type="text", label_en='<img src=x onerror="alert(1)">')
    for url in ("/formbuilder/", builder.url("falls_check"), "/formbuilder/preview/falls_check/1"):
        text = builder.client.get(url).get_data(as_text=True)
        assert "<script>alert(" not in text and "<img src=x" not in text, url
        assert "&lt;img src=x" in text or "&lt;script&gt;" in text, url


def test_bad_editor_input_is_refused_with_reasons_beside_the_question(builder):
    builder.create()
    response = builder.save_field("falls_check", "question_1", key="Bad Key!", type="text", label_en="")
    assert response.status_code == 400
    panel = response.get_data(as_text=True).split('id="field-question_1"')[1].split("</details>")[0]
    assert "formbuilder-problems" in panel and "label_en" in panel
    choice = builder.save_field("falls_check", "question_1", type="single_choice", label_en="Pick", options=[])
    assert choice.status_code == 400
    assert builder.client.post("/formbuilder/new", data={"key": "", "title_en": ""}).status_code == 400
    assert builder.client.get("/formbuilder/edit/nothing_here/1").status_code == 404
    assert builder.client.get("/formbuilder/export/nothing_here/3").status_code == 404


def test_permissions_are_stored_in_the_definition(builder):
    builder.create()
    response = builder.client.post(builder.url("falls_check", action="permissions"), data={
        "perm_fill": ["Nurse", "Senior Carer"], "perm_view": ["Carer"], "perm_sign": ["Nurse"]})
    assert response.status_code == 302
    assert builder.definition("falls_check")["x-permissions"] == {
        "fill": ["Nurse", "Senior Carer"], "view": ["Carer"], "sign": ["Nurse"]}
    refused = builder.client.post(builder.url("falls_check", action="permissions"), data={"perm_fill": ["Nobody"]})
    assert refused.status_code == 400


@pytest.mark.parametrize("role,allowed", [("Administrator", True), ("Home Manager", True), ("Nurse", False),
                                          ("Carer", False), ("Family", False)])
def test_only_administrators_and_managers_reach_the_builder(client, auth, role, allowed):
    auth.login(ROLE_USERS[role])
    page = client.get("/formbuilder/")
    assert (page.status_code == 200) == allowed, page.status_code
    created = client.post("/formbuilder/new", data={"key": "mine", "title_en": "Mine", "kind": "assessment"})
    assert (get_store().get_definition("mine", 1) is not None) == allowed, created.status_code
    assert ('href="/formbuilder/"' in client.get("/").get_data(as_text=True)) == allowed


def test_every_standard_form_can_be_copied_and_previewed(builder):
    for path in definition_files():
        key = f"copy_{path.stem}"
        copied = builder.client.post("/formbuilder/copy", data={"source": f"file:{path.stem}", "key": key})
        assert copied.status_code == 302, path.stem
        assert builder.client.get(builder.url(key)).status_code == 200, path.stem
        assert builder.client.get(f"/formbuilder/preview/{key}/1").status_code == 200, path.stem


def test_worked_examples_of_a_copied_form_can_be_removed_when_they_no_longer_fit(builder):
    builder.client.post("/formbuilder/copy", data={"source": "file:morse_fall", "key": "our_falls"})
    examples = builder.definition("our_falls").get("x-examples", [])
    assert examples, "the standard Morse form carries worked examples"
    builder.save_field("our_falls", "gait", type="single_choice", label_en="Gait", label_cy="Cerddediad",
                       options=[("normal_bedrest_wheelchair", "Normal", 0), ("weak", "Weak", 11),
                                ("impaired", "Impaired", 21)])
    page = builder.client.get(builder.url("our_falls")).get_data(as_text=True)
    assert 'id="lint-errors"' in page and "declared range [0, 125]" in page
    for example in examples:
        removed = builder.client.post(builder.url("our_falls", action="extra/remove"),
                                      data={"part": "x-examples", "name": example["name"]})
        assert removed.status_code == 302
    assert "x-examples" not in builder.definition("our_falls")
    form = builder.client.get(builder.url("our_falls")).get_data(as_text=True).split('id="scoring-form"')[1]
    assert 'name="range_max" value="125"' in form
    scoring = builder.definition("our_falls")["x-scoring"]
    data = {"scored": [i["field"] for i in scoring["items"]], "unanswered": "fail", "range_min": "0",
            "range_max": "126", "band_count": str(len(scoring["bands"]))}
    for n, band in enumerate(scoring["bands"]):
        data.update({f"band_{n}_original": band["code"], f"band_{n}_code": band["code"],
                     f"band_{n}_label_en": band["label"]["en-GB"], f"band_{n}_label_cy": band["label"]["cy"],
                     f"band_{n}_min": str(band.get("min", "")), f"band_{n}_max": str(band.get("max", "")),
                     f"band_{n}_action_count": "0"})
    assert builder.client.post(builder.url("our_falls", action="scoring"), data=data).status_code == 302
    saved = builder.definition("our_falls")["x-scoring"]
    assert saved["range"] == [0, 126]
    # notify and care-plan-need rows are editable on the page and none were posted: only the others stay
    kept = [a for a in scoring["bands"][2]["actions"] if a["type"] not in ("notify", "create_care_plan_need")]
    assert saved["bands"][2].get("actions", []) == kept
    assert 'id="lint-ok"' in builder.client.get(builder.url("our_falls")).get_data(as_text=True)
    assert builder.client.post(builder.url("our_falls", action="extra/remove"),
                               data={"part": "x-examples", "name": "nope"}).status_code == 400

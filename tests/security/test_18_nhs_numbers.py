"""Finding 18: NHS numbers.

- Digits of other scripts (Persian, Arabic-Indic, full-width) are turned into ASCII digits before
  the check digit, the duplicate check, the blind index and storage, so "۹۴۳۴۷۶۵۹۱۹" is the same
  person as 9434765919 and is found by search.
- Numbers of one repeated digit (0000000000, 9999999999 ...) are refused although some pass the
  modulus-11 check.
- The navigation bar's resident search sends the number in the body (POST), and any NHS number
  in a logged query string (a bookmarked search, the API, a list filter) is blanked in the access log.
"""

from __future__ import annotations

import logging

import pytest

from app.residents.services import nhs_number_is_valid, normalise_nhs_number

PERSIAN = "۹۴۳۴۷۶۵۹۱۹"  # 9434765919, the seeded resident of home A
ARABIC_INDIC = "٩٤٣٤٧٦٥٩١٩"
FULL_WIDTH = "９４３４７６５９１９"


@pytest.mark.parametrize("typed", [PERSIAN, ARABIC_INDIC, FULL_WIDTH, "943\u00a0476\u20115919", "943 476 5919"])
def test_other_scripts_become_ascii_digits(typed):
    assert normalise_nhs_number(typed) == "9434765919"
    assert nhs_number_is_valid(normalise_nhs_number(typed))


@pytest.mark.parametrize("number", [str(d) * 10 for d in range(10)])
def test_one_repeated_digit_is_refused(number):
    assert not nhs_number_is_valid(number)


def test_the_check_itself_takes_only_ascii_digits():
    assert not nhs_number_is_valid(PERSIAN)
    assert nhs_number_is_valid("9434765919")


def test_api_stores_ascii_and_finds_the_duplicate(client, auth, world):
    headers = auth.headers("manager")
    response = client.post("/api/v1/residents/", headers=headers, json={
        "first_name": "Other", "last_name": "Person", "nhs_number": FULL_WIDTH, "home": world.home_a.id})
    assert response.status_code == 409, response.get_json()  # the seeded resident has this number
    assert response.get_json()["duplicate_of"] == world.resident_a.id
    for number in ("0000000000", "9999999999"):
        response = client.post("/api/v1/residents/", headers=headers, json={
            "first_name": "Zero", "last_name": "Person", "nhs_number": number, "home": world.home_a.id})
        assert response.status_code == 422, (number, response.get_json())
        assert "nhs_number" in response.get_json()["message"]


def test_search_finds_a_number_typed_in_another_script(client, auth, world):
    auth.login("manager")
    response = client.post("/residents/search", data={"q": PERSIAN})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/residents/{world.resident_a.id}/")


def test_the_navbar_search_posts_the_number(client, auth):
    auth.login("manager")
    html = client.get("/").get_data(as_text=True)
    box = html.split('id="resident-search-box"', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in box and 'name="csrf_token"' in box


def test_nhs_numbers_are_blanked_in_access_logs():
    from app.guards import redact_nhs_numbers

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", "GET /residents/search?q=943+476+5919&x=1 HTTP/1.1", "200", "-"),
                               None)
    assert redact_nhs_numbers(record)
    assert "5919" not in record.getMessage() and "/residents/search?q=" in record.getMessage()
    access = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s"',
                               None, None)
    access.args = {"h": "127.0.0.1", "r": "GET /residentview/list/?_flt_0_last_name=9434765919 HTTP/1.1",
                   "q": "_flt_0_last_name=9434765919"}
    assert redact_nhs_numbers(access)
    assert "9434765919" not in access.getMessage()
    # ids and dates elsewhere in the line stay readable
    plain = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", ("GET /residents/12/ HTTP/1.1",), None)
    redact_nhs_numbers(plain)
    assert plain.getMessage() == "GET /residents/12/ HTTP/1.1"


def test_the_access_loggers_carry_the_filter(app):
    from app.guards import redact_nhs_numbers

    for name in ("werkzeug", "gunicorn.access"):
        assert redact_nhs_numbers in logging.getLogger(name).filters

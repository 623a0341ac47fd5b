"""With no database to reach, pages answer 503 with the short outage page (in the user's language
where the catalogue has it) and Retry-After; the API answers JSON. Needs no server: the app points
at a port where nothing listens."""

from __future__ import annotations

from tests.faults.conftest import free_port

MESSAGE = "The care record is unavailable for a moment; nothing you saved is lost."


def test_signing_in_answers_503_with_retry_after_when_the_database_is_unreachable():
    from app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"postgresql://postgres@127.0.0.1:{free_port()}/none",
                     OUTAGE_RETRY_AFTER=12)
    client = app.test_client()
    assert client.get("/").status_code == 302  # no one signed in: sent to sign in, no database needed yet
    response = client.post("/login/", data={"username": "nurse", "password": "whatever-it-is"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "12"
    text = response.get_data(as_text=True)
    assert MESSAGE in text and "Traceback" not in text and "<form" not in text
    response = client.get("/api/v1/residents/", headers={"Authorization": "Bearer not-a-real-token"})
    if response.status_code == 503:  # (a token refused before any database work is a 401 instead)
        assert response.get_json()["message"] == MESSAGE and response.headers["Retry-After"] == "12"
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"

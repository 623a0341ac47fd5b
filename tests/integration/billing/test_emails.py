"""Invoices, credit notes and statements emailed to payers through the notification outbox, as finance
would do it in the browser and through the API, delivered to a fake SMTP server on a local port that
keeps what it receives: the attachment is read back as a PDF. Sending twice asks for confirmation;
payers who take invoices by post are listed to print instead; a failed delivery shows on the invoice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import socketserver
import threading

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.billing.models import DocumentEmail, Invoice, InvoiceRun, InvoiceStatus
from app.extensions import db
from app.notifications.models import NotificationOutbox
from tests.integration.billing.helpers import admit, agreement, issue_all, payer, run


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


class _Handler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    def _say(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())

    def handle(self):
        fake = self.server.fake
        self._say("220 fake.smtp.test ESMTP")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 fake.smtp.test")
            elif verb == "MAIL":
                recipients = []
                self._say("250 OK")
            elif verb == "RCPT":
                if fake.refuse:
                    self._say("550 5.1.1 No such mailbox here")
                else:
                    recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                fake.messages.append((recipients, email.message_from_bytes(b"".join(data),
                                                                            policy=email.policy.default)))
                self._say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Not implemented")


class FakeSMTP:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = False
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def smtp(app, monkeypatch):
    fake = FakeSMTP()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", fake.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    yield fake
    fake.close()


@pytest.fixture()
def inline(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs run in the request, as on a single machine


def pdf_text(message) -> tuple[str, str]:
    from pypdf import PdfReader

    parts = [part for part in message.iter_attachments()]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(part.get_content()))
    return part.get_filename(), "".join(page.extract_text() for page in reader.pages)


@pytest.fixture()
def issued(world):
    """April issued for three residents: two payers take invoices by email, one by post."""
    payers = {}
    for name, delivery in (("Dilys", "email"), ("Emrys", "email"), ("Ffion", "post")):
        resident, stay = admit(world, name, dt.date(2026, 3, 2))
        extra = {"delivery": "email", "email": f"{name.lower()}@payer.example"} if delivery == "email" else {}
        payers[name] = payer(world, "resident", f"{name} Billing", resident, **extra)
        agreement(stay, "1050.00", [{"payer_id": payers[name].id, "basis": "remainder"}])
    the_run = run(world, "2026-04")
    issue_all(world, the_run, on=dt.date(2026, 4, 1))
    db.session.commit()
    invoices = {name: db.session.scalar(unscoped(select(Invoice).where(Invoice.run_id == the_run.id,
                                                                      Invoice.payer_id == p.id)))
                for name, p in payers.items()}
    return the_run, payers, invoices


def test_finance_emails_an_invoice_and_the_payer_receives_the_pdf(client, auth, inline, smtp, issued):
    the_run, payers, invoices = issued
    dilys = invoices["Dilys"]
    auth.login("finance")
    page = client.get(f"/billing/invoice/{dilys.id}/").get_data(as_text=True)
    assert "Not emailed yet." in page and "Email to dilys@payer.example" in page
    response = client.post(f"/billing/invoice/{dilys.id}/email")
    assert response.status_code == 302

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["dilys@payer.example"] and message["To"] == "dilys@payer.example"
    assert message["Subject"] == f"Invoice {dilys.number} from {dilys.home.name}"
    assert "£4,500.00" in message.get_body(("plain",)).get_content()  # 30 days of £1,050 a week
    name, text = pdf_text(message)
    assert name == f"invoice-{dilys.number}.pdf"
    assert dilys.number in text and "Dilys Billing" in text and "4,500.00" in text

    record = db.session.scalar(unscoped(select(DocumentEmail).where(DocumentEmail.invoice_id == dilys.id)))
    assert record.to_address == "dilys@payer.example" and record.status == "sent" and record.sent_at is not None
    assert record.requested_by_id is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "DocumentEmail",
                                                      AuditEvent.entity_id == str(record.id))) is not None
    page = client.get(f"/billing/invoice/{dilys.id}/").get_data(as_text=True)
    assert "dilys@payer.example" in page and "Sent" in page and "Not emailed yet." not in page
    # the outbox row is addressed to the payer, not to a user: it is in nobody's bell
    outbox = record.outbox
    assert outbox.user_id is None and outbox.channel == "email" and outbox.attachment_name == name
    from app.notifications.services import inbox

    assert all(n.id != outbox.id for n in inbox(record.requested_by_id))
    # the sender hears that the job is done, not that a document waits to be downloaded
    done = db.session.scalar(select(NotificationOutbox).where(
        NotificationOutbox.kind == "job_finished", NotificationOutbox.user_id == record.requested_by_id)
        .order_by(NotificationOutbox.id.desc()).limit(1))
    assert done is not None and dilys.number in done.subject and "download" not in done.body


def test_sending_an_invoice_twice_asks_to_confirm(client, auth, inline, smtp, issued):
    _run, _payers, invoices = issued
    dilys = invoices["Dilys"]
    auth.login("finance")
    client.post(f"/billing/invoice/{dilys.id}/email")
    client.post(f"/billing/invoice/{dilys.id}/email")  # not confirmed: refused, with the reason
    assert len(smtp.messages) == 1
    page = client.get(f"/billing/invoice/{dilys.id}/").get_data(as_text=True)
    assert "already emailed to dilys@payer.example" in page and "Send again" in page
    client.post(f"/billing/invoice/{dilys.id}/email", data={"confirm_resend": "y"})
    assert len(smtp.messages) == 2
    sent = db.session.scalars(unscoped(select(DocumentEmail).where(DocumentEmail.invoice_id == dilys.id))).all()
    assert len(sent) == 2


def test_a_run_emails_the_email_payers_in_one_action_and_lists_the_post_ones(client, auth, inline, smtp, issued):
    the_run, _payers, invoices = issued
    auth.login("finance")
    page = client.get(f"/billing/run/{the_run.id}/").get_data(as_text=True)
    assert "By email: 2 (2 not sent yet)" in page and "By post: 1" in page
    assert "To print and post" in page and "Ffion Billing" in page
    assert client.post(f"/billing/run/{the_run.id}/email").status_code == 302
    assert sorted(r[0] for r, _m in smtp.messages) == ["dilys@payer.example", "emrys@payer.example"]
    for recipients, message in smtp.messages:
        invoice = invoices["Dilys" if recipients == ["dilys@payer.example"] else "Emrys"]
        assert invoice.number in pdf_text(message)[1]
    page = client.get(f"/billing/run/{the_run.id}/").get_data(as_text=True)
    assert "By email: 2 (0 not sent yet)" in page and "Send again the 2 already emailed" in page
    client.post(f"/billing/run/{the_run.id}/email")  # all sent already: asks to confirm
    assert len(smtp.messages) == 2
    client.post(f"/billing/run/{the_run.id}/email", data={"confirm_resend": "y"})
    assert len(smtp.messages) == 4
    # the ones to post print as one PDF, the emailed ones not in it
    from pypdf import PdfReader

    from app.jobs import Job, result_file

    assert client.post(f"/billing/run/{the_run.id}/print-post").status_code == 302
    job = db.session.scalar(select(Job).where(Job.key.like(f"billing-run-post:{the_run.id}:%")))
    assert job.status == "finished", job.error
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(result_file(job).read_bytes())).pages)
    assert invoices["Ffion"].number in text and invoices["Dilys"].number not in text


def test_the_api_names_what_stops_an_email(client, auth, world, inline, smtp, issued):
    the_run, payers, invoices = issued
    headers = auth.headers("finance")
    resident, stay = admit(world, "Gwyn", dt.date(2026, 3, 2))
    gwyn = payer(world, "resident", "Gwyn Billing", resident, delivery="email", email="gwyn@payer.example")
    agreement(stay, "700.00", [{"payer_id": gwyn.id, "basis": "remainder"}])
    draft_run = run(world, "2026-05")
    db.session.commit()
    draft = db.session.scalar(unscoped(select(Invoice).where(Invoice.run_id == draft_run.id,
                                                             Invoice.payer_id == gwyn.id)))
    answer = client.post(f"/api/v1/invoices/{draft.id}/email", headers=headers, json={})
    assert answer.status_code == 422 and "status" in answer.get_json()["message"], answer.get_json()
    assert "Draft" in answer.get_json()["message"]["status"][0]
    answer = client.post(f"/api/v1/invoices/{invoices['Ffion'].id}/email", headers=headers, json={})
    assert answer.status_code == 422 and "email" in answer.get_json()["message"]
    ok = client.post(f"/api/v1/invoices/{invoices['Emrys'].id}/email", headers=headers, json={})
    assert ok.status_code == 202, ok.get_json()
    again = client.post(f"/api/v1/invoices/{invoices['Emrys'].id}/email", headers=headers, json={})
    assert again.status_code == 422 and "confirm_resend" in again.get_json()["message"]
    odd = client.post(f"/api/v1/invoices/{invoices['Emrys'].id}/email", headers=headers,
                      json={"confirm_resend": "yes"})
    assert odd.status_code == 422 and "confirm_resend" in odd.get_json()["message"]
    assert len(smtp.messages) == 1
    log = client.get(f"/api/v1/invoices/{invoices['Emrys'].id}/emails", headers=headers).get_json()["result"]
    assert [(e["to"], e["status"], e["document"]) for e in log] == [("emrys@payer.example", "sent", "invoice")]
    # Office sees invoices but does not send them
    office = auth.headers("office")
    assert client.post(f"/api/v1/invoices/{invoices['Dilys'].id}/email", headers=office,
                       json={}).status_code == 403
    assert client.post(f"/api/v1/invoice-runs/{the_run.id}/email", headers=office, json={}).status_code == 403
    answer = client.post(f"/api/v1/invoice-runs/{the_run.id}/email", headers=headers, json={})
    assert answer.status_code == 202 and answer.get_json()["to_post"] == [invoices["Ffion"].id]
    assert sorted(r[0] for r, _m in smtp.messages) == ["dilys@payer.example", "emrys@payer.example"]


def test_a_credit_note_and_a_statement_are_emailed_too(client, auth, inline, smtp, issued):
    _run, payers, invoices = issued
    headers = auth.headers("finance")
    credit = client.post(f"/api/v1/invoices/{invoices['Dilys'].id}/credit", headers=headers,
                         json={"reason": "Charged in error"}).get_json()
    assert client.post(f"/api/v1/invoices/{credit['id']}/email", headers=headers, json={}).status_code == 202
    _to, message = smtp.messages[-1]
    assert message["Subject"].startswith(f"Credit note {credit['number']}")
    assert credit["number"] in pdf_text(message)[1]
    answer = client.post("/api/v1/invoices/statement-email", headers=headers, json={"payer_id": payers["Dilys"].id})
    assert answer.status_code == 202, answer.get_json()
    _to, message = smtp.messages[-1]
    name, text = pdf_text(message)
    assert name.startswith("statement-") and "Dilys Billing" in text
    again = client.post("/api/v1/invoices/statement-email", headers=headers, json={"payer_id": payers["Dilys"].id})
    assert again.status_code == 422 and "confirm_resend" in again.get_json()["message"]


def test_a_refused_address_shows_as_failed_on_the_invoice(client, auth, inline, smtp, issued):
    _run, _payers, invoices = issued
    smtp.refuse = True
    auth.login("finance")
    client.post(f"/billing/invoice/{invoices['Emrys'].id}/email")
    row = db.session.scalar(unscoped(select(NotificationOutbox).where(NotificationOutbox.to_address
                                                                       == "emrys@payer.example")))
    assert row.status == "failed" and "No such mailbox" in row.last_error  # inline: no retry left
    page = client.get(f"/billing/invoice/{invoices['Emrys'].id}/").get_data(as_text=True)
    assert "Failed" in page and "No such mailbox" in page
    assert invoices["Emrys"].status == InvoiceStatus.issued
    assert db.session.scalar(unscoped(select(InvoiceRun).where(InvoiceRun.id == _run.id))) is not None

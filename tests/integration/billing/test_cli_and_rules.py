"""`flask billing run` and `flask billing preview`; the bad input of the issue refused with the field
named and nothing already saved changed; issued invoices read-only; closed periods."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.billing import payments, runs, services
from app.billing.models import FeeAgreementVersion, Invoice, InvoiceLine, Payment
from app.exceptions import DomainError
from app.extensions import db
from tests.integration.billing.helpers import D, admit, agreement, issue_all, payer, run


def test_flask_billing_run_prints_the_summary_as_json(world, runner):
    resident, stay = admit(world, "Mali", dt.date(2026, 4, 16))
    me = payer(world, "resident", "Mali Billing", resident)
    agreement(stay, "1234.56", [{"payer_id": me.id, "basis": "remainder"}])
    admit(world, "Tomos", dt.date(2026, 4, 1))  # no agreement: skipped
    db.session.commit()

    result = runner.invoke(args=["billing", "run", str(world.home_a.id), "2026-04"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["created"] == 1 and summary["total"] == "2645.49"
    assert any("Tomos" in s["resident"] and "No fee agreement" in s["reason"] for s in summary["skipped"])
    again = json.loads(runner.invoke(args=["billing", "run", str(world.home_a.id), "2026-04"]).output)
    assert again["created"] == 0 and again["total"] == "0.00"
    bad = runner.invoke(args=["billing", "run", str(world.home_a.id), "April"])
    assert bad.exit_code == 2 and "period" in bad.output


def test_flask_billing_preview_reads_a_scenario_and_names_a_bad_field(runner, tmp_path):
    scenario = {"period": {"start": "2026-04-01", "end": "2026-04-30"},
                "stay": {"admitted": "2026-04-16", "left": None, "left_reason": None},
                "agreements": [{"from": "2026-04-16", "weekly_fee": "1234.56",
                                "shares": [{"payer": "Resident", "kind": "resident", "amount": "remainder"}]}]}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    result = runner.invoke(args=["billing", "preview", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == "2645.49"

    result = runner.invoke(args=["billing", "preview", "-"],
                           input=json.dumps(scenario).replace('"1234.56"', "1234.567"))
    assert result.exit_code == 2 and "agreements[0].weekly_fee" in result.output


def _refused(field: str, action) -> None:
    with pytest.raises(DomainError) as caught:
        action()
    assert field in caught.value.errors, caught.value.errors


def test_bad_input_is_refused_naming_the_field_and_nothing_changes(world):
    resident, stay = admit(world, "Rhys", dt.date(2026, 2, 1))
    me = payer(world, "resident", "Rhys Billing", resident)
    council = payer(world, "local_authority", "Cardiff Council")
    deal = agreement(stay, "1000.00", [{"payer_id": me.id, "basis": "fixed", "weekly_amount": "300.00"},
                                       {"payer_id": council.id, "basis": "remainder"}])
    db.session.commit()
    versions = db.session.scalar(select(func.count()).select_from(FeeAgreementVersion))

    def version(**changes):
        values = {"effective_from": "2026-03-01", "weekly_fee": "1000.00",
                  "shares": [{"payer_id": me.id, "basis": "fixed", "weekly_amount": "300.00"},
                             {"payer_id": council.id, "basis": "remainder"}], **changes}
        return lambda: services.add_version(deal.id, values)

    # fixed shares exceeding the fee
    _refused("shares", version(shares=[{"payer_id": me.id, "basis": "fixed", "weekly_amount": "1200.00"},
                                       {"payer_id": council.id, "basis": "remainder"}]))
    # two versions from the same date
    _refused("effective_from", version(effective_from="2026-02-01"))
    # starting before the stay
    _refused("effective_from", version(effective_from="2026-01-15"))
    # three decimals, and a float
    _refused("weekly_fee", version(weekly_fee="1000.005"))
    _refused("weekly_fee", version(weekly_fee=1000.5))
    _refused("shares[0].weekly_amount", version(shares=[{"payer_id": me.id, "basis": "fixed", "weekly_amount": 0.1},
                                                        {"payer_id": council.id, "basis": "remainder"}]))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FeeAgreementVersion)) == versions

    # a second active agreement for the same stay
    _refused("stay_id", lambda: agreement(stay, "900.00", [{"payer_id": me.id, "basis": "remainder"}]))

    # editing an issued invoice
    (issued, *_rest) = issue_all(world, run(world, "2026-02"))
    db.session.commit()
    issued.total = D("1.00")
    _refused("status", db.session.flush)
    db.session.rollback()
    line = db.session.scalar(select(InvoiceLine).where(InvoiceLine.invoice_id == issued.id))
    line.amount = D("0.01")
    _refused("status", db.session.flush)
    db.session.rollback()
    _refused("status", lambda: runs.approve_invoice(issued.id))
    _refused("status", lambda: runs.remove_draft_line(line.id))
    db.session.rollback()
    assert db.session.get(Invoice, issued.id).total == issued.total != D("1.00")

    # a payment allocated beyond what is owed, without confirming a credit
    owed = payments.outstanding_by_invoice([issued.payer_id])[issued.id]
    payments_before = db.session.scalar(select(func.count()).select_from(Payment))
    _refused("allocations[0].amount", lambda: payments.record_payment({
        "payer_id": issued.payer_id, "amount": str(owed + 10),
        "allocate": [{"invoice_id": issued.id, "amount": str(owed + 10)}]}))
    _refused("confirm_credit", lambda: payments.record_payment({"payer_id": issued.payer_id,
                                                                 "amount": str(owed + 10)}))
    _refused("amount", lambda: payments.record_payment({"payer_id": issued.payer_id, "amount": 12.5}))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == payments_before
    held = payments.record_payment({"payer_id": issued.payer_id, "amount": str(owed + 10), "confirm_credit": True})
    assert payments.unallocated(held) == D("10.00")

    # a run over a closed period; closing never blocks the next one
    start, end = services.month_period("2026-02")
    services.close_period(world.home_a.id, start, end)
    _refused("period", lambda: run(world, "2026-02"))
    assert run(world, "2026-03").invoices_created >= 1


def test_a_status_refusal_says_the_status_in_the_readers_language(app, world):
    """The status in the message is its label (Welsh for a Welsh reader), never the stored code."""
    from flask_babel import force_locale

    resident, stay = admit(world, "Siân", dt.date(2026, 3, 2))
    me = payer(world, "resident", "Siân Billing", resident)
    agreement(stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}])
    invoice = issue_all(world, run(world, "2026-04"))[0]
    with force_locale("cy"):
        with pytest.raises(DomainError) as refused:
            runs.approve_invoice(invoice.id)
        message = refused.value.errors["status"][0]
        assert "Cyhoeddwyd" in message and "Drafft" in message  # issued, draft
        assert "issued" not in message and "draft" not in message
        with pytest.raises(DomainError) as refused:
            services.save_payer({"name": "X", "kind": "cousin", "address": "1 Lane"}, home_id=world.home_a.id)
        assert "(third_party)" in refused.value.errors["kind"][0]

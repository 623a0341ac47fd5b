"""The invoice run on PostgreSQL: 20 homes × 60 residents with mixed funding (self-funders, net council
placements with a client contribution and a top-up, CHC, nursing residents with FNC paid four-weekly).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wcn_bd python benchmarks/bench_invoice_run.py [HOMES]

The database's schema is dropped and made again. Prints, for 5 homes (300 residents) and for all
homes (1,200 residents): the wall time of running every home's month, and the SQL statements each home's
run sent (the same for every home: a fixed number, not one per resident). Then the same month again
(nothing to add) and the next month (with every invoice of the first issued, so the run reads them).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESIDENTS_PER_HOME = 60


def build(homes_wanted: int):
    from app.audit import acting_as
    from app.billing.models import (
        FeeAgreement,
        FeeAgreementVersion,
        FeeShare,
        Payer,
        PayerKind,
        Placement,
        ShareBasis,
    )
    from app.extensions import db
    from app.homes.models import Bed, CareHome, Organisation, Room, ServiceType, Unit
    from app.residents.models import Resident, ResidentStatus, Stay

    admitted = dt.datetime(2025, 11, 3, 12, tzinfo=dt.UTC)
    homes = []
    with acting_as(None, "invoice run benchmark"):
        group = Organisation(name="Benchmark Care Group")
        db.session.add(group)
        for h in range(homes_wanted):
            nursing = h % 2 == 1
            home = CareHome(organisation=group, name=f"Bench home {h:02d}", service_type=ServiceType.nursing
                            if nursing else ServiceType.residential, registered_places=RESIDENTS_PER_HOME,
                            address_line_1="1 Bench Street", town="Bristol", postcode="BS1 1AA", active=True)
            db.session.add(home)
            db.session.flush()
            homes.append(home)
            unit = Unit(home_id=home.id, name="Main")
            db.session.add(unit)
            council = Payer(home_id=home.id, name="Bench Council", kind=PayerKind.local_authority,
                            address="Civic Centre")
            chc = Payer(home_id=home.id, name="Bench ICB (CHC)", kind=PayerKind.chc, address="NHS")
            fnc = Payer(home_id=home.id, name="Bench ICB (FNC)", kind=PayerKind.fnc, address="NHS",
                        cycle="four_weekly")
            db.session.add_all([council, chc, fnc])
            for r in range(RESIDENTS_PER_HOME):
                room = Room(home_id=home.id, unit=unit, number=str(r + 1))
                bed = Bed(home_id=home.id, room=room, label="A", status="occupied")
                resident = Resident(home_id=home.id, first_name=f"R{r}", last_name=f"Home{h}",
                                    status=ResidentStatus.in_residence)
                stay = Stay(home_id=home.id, resident=resident, bed=bed,
                            admitted_at=admitted + dt.timedelta(days=r % 40))
                me = Payer(home_id=home.id, name=f"R{r} Home{h}", kind=PayerKind.resident, resident=resident,
                           address="1 Lane")
                db.session.add_all([room, bed, resident, stay, me])
                agreement = FeeAgreement(home_id=home.id, stay=stay, resident=resident, placement=Placement.private)
                version = FeeAgreementVersion(home_id=home.id, agreement=agreement,
                                              effective_from=(admitted + dt.timedelta(days=r % 40)).date(),
                                              weekly_fee=Decimal("1150.00") + r)
                slot = r % 4
                shares = []
                if slot == 1:
                    family = Payer(home_id=home.id, name=f"R{r} family", kind=PayerKind.third_party,
                                   resident=resident, address="2 Lane")
                    db.session.add(family)
                    shares = [(me, ShareBasis.fixed, Decimal("230.15")), (family, ShareBasis.fixed, Decimal("80")),
                              (council, ShareBasis.remainder, None)]
                    agreement.placement = Placement.la_net
                elif slot == 2:
                    shares = [(chc, ShareBasis.remainder, None)]
                    agreement.placement = Placement.chc
                elif slot == 3 and nursing:
                    shares = [(fnc, ShareBasis.fnc, None), (me, ShareBasis.remainder, None)]
                else:
                    shares = [(me, ShareBasis.remainder, None)]
                for position, (payer, basis, amount) in enumerate(shares):
                    db.session.add(FeeShare(home_id=home.id, version=version, position=position, payer=payer,
                                            basis=basis, weekly_amount=amount,
                                            fnc_rate="standard" if basis == ShareBasis.fnc else None))
                db.session.add_all([agreement, version])
            db.session.flush()
        db.session.commit()
    return [h.id for h in homes]


def run_month(home_ids: list[int], month: str, counter: list[int]) -> tuple[str, list[int]]:
    from app.audit import acting_as
    from app.billing.runs import run_invoices
    from app.extensions import db

    per_home = []
    started, cpu = time.perf_counter(), time.process_time()
    with acting_as(None, "invoice run benchmark"):
        for home_id in home_ids:
            before = counter[0]
            run_invoices(home_id, month)
            db.session.commit()
            per_home.append(counter[0] - before)
    return f"{time.perf_counter() - started:.2f} s ({time.process_time() - cpu:.2f} s CPU)", per_home


def issue_everything(home_ids: list[int]) -> None:
    from sqlalchemy import select

    from app.audit import acting_as
    from app.billing.models import InvoiceRun
    from app.billing.runs import approve_run, issue_approved
    from app.extensions import db

    with acting_as(None, "invoice run benchmark"):
        for home_id in home_ids:
            for run in db.session.scalars(select(InvoiceRun).where(InvoiceRun.home_id == home_id)):
                approve_run(run.id)
            issue_approved(home_id)
            db.session.commit()


def main() -> None:
    from sqlalchemy import event, text

    from app import create_app
    from app.cli import upgrade_schema
    from app.extensions import db

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (its schema is dropped).")
    homes_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=None)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_schema()
        counter = [0]

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            counter[0] += 1

        t = time.perf_counter()
        home_ids = build(homes_wanted)
        print(f"built {len(home_ids)} homes × {RESIDENTS_PER_HOME} residents in {time.perf_counter() - t:.1f} s")
        for label, ids in (("300 residents (5 homes)", home_ids[:5]),
                           (f"{len(home_ids) * RESIDENTS_PER_HOME} residents ({len(home_ids)} homes)", home_ids)):
            month = "2026-03" if len(ids) == 5 else "2026-04"
            seconds, queries = run_month(ids, month, counter)
            print(f"run {month}, {label}: {seconds}; statements per home min {min(queries)} max {max(queries)}")
        seconds, queries = run_month(home_ids, "2026-04", counter)
        print(f"the same month again (adds nothing): {seconds}; statements per home {min(queries)}–"
              f"{max(queries)}")
        issue_everything(home_ids)
        seconds, queries = run_month(home_ids, "2026-05", counter)
        print(f"next month with every earlier invoice issued: {seconds}; statements per home "
              f"{min(queries)}–{max(queries)}")


if __name__ == "__main__":
    main()

"""Small builders shared by the audit tests."""

from __future__ import annotations

from sqlalchemy import select, text

from app.audit import AuditEvent
from app.homes.models import CareHome, Organisation, ServiceType, Unit


def make_home(session, name="Rosewood House", org=None, **overrides) -> CareHome:
    org = org or Organisation(name=f"{name} Group")
    home = CareHome(
        organisation=org,
        name=name,
        service_type=ServiceType.nursing,
        registered_places=40,
        address_line_1="1 High Street",
        town="Leeds",
        postcode="LS1 1AA",
        **overrides,
    )
    session.add(home)
    session.flush()
    return home


def make_unit(session, home, name="Dementia unit") -> Unit:
    unit = Unit(home_id=home.id, name=name, floor="Ground")
    session.add(unit)
    session.flush()
    return unit


def events(session, **where) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(session.scalars(query))


def raw_events(engine) -> list[dict]:
    """Rows as the database holds them, not through the ORM."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_event ORDER BY id"))]

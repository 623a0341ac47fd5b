"""Operations: /health (JSON, public) and /metrics (Prometheus, behind a bearer token)."""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

ops = Blueprint("ops", __name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "wcn_http_requests_total", "HTTP requests served", ["method", "endpoint", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "wcn_http_request_seconds", "Time to serve a request", ["endpoint"], registry=REGISTRY
)
UP = Gauge("wcn_dependency_up", "1 when a dependency answered the last health check", ["dependency"],
           registry=REGISTRY)


def check_dependencies() -> dict:
    from app.extensions import db

    checks = {}
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # reported, not raised: /health must answer
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(error).__name__}
    checks["database"]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        import redis

        started = time.perf_counter()
        try:
            redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = {"ok": True}
        except redis.RedisError as error:
            checks["redis"] = {"ok": False, "error": type(error).__name__}
        checks["redis"]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    for name, result in checks.items():
        UP.labels(name).set(1 if result["ok"] else 0)
    return checks


@ops.route("/health")
def health():
    """200 "ok"; 200 "degraded" when only Redis is down (the app still serves: sign-in limits fall
    back to memory, jobs wait in the database); 503 "unavailable" when the database is down."""
    checks = check_dependencies()
    if not checks["database"]["ok"]:
        status = "unavailable"
    elif all(c["ok"] for c in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    degraded = sorted(name for name, c in checks.items() if not c["ok"])
    return jsonify(status=status, checks=checks, degraded=degraded), 503 if status == "unavailable" else 200


@ops.route("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        abort(401)
    check_dependencies()
    return generate_latest(REGISTRY), 200, {"Content-Type": CONTENT_TYPE_LATEST}


@ops.before_app_request
def _start_timer():
    request._wcn_started = time.perf_counter()


@ops.after_app_request
def _count(response):
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    started = getattr(request, "_wcn_started", None)
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response

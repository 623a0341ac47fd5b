"""Security headers on every answer.

- Content-Security-Policy: scripts only from this site or inline with this response's nonce
  (Flask-AppBuilder's templates call `csp_nonce()`, which this module provides), no plugins,
  forms post only here, and pages framed only by this site (the form builder's preview).
  Styles allow inline `style` attributes, which Flask-AppBuilder's widgets use throughout.
- Strict-Transport-Security when `HSTS_SECONDS` is set (production sets a year).
- Cache-Control: no-store on everything but static files: pages, API answers, PDFs and photos
  carry personal data, and must not stay in a shared or browser cache.
- X-Content-Type-Options, Referrer-Policy and X-Frame-Options (for browsers without CSP 3).
"""

from __future__ import annotations

import secrets

from flask import Flask, has_request_context, request


def csp_nonce() -> str:
    """This response's script nonce (made on first use, kept on the request)."""
    if not has_request_context():
        return secrets.token_urlsafe(18)
    state = request._get_current_object().__dict__
    if "_wcn_csp_nonce" not in state:
        state["_wcn_csp_nonce"] = secrets.token_urlsafe(18)
    return state["_wcn_csp_nonce"]


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        hsts = int(app.config.get("HSTS_SECONDS") or 0)
        if hsts > 0:
            headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
        if not _is_static():
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response

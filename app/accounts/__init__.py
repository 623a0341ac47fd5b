"""Accounts: server-side sessions, API token families, the second factor (TOTP) and password reset
by email. The security manager (app/security.py) calls into these services; the pages are in
views.py, the API sign-in in api.py."""

"""Roles in plain words (app/roles/services.py) and their pages."""

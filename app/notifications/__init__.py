"""Notifications: an outbox of in-app and email messages, per-user email preferences, and the
triggers that write them (jobs finished or failed, band actions, daily reminders)."""

"""The start page after sign-in: panels chosen by what the person may see and does first."""

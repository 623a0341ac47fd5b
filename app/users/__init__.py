"""People who sign in: the users page in plain words (app/users/views.py)."""

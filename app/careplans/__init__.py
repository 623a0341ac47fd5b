"""Care plans: a resident's needs, what matters to them, outcomes, interventions and risks, in
versions that each review adds to (earlier versions stay, read-only)."""

"""Daily care records: care notes, charts, vital signs with NEWS2, and the unit board."""

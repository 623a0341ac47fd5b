"""`flask data anonymise`: an anonymised copy of the database for training and test systems.

`registry.py` says what each column holds (and so what the copy does with it), `fakes.py` makes the
consistent fake values, `copier.py` writes the copy, `cli.py` is the command.
"""

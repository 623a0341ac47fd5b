"""WriteCareNotes form engine: JSON Schema definitions with x- keys, safe rules, scoring, storage.

Public entry points (see forms/README.md):
    forms.definition.load_definition(source) -> FormDefinition
    forms.lint.lint(source) -> LintReport
    forms.engine.validate_and_score(definition, answers, *, locale=None, today=None) -> Result
    forms.rendering.build_form_class(definition, locale=None, *, base_class=wtforms.Form) -> type
    forms.printing.printable_rows(definition, submission, locale=None) -> list[dict]
    forms.store.build_store(config, engine=None) -> FormStore
The engine imports neither Flask-AppBuilder nor the app; only forms/cli.py imports Flask.
"""

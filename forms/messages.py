"""The engine's own user-facing messages, per locale (en-GB and cy).

Definitions carry their own labels; these are the messages the engine writes itself (validation errors,
yes/no, print headings). Unknown locales fall back to en-GB; unknown codes fall back to the code.
"""

from __future__ import annotations

DEFAULT_LOCALE = "en-GB"
LOCALES = ("en-GB", "cy")

MESSAGES: dict[str, dict[str, str]] = {
    "en-GB": {
        "required": "This question needs an answer.",
        "required_for_score": "This question needs an answer before the score can be worked out.",
        "unknown_field": "This is not a question on this form.",
        "calculated_field": "This value is calculated and cannot be entered.",
        "type_integer": "Enter a whole number.",
        "type_number": "Enter a number.",
        "type_string": "Enter text.",
        "type_boolean": "Answer yes or no.",
        "type_array": "Choose from the list.",
        "type_object": "This answer is not in the expected form.",
        "minimum": "Enter {limit} or more.",
        "maximum": "Enter {limit} or less.",
        "exclusive_minimum": "Enter more than {limit}.",
        "exclusive_maximum": "Enter less than {limit}.",
        "min_length": "Enter at least {limit} characters.",
        "max_length": "Enter no more than {limit} characters.",
        "min_items": "Give at least {limit}.",
        "max_items": "Give no more than {limit}.",
        "unique_items": "Each choice can be chosen only once.",
        "enum": "Choose one of the listed answers.",
        "pattern": "This answer is not in the expected format.",
        "decimals": "Enter no more than {places} decimal places.",
        "format_date": "Enter a date as YYYY-MM-DD.",
        "format_time": "Enter a time as HH:MM.",
        "format_date_time": "Enter a date and time as YYYY-MM-DDTHH:MM.",
        "invalid": "This answer is not valid.",
        "answers_not_object": "The answers must be a set of named answers.",
        "bad_value": "This answer could not be read: {detail}",
        "rule_failed": "A rule on this form could not be worked out: {detail}",
        "too_much_work": "This form's rules need too much work to score; ask for the form to be simplified.",
        "too_many_unanswered": "Too many questions are unanswered for a prorated score.",
        "yes": "Yes",
        "no": "No",
        "unanswered": "Not answered",
        "not_shown": "Not asked",
        "points": "Points",
        "total": "Total score",
        "band": "Result",
        "no_band": "No band",
        "signed_by": "Signed by {name} ({role}) at {signed_at}",
        "source": "Source",
        "copyright": "Copyright",
        "licence": "Licence",
        "form_version": "Form {key} version {version}, SHA-256 {sha256}",
        "prorated": "Score prorated for unanswered questions.",
        "incomplete": "Score incomplete: some questions were not answered.",
        "item": "Item {index}",
    },
    "cy": {
        "required": "Mae angen ateb y cwestiwn hwn.",
        "required_for_score": "Mae angen ateb y cwestiwn hwn cyn y gellir cyfrifo'r sgôr.",
        "unknown_field": "Nid yw hwn yn gwestiwn ar y ffurflen hon.",
        "calculated_field": "Caiff y gwerth hwn ei gyfrifo ac ni ellir ei roi.",
        "type_integer": "Rhowch rif cyfan.",
        "type_number": "Rhowch rif.",
        "type_string": "Rhowch destun.",
        "type_boolean": "Atebwch ie neu na.",
        "type_array": "Dewiswch o'r rhestr.",
        "type_object": "Nid yw'r ateb hwn yn y ffurf ddisgwyliedig.",
        "minimum": "Rhowch {limit} neu fwy.",
        "maximum": "Rhowch {limit} neu lai.",
        "exclusive_minimum": "Rhowch fwy na {limit}.",
        "exclusive_maximum": "Rhowch lai na {limit}.",
        "min_length": "Rhowch o leiaf {limit} nod.",
        "max_length": "Rhowch ddim mwy na {limit} nod.",
        "min_items": "Rhowch o leiaf {limit}.",
        "max_items": "Rhowch ddim mwy na {limit}.",
        "unique_items": "Dim ond unwaith y gellir dewis pob dewis.",
        "enum": "Dewiswch un o'r atebion a restrir.",
        "pattern": "Nid yw'r ateb hwn yn y fformat disgwyliedig.",
        "decimals": "Rhowch ddim mwy na {places} lle degol.",
        "format_date": "Rhowch ddyddiad fel BBBB-MM-DD.",
        "format_time": "Rhowch amser fel AA:MM.",
        "format_date_time": "Rhowch ddyddiad ac amser fel BBBB-MM-DDTAA:MM.",
        "invalid": "Nid yw'r ateb hwn yn ddilys.",
        "answers_not_object": "Rhaid i'r atebion fod yn set o atebion wedi'u henwi.",
        "bad_value": "Nid oedd modd darllen yr ateb hwn: {detail}",
        "rule_failed": "Nid oedd modd cyfrifo un o reolau'r ffurflen hon: {detail}",
        "too_much_work": (
            "Mae rheolau'r ffurflen hon yn gofyn gormod o waith i'w sgorio; gofynnwch i'r ffurflen gael ei symleiddio."
        ),
        "too_many_unanswered": "Mae gormod o gwestiynau heb eu hateb ar gyfer sgôr gyfrannol.",
        "yes": "Ie",
        "no": "Na",
        "unanswered": "Heb ei ateb",
        "not_shown": "Heb ei ofyn",
        "points": "Pwyntiau",
        "total": "Cyfanswm y sgôr",
        "band": "Canlyniad",
        "no_band": "Dim band",
        "signed_by": "Llofnodwyd gan {name} ({role}) am {signed_at}",
        "source": "Ffynhonnell",
        "copyright": "Hawlfraint",
        "licence": "Trwydded",
        "form_version": "Ffurflen {key} fersiwn {version}, SHA-256 {sha256}",
        "prorated": "Sgôr wedi'i chyfrannu ar gyfer cwestiynau heb eu hateb.",
        "incomplete": "Sgôr anghyflawn: ni atebwyd rhai cwestiynau.",
        "item": "Eitem {index}",
    },
}


def normalise_locale(locale: str | None) -> str:
    """Map 'cy', 'cy-GB', 'cy_GB' to 'cy' and anything English or unknown to 'en-GB'."""
    if not locale:
        return DEFAULT_LOCALE
    lang = str(locale).replace("_", "-").split("-")[0].lower()
    return "cy" if lang == "cy" else DEFAULT_LOCALE


def message(code: str, locale: str | None = None, **params: object) -> str:
    table = MESSAGES.get(normalise_locale(locale), MESSAGES[DEFAULT_LOCALE])
    template = table.get(code) or MESSAGES[DEFAULT_LOCALE].get(code) or code
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def localised(text: object, locale: str | None = None) -> str:
    """Pick a definition's text for a locale: {"en-GB": ..., "cy": ...} or a plain string."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, dict):
        loc = normalise_locale(locale)
        value = text.get(loc) or text.get(DEFAULT_LOCALE) or next(iter(text.values()), "")
        return str(value)
    return str(text)

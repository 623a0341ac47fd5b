"""The charts of daily care: one code per kind of observation, its unit, its standard coding and
the limits of what can be recorded.

`CHARTS[code]` is a `ChartSpec`. Each names its SNOMED CT or LOINC code where one exists, so a
later FHIR export maps one row to one Observation.code; codes with no standard equivalent carry
system "local" (http://writecarenotes.org/fhir/CodeSystem/chart) and say so.

Limits: a value outside `impossible` (low, high) is refused naming the field (SpO2 140 %,
temperature 60 °C, negative fluid); a value outside `plausible` needs a confirmation, which is
recorded with the value (a pulse of 220). Coded charts list their `choices` (value_text).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
LOCAL = "http://writecarenotes.org/fhir/CodeSystem/chart"

# NEWS2 total score (SNOMED CT UK clinical extension), for the score stored with a vitals set.
NEWS2_TOTAL = (SNOMED, "1104051000000101",
               "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score")
# The 24-hour totals a FHIR export reports next to the single entries.
FLUID_INTAKE_24H = (LOINC, "9108-2", "Fluid intake total 24 hour")
URINE_OUTPUT_24H = (LOINC, "9192-6", "Urine output 24 hour")
BMI = (LOINC, "39156-5", "Body mass index (BMI) [Ratio]")
BODY_HEIGHT = (LOINC, "8302-2", "Body height")


@dataclass(frozen=True)
class ChartSpec:
    label: object
    unit: str | None
    system: str
    system_code: str
    display: str
    impossible: tuple[Decimal | None, Decimal | None] = (None, None)
    plausible: tuple[Decimal | None, Decimal | None] = (None, None)
    integer: bool = False
    choices: tuple[str, ...] = ()  # allowed value_text (coded charts)
    value_choices: tuple[int, ...] = ()  # allowed values when only some numbers make sense
    value_required: bool = True
    text_required: bool = False
    vital: bool = False  # part of a vital-signs set
    news2_field: str | None = None  # the answer's name in the `news2` form definition
    decimals: int = 0

    @property
    def coding(self) -> dict:
        return {"system": self.system, "code": self.system_code, "display": self.display}


def D(value) -> Decimal:
    return Decimal(str(value))


MEALS = ("breakfast", "lunch", "tea", "supper", "snack")
POSITIONS = ("left", "right", "back", "sitting", "standing", "walking")
SKIN = ("ok", "red", "broken")
CONTINENCE = ("continent", "wet", "soiled", "wet_and_soiled", "catheter_emptied", "toilet_used")
ACVPU = ("A", "C", "V", "P", "U")

CHARTS: dict[str, ChartSpec] = {
    "fluid_in": ChartSpec(_l("Fluid intake"), "mL", LOCAL, "fluid_in",
                          "Fluid intake, one drink (24-hour total: LOINC 9108-2)",
                          impossible=(D(0), D(3000)), plausible=(D(0), D(1000)), integer=True),
    "fluid_out": ChartSpec(_l("Fluid output"), "mL", LOCAL, "fluid_out",
                           "Fluid output, one measure (24-hour urine output: LOINC 9192-6)",
                           impossible=(D(0), D(5000)), plausible=(D(0), D(2000)), integer=True),
    "food": ChartSpec(_l("Food eaten"), "%", LOCAL, "food", "Portion of a meal eaten",
                      impossible=(D(0), D(100)), integer=True, choices=MEALS, value_choices=(0, 25, 50, 75, 100),
                      text_required=True),
    "reposition": ChartSpec(_l("Repositioning"), None, SNOMED, "229824005", "Positioning patient (procedure)",
                            choices=POSITIONS, value_required=False, text_required=True),
    "skin_check": ChartSpec(_l("Skin check"), None, SNOMED, "225544001", "Skin care (regime/therapy)",
                            choices=SKIN, value_required=False, text_required=True),
    "continence": ChartSpec(_l("Continence"), None, LOCAL, "continence", "Continence check",
                            choices=CONTINENCE, value_required=False, text_required=True),
    "bowel": ChartSpec(_l("Bowels (Bristol stool type)"), None, LOCAL, "bristol",
                       "Bowel movement, Bristol stool form type 1-7 (value_text 'none': checked, none)",
                       impossible=(D(1), D(7)), integer=True, choices=("none",), value_required=False),
    "weight": ChartSpec(_l("Weight"), "kg", LOINC, "29463-7", "Body weight",
                        impossible=(D(20), D(300)), plausible=(D(30), D(200)), decimals=1),
    "systolic_bp": ChartSpec(_l("Systolic blood pressure"), "mmHg", LOINC, "8480-6", "Systolic blood pressure",
                             impossible=(D(40), D(300)), plausible=(D(70), D(230)), integer=True, vital=True,
                             news2_field="systolic_bp"),
    "diastolic_bp": ChartSpec(_l("Diastolic blood pressure"), "mmHg", LOINC, "8462-4", "Diastolic blood pressure",
                              impossible=(D(20), D(200)), plausible=(D(35), D(140)), integer=True, vital=True),
    "pulse": ChartSpec(_l("Pulse"), "/min", LOINC, "8867-4", "Heart rate",
                       impossible=(D(20), D(300)), plausible=(D(35), D(180)), integer=True, vital=True,
                       news2_field="pulse"),
    "temperature": ChartSpec(_l("Temperature"), "°C", LOINC, "8310-5", "Body temperature",
                             impossible=(D(25), D(45)), plausible=(D(34), D(41)), vital=True,
                             news2_field="temperature_c", decimals=1),
    "spo2": ChartSpec(_l("Oxygen saturation (SpO2)"), "%", LOINC, "59408-5",
                      "Oxygen saturation in Arterial blood by Pulse oximetry",
                      impossible=(D(50), D(100)), plausible=(D(70), D(100)), integer=True, vital=True,
                      news2_field="spo2_percent"),
    "spo2_scale": ChartSpec(_l("SpO2 scale"), None, LOCAL, "spo2_scale", "NEWS2 SpO2 scale (1 or 2)",
                            value_choices=(1, 2), integer=True, impossible=(D(1), D(2)), vital=True,
                            news2_field="spo2_scale"),
    "supplemental_oxygen": ChartSpec(_l("On oxygen"), None, SNOMED, "371907003", "Oxygen therapy (1 = on oxygen)",
                                     value_choices=(0, 1), integer=True, impossible=(D(0), D(1)), vital=True,
                                     news2_field="supplemental_oxygen"),
    "respiration_rate": ChartSpec(_l("Respiration rate"), "/min", LOINC, "9279-1", "Respiratory rate",
                                  impossible=(D(1), D(80)), plausible=(D(6), D(45)), integer=True, vital=True,
                                  news2_field="respiration_rate"),
    "consciousness": ChartSpec(_l("Consciousness (ACVPU)"), None, LOCAL, "acvpu",
                               "ACVPU: alert, new confusion, voice, pain, unresponsive",
                               choices=ACVPU, value_required=False, text_required=True, vital=True,
                               news2_field="consciousness"),
    "blood_glucose": ChartSpec(_l("Blood glucose"), "mmol/L", LOINC, "15074-8", "Glucose [Moles/volume] in Blood",
                               impossible=(D("0.5"), D(50)), plausible=(D(2), D(30)), vital=True, decimals=1),
    "pain": ChartSpec(_l("Pain score"), "/10", LOINC, "72514-3",
                      "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                      impossible=(D(0), D(10)), integer=True, vital=True),
}

# What a vitals set must have to be scored (NEWS2); the rest of the vitals are optional.
NEWS2_CODES = tuple(code for code, spec in CHARTS.items() if spec.news2_field)
OPTIONAL_VITALS = ("diastolic_bp", "blood_glucose", "pain")

# Soft signs of deterioration (RESTORE2-style prompts), recorded with a vitals set.
SOFT_SIGNS: dict[str, object] = {
    "new_confusion": _l("New confusion or more confused than usual"),
    "not_eating": _l("Not eating or drinking as usual"),
    "more_sleepy": _l("More sleepy than usual"),
    "new_pain": _l("New pain"),
    "less_mobile": _l("Less mobile or new falls"),
    "breathless": _l("More breathless"),
    "reduced_urine": _l("Passing less urine"),
    "skin_changes": _l("Skin colour or temperature changes"),
    "family_concern": _l("Family or staff say they are not themselves"),
}

CHOICE_LABELS: dict[str, object] = {
    "breakfast": _l("Breakfast"), "lunch": _l("Lunch"), "tea": _l("Tea"), "supper": _l("Supper"),
    "snack": _l("Snack"),
    "left": _l("Left side"), "right": _l("Right side"), "back": _l("On back"), "sitting": _l("Sitting"),
    "standing": _l("Standing"), "walking": _l("Walking"),
    "ok": _l("Skin intact"), "red": _l("Redness"), "broken": _l("Skin broken"),
    "continent": _l("Continent"), "wet": _l("Wet"), "soiled": _l("Soiled"), "wet_and_soiled": _l("Wet and soiled"),
    "catheter_emptied": _l("Catheter bag emptied"), "toilet_used": _l("Used the toilet"),
    "none": _l("No bowel movement"),
    "A": _l("Alert"), "C": _l("New confusion"), "V": _l("Responds to voice"), "P": _l("Responds to pain"),
    "U": _l("Unresponsive"),
}


def chart_label(code: str) -> str:
    spec = CHARTS.get(code)
    return str(spec.label) if spec is not None else code


def choice_label(value: str | None) -> str:
    if value is None:
        return ""
    label = CHOICE_LABELS.get(value)
    return str(label) if label is not None else value


__all__ = ["CHARTS", "ChartSpec", "NEWS2_CODES", "OPTIONAL_VITALS", "SOFT_SIGNS", "chart_label", "choice_label"]

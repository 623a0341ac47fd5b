"""Consistent fake values: the same real value gives the same fake one everywhere in the copy, and
the same secret gives the same copy again. Every choice is an HMAC-SHA256 of the secret and the
real value, so nothing of the real value can be read back without the secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import re

FIRST_NAMES = (
    "Aled Alys Amara Anwen Arlo Beatrix Bethan Cai Carys Cerys Ciaran Clemency Corin Dafydd Delyth Dilys Eben Efa "
    "Eira Elfed Elowen Emrys Enid Esme Ffion Gethin Glenys Gwilym Gwyneth Hafwen Hedd Heulwen Huw Idris Ifor Iola "
    "Iolo Isolde Jago Kerensa Lowri Luned Mabli Madoc Mairwen Meinir Meredith Morwenna Nerys Nesta Olwen Orla "
    "Osian Peredur Petra Rhiannon Rhodri Rhys Roscoe Rowena Seren Sioned Sorcha Tamsin Tegan Tegwen Teilo Tirion "
    "Tomos Torin Ulric Vaughan Wenna Wystan Yestin Ysolde Zenna Alaric Briony Cosmo Delphine Ephraim Fenella "
    "Godric Hermione Ignatius Jocasta Leopold Marigold Nathaniel Ottoline Percival Rosamund Sebastian Thomasina"
).split()
SURNAMES = (
    "Abernethy Ashdown Bellweather Blackthorn Brackenbury Bramwell Calloway Carrow Chadwick Colquhoun Cresswell "
    "Dalrymple Darnley Eddowes Fairweather Fenwick Gilchrist Glanville Greaves Hallam Hawksworth Heathcote "
    "Inchbald Jellicoe Kettlewell Lambourne Langridge Larkin Loxley Maddox Marchbank Merriweather Nettleton "
    "Oakeshott Ormerod Pardew Pennington Quartermain Ravenhill Rowntree Saltmarsh Selwood Shacklock Sturgess "
    "Tattersall Thistlewood Tremayne Underhill Vosper Wainwright Warburton Whitcombe Wolstenholme Yardley "
    "Ainsworth Bexley Culpepper Dimbleby Entwistle Fothergill Goodenough Hollingworth Ironside Kingdom "
    "Lightfoot Moorcroft Nightingale Oddie Prendergast Quilliam Rathbone Stainforth Trevelyan Upjohn Verity "
    "Wetherell Youngblood Attwater Birtwhistle Cholmondeley Dunwoody Everard Fishwick Gargrave Hebblethwaite"
).split()
STREETS = ("Acorn Way", "Bramble Lane", "Chestnut Road", "Dovecote Close", "Elm Grove", "Foxglove Avenue",
           "Garden Row", "Hawthorn Drive", "Ivy Terrace", "Juniper Street", "Kestrel Mews", "Larch Crescent",
           "Meadow View", "Nutmeg Walk", "Orchard Rise", "Poplar Place", "Quarry Hill", "Rowan Court")
TOWNS = ("Ambridge", "Borchester", "Casterbridge", "Dunwich Heath", "Eastwick", "Felpersham", "Greendale",
         "Hollyoaks", "Islington Vale", "Kingsbridge Parva", "Lowbridge", "Middlemarch", "Newtown Linford",
         "Oldbury Wells", "Pemberley", "Queensmead", "Summerisle", "Trumpton")
PLACES = ("Willow Tree Surgery", "Riverside Medical Centre", "Beacon Health Practice", "St Brannock's Hospital",
          "Northgate General Hospital", "Meadowbank Clinic", "County Council Adult Services",
          "Valley Integrated Care Board", "Harbourside Family Practice", "Hillcrest Community Hospital")
WORDS = (
    "calm settled comfortable morning afternoon evening night breakfast lunch supper drink tea water juice "
    "walked garden lounge chair bed room window music visitor family call chatted smiled rested slept woke "
    "support assist prompt encourage offered accepted declined enjoyed reviewed plan goal needs routine "
    "mobility frame wheelchair transfer position cushion skin cream wash bath shower dressed hair teeth "
    "appetite portion snack fluids weight chart monitor observe record report staff carer nurse team "
    "activity reading puzzle film singing craft quiet cheerful tired bright weather outing safe happy"
).split()
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord"}


def nhs_check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


class Faker:
    def __init__(self, secret: str):
        if not secret:
            raise ValueError("a secret is needed to make the copy")
        self._key = hashlib.sha256(("wcn-anonymise:" + secret).encode()).digest()
        self._nhs_used: dict[str, str] = {}
        self._nhs_taken: set[str] = set()

    # -- the one source of choices ---------------------------------------------------------------

    def number(self, purpose: str, value) -> int:
        msg = f"{purpose}\x00{value}".encode()
        return int.from_bytes(hmac.new(self._key, msg, hashlib.sha256).digest()[:8], "big")

    def rng(self, purpose: str, value) -> random.Random:
        return random.Random(self.number(purpose, value))  # noqa: S311 - not for secrets, only for fakes

    def _pick(self, pool, purpose: str, value: str) -> str:
        choice = pool[self.number(purpose, value.casefold()) % len(pool)]
        if choice.casefold() == value.casefold():
            choice = pool[(self.number(purpose, value.casefold()) + 1) % len(pool)]
        return choice

    # -- people ------------------------------------------------------------------------------

    def first_name(self, value: str) -> str:
        return " ".join(self._first_token(t) for t in value.split())

    def _first_token(self, token: str) -> str:
        return token if token.casefold().rstrip(".") in TITLES else self._pick(FIRST_NAMES, "first", token)

    def _last_token(self, token: str) -> str:
        return self._pick(SURNAMES, "last", token)

    def last_name(self, value: str) -> str:
        tokens = value.split()
        if not tokens:
            return value
        return " ".join([self._first_token(t) for t in tokens[:-1]] + [self._last_token(tokens[-1])])

    def name(self, value: str) -> str:
        """A full name: the last word is the surname (as in a last-name column), the others first names."""
        tokens = value.split()
        if len(tokens) < 2:
            return self.first_name(value)
        return self.last_name(value)

    def names(self, value: str) -> str:
        parts = [p.strip() for p in re.split(r",|;|/|&|\band\b", value) if p.strip()]
        return ", ".join(self.name(p) for p in parts)

    def username(self, value: str) -> str:
        first = self._pick(FIRST_NAMES, "user-first", value).lower()
        last = self._pick(SURNAMES, "user-last", value).lower()
        return f"{first}.{last}"

    def email(self, value: str) -> str:
        return f"{self.username(value.casefold())}.{self.number('email', value.casefold()) % 1000}@example.org"

    def phone(self, value: str) -> str:
        n = self.number("phone", re.sub(r"\D", "", value)) % 1000
        return f"07700 900{n:03d}" if re.sub(r"\D", "", value).startswith(("07", "447")) else f"01632 960{n:03d}"

    # -- places ------------------------------------------------------------------------------

    def address_line(self, value: str) -> str:
        rng = self.rng("street", value.casefold())
        return f"{rng.randint(1, 180)} {rng.choice(STREETS)}"

    def town(self, value: str) -> str:
        return self._pick(TOWNS, "town", value)

    def address(self, value: str) -> str:
        lines = [line for line in value.splitlines() if line.strip()] or [value]
        return "\n".join([self.address_line(lines[0]), self.town(value)])

    def postcode(self, value: str) -> str:
        rng = self.rng("postcode", re.sub(r"\s", "", value).upper())
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        area = rng.choice("BCDEFGHKLMNPRSTW") + rng.choice("ABDEHLMNRSTY")
        code = f"{area}{rng.randint(1, 29)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        return code if code.replace(" ", "") != re.sub(r"\s", "", value).upper() else self.postcode(value + "'")

    def place(self, value: str) -> str:
        return self._pick(PLACES, "place", value)

    # -- identifiers and dates ---------------------------------------------------------------

    def nhs_number(self, value: str) -> str:
        """A valid NHS number in the 999 range (never issued to a person), one per real number."""
        real = re.sub(r"\D", "", value)
        if real in self._nhs_used:
            return self._nhs_used[real]
        attempt = 0
        while True:
            body = f"999{self.number('nhs', f'{real}:{attempt}') % 1_000_000:06d}"
            check = nhs_check_digit(body)
            fake = f"{body}{check}" if check is not None else None
            if fake and fake not in self._nhs_taken and fake != real and len(set(fake)) > 1:
                break
            attempt += 1
        self._nhs_taken.add(fake)
        self._nhs_used[real] = fake
        return fake

    def day_shift(self, person) -> int:
        """Days (1 to 365, either way) by which one person's date of birth moves."""
        n = self.number("dob", person)
        days = 1 + n % 365
        return days if (n >> 20) % 2 else -days

    def date_of_birth(self, value: dt.date, person) -> dt.date:
        return value + dt.timedelta(days=self.day_shift(person))

    def reference(self, value: str) -> str:
        """The same shape (letters for letters, digits for digits, the rest kept), other characters."""
        rng = self.rng("reference", value)
        out = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") if c.isalpha() else str(rng.randint(0, 9))
                      if c.isdigit() else c for c in value)
        return out if out != value else self.reference(value + "'")[: len(value)]

    # -- free text ---------------------------------------------------------------------------

    def text(self, value: str) -> str:
        if not value.strip():
            return value
        rng = self.rng("text", value)
        words: list[str] = []
        target = max(1, min(len(value), 2000))
        while sum(len(w) + 1 for w in words) < target:
            words.append(rng.choice(WORDS))
        while len(words) > 1 and len(" ".join(words)) > target:
            words.pop()
        out = " ".join(words)[:target]
        out = out[:1].upper() + out[1:]
        return out + "." if value.rstrip().endswith(".") and not out.endswith(".") else out

"""Synthetic homeowners' associations of Sector 2 for the demo, the tests and the benchmarks (issue 15).

``generate(count, seed)`` gives the same associations for the same seed: real Sector 2 street names, blocks
numbered as on the ground (``P12``, ``V3``, ``14``), CUIs whose control digit holds, administrators each
managing several associations with a certificate (a few expired), and one e-mail address and phone per
association (an announcement to all reaches each address once). The people are invented. ``DEMO_CUIS`` are
the two associations the demo account ``asoc`` manages (both with lifts).

    python -m devstack.synthetic_associations [--count 2700] [--seed 15] > associations.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from datetime import date, timedelta

from chalicelib.domain.associations import HEADER, cui_control_digit

STREETS = (
    "Șos. Pantelimon",
    "Șos. Mihai Bravu",
    "Str. Ziduri Moși",
    "Bd. Ferdinand I",
    "Șos. Colentina",
    "Str. Fabrica de Glucoză",
    "Str. Maica Domnului",
    "Bd. Lacul Tei",
    "Șos. Ștefan cel Mare",
    "Bd. Dacia",
    "Str. Vatra Luminoasă",
    "Str. Baicului",
    "Str. Teiul Doamnei",
    "Str. Avrig",
    "Str. Doamna Ghica",
    "Șos. Iancului",
    "Str. Ritmului",
    "Str. Căpitan Preda",
    "Bd. Chișinău",
    "Str. Morarilor",
    "Șos. Andronache",
    "Str. Gherghiței",
    "Str. Heliade între Vii",
    "Bd. Pierre de Coubertin",
    "Str. Olari",
    "Str. Vasile Lascăr",
    "Str. Viitorului",
    "Str. Barbu Văcărescu",
    "Str. Aurel Vlaicu",
    "Str. Oltețului",
    "Str. Ion Maiorescu",
    "Str. Petricani",
    "Str. Plumbuita",
    "Str. Fântânica",
    "Str. Sportului",
    "Str. Lizeanu",
    "Bd. Carol I",
    "Str. Popa Nan",
    "Str. Delea Veche",
    "Str. Cernauți",
    "Str. Târgu Neamț",
    "Str. Lucrețiu Pătrășcanu",
)
FIRST = (
    "Ion",
    "Maria",
    "Elena",
    "Gheorghe",
    "Vasile",
    "Ana",
    "Mihai",
    "Ioana",
    "Cristina",
    "Dumitru",
    "Andrei",
    "Florin",
    "Simona",
    "Adrian",
    "Gabriela",
    "Răzvan",
    "Alexandra",
    "Ștefan",
    "Lucia",
    "Constantin",
)
LAST = (
    "Popescu",
    "Ionescu",
    "Dumitrescu",
    "Stan",
    "Stoica",
    "Gheorghiu",
    "Matei",
    "Constantinescu",
    "Radu",
    "Marin",
    "Tudor",
    "Dobre",
    "Barbu",
    "Nistor",
    "Florea",
    "Ene",
    "Preda",
    "Lungu",
    "Țăranu",
    "Munteanu",
)
FIRMS = ("Admin Bloc", "Casa Ta Administrare", "Proprietar Expert", "Bloc Servicii", "Tei Administrare")
ADMINISTRATORS = 240  # about 11 associations each, as in a sector's register
DEMO_COUNT = 2


def a_cui(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = str(rng.randint(10_000_000, 49_999_999))
        cui = body + str(cui_control_digit(body))
        if cui not in taken:
            taken.add(cui)
            return cui


def _administrators(rng: random.Random) -> list[tuple[str, str, str]]:
    """(name, certificate, expiry): persons and firms; about one in twenty certificates has expired."""
    people = []
    for n in range(1, ADMINISTRATORS + 1):
        name = f"SC {rng.choice(FIRMS)} {n} SRL" if n % 6 == 0 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        certificate = f"PS2-{2015 + n % 10}/{n:04d}"
        expiry = date(2026, 1, 1) + timedelta(days=rng.randint(-200, 365 * 4))
        people.append((name, certificate, expiry.isoformat()))
    return people


def generate(count: int = 2700, seed: int = 15) -> list[dict[str, str]]:
    """``count`` associations as CSV values (the import's header), the same for the same seed."""
    rng = random.Random(seed)
    taken: set[str] = set()
    administrators = _administrators(rng)
    rows: list[dict[str, str]] = []
    for n in range(count):
        street = STREETS[n % len(STREETS)]
        block = rng.choice(("", "P", "V", "M", "A", "B", "C")) + str(rng.randint(1, 90))
        apartments = rng.choice((12, 20, 24, 40, 44, 60, 80, 88, 110, 140))
        lifts = rng.choice((0, 1, 1, 2, 2, 4)) if apartments > 20 else 0
        if n < DEMO_COUNT:  # the demo account's associations may enrol in the lift programme
            apartments, lifts = max(apartments, 40), max(lifts, 2)
        stairs = max(1, apartments // 44)
        name, certificate, expiry = administrators[rng.randrange(len(administrators))]
        rows.append(
            {
                "cui": a_cui(rng, taken),
                "name": f"Asociația de Proprietari Bloc {block}, {street}",
                "street": street,
                "number": str(rng.randint(1, 300)) + rng.choice(("", "", "", "A", "B")),
                "block": block,
                "staircases": ";".join("ABCDEFGH"[:stairs]),
                "apartments": str(apartments),
                "lifts": str(lifts),
                "administrator_name": name,
                "administrator_certificate": certificate,
                "administrator_certificate_expiry": expiry,
                "president_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "email": f"asociatia.{n + 1:04d}@example.ro",
                "phone": f"07{2 + n % 5}{n:07d}",
            }
        )
    return rows


DEMO_CUIS = tuple(row["cui"] for row in generate(DEMO_COUNT))


def to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(HEADER), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2700)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    sys.stdout.buffer.write(to_csv(generate(args.count, args.seed)))


if __name__ == "__main__":
    main()

"""Drop-off rush: 200 citizens use their drop-off codes at once at a 24-compartment locker (issue 14).

``python -m bench.dropoff_rush [citizens] [compartments]``. Runs on the local stack (the emulator's DynamoDB
and SNS over HTTP; the locker events go through the real handler, as the bridge or the IoT rule calls it,
from 32 threads at once). Round after round, everyone still holding a code types it at the same moment:
as many as there are free compartments get ``unlock`` purpose ``dropoff``, the others ``reject`` ``full``
(their code stays valid); each opened door closes on its file (registration number, SMS); staff take the
files out; the next round begins. Prints per round the unlocks and the ``full`` answers, the double
bookings (must be 0: no compartment opened for two files, no file given two compartments), and the time
from the door closing to the registration SMS handed to SNS, p50/p99 over every citizen.
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.instrument import bench_deps, bench_stack, event, fmt, online_locker, percentiles
from chalicelib.services import dropoff, online_requests
from chalicelib.services.citizen_access import Citizen, owner_of
from chalicelib.services.deps import Deps
from chalicelib.services.locker_dropoff import retrieve_dropped_file
from chalicelib.services.request_records import get_request

SERVICE = "certificat-de-urbanism"
ANSWERS = {
    "scop": "construire",
    "adresa_imobil": "Str. Avrig nr. 12",
    "suprafata_teren": 420,
    "modificari_fatada": False,
    "operatiuni_notariale": False,
}
FILE = [
    "cerere-tip",
    "dovada-platii",
    "plan-situatie-1-2000",
    "plan-situatie-1-500",
    "extras-plan-cadastral",
    "extras-carte-funciara",
]


class SmsClock:
    """Wraps the SMS sender: remembers each phone's last PIN and when each registration SMS left."""

    def __init__(self, deps: Deps) -> None:
        self.pins: dict[str, str] = {}
        self.registered_at: dict[str, float] = {}
        self._lock = threading.Lock()
        send = deps.sms.send

        def timed(phone: str, body: str) -> str:
            message_id = send(phone, body)
            with self._lock:
                found = re.search(r"PIN (\d{8})", body)
                if found:
                    self.pins[phone] = found.group(1)
                if "dosar depus" in body:
                    self.registered_at[phone] = time.perf_counter()
            return message_id

        deps.sms.send = timed  # type: ignore[method-assign]


def main(citizens: int = 200, compartments: int = 24) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        stack = bench_stack(Path(tmp))
        try:
            deps = bench_deps(stack)
            layout = [{"id": f"{'ABCD'[i // 8]}{i % 8 + 1:02d}", "size": "S"} for i in range(compartments)]
            locker = online_locker(deps, "rush", layout)
            sms = SmsClock(deps)
            waiting = _drafts_with_codes(deps, locker, citizens)
            rounds: list[Counter[str]] = []
            closed_at: dict[str, float] = {}
            double = 0
            with ThreadPoolExecutor(max_workers=32) as pool:
                while waiting:
                    event(deps, locker, "heartbeat")
                    outcomes = list(pool.map(lambda c: _type_code(deps, locker, c, sms), waiting))
                    tally = Counter(outcome for outcome, _ in outcomes)
                    rounds.append(tally)
                    opened = [(c, cmd) for c, (outcome, cmd) in zip(waiting, outcomes, strict=True) if cmd]
                    compartments_opened = [cmd["compartment"] for _, cmd in opened]
                    double += len(compartments_opened) - len(set(compartments_opened))
                    if not opened:
                        raise RuntimeError(f"no compartment opened in a round: {dict(tally)}")
                    list(pool.map(lambda job: _close_door(deps, locker, job, closed_at), opened))
                    for citizen, _ in opened:
                        _collect(deps, locker, citizen[1])
                    done = {c[1] for c, _ in opened}
                    waiting = [c for c in waiting if c[1] not in done]
        finally:
            stack.stop()
    delays = [(sms.registered_at[phone] - closed_at[phone]) * 1000 for phone in closed_at if phone in sms.registered_at]
    print(f"Drop-off rush: {citizens} citizens, one locker of {compartments} compartments, 32 threads at once")
    for n, tally in enumerate(rounds, 1):
        print(
            f"  round {n}: {tally.get('unlock', 0):>3} unlock, {tally.get('reject:full', 0):>3} full, "
            f"other {sum(v for k, v in tally.items() if k not in ('unlock', 'reject:full'))}"
        )
    print(f"  double bookings          {double}")
    print(f"  registered by SMS        {len(delays)} of {citizens}")
    print(f"  door closed -> SMS sent  {fmt(percentiles(delays))}")
    return {"rounds": [dict(r) for r in rounds], "double_bookings": double, "door_to_sms": percentiles(delays)}


def _drafts_with_codes(deps: Deps, locker: str, count: int) -> list[tuple[str, str]]:
    """(phone, request id) of ``count`` citizens, each holding a drop-off code for a complete file."""
    made = []
    for n in range(count):
        phone = f"+407{n:08d}"
        citizen = Citizen(owner=owner_of(deps, phone), phone=phone)
        record = online_requests.create_request(
            deps, citizen, {"serviceId": SERVICE, "answers": {**ANSWERS, "adresa_imobil": f"Str. Avrig {n}"}}, "locker"
        )
        dropoff.request_dropoff(deps, citizen, record.id, {"lockerId": locker, "size": "S", "documents": FILE})
        made.append((phone, record.id))
    return made


def _type_code(deps: Deps, locker: str, citizen: tuple[str, str], sms: SmsClock) -> tuple[str, dict[str, Any] | None]:
    outcome = event(deps, locker, "pin", code=sms.pins[citizen[0]])
    if outcome != "unlock":
        return outcome, None
    record = get_request(deps, citizen[1])
    return outcome, {"compartment": record.compartment, "id": record.dropoff_cmd}


def _close_door(
    deps: Deps, locker: str, job: tuple[tuple[str, str], dict[str, Any]], closed_at: dict[str, float]
) -> None:
    citizen, command = job
    event(deps, locker, "door_opened", compartment=command["compartment"], cmd=command["id"])
    closed_at[citizen[0]] = time.perf_counter()
    outcome = event(deps, locker, "door_closed", compartment=command["compartment"], cmd=command["id"])
    if outcome != "registered":
        raise RuntimeError(f"door closed on {citizen[1]}: {outcome}")


def _collect(deps: Deps, locker: str, request_id: str) -> None:
    """Staff take the file out (the retrieve command and its door cycle)."""
    compartment = retrieve_dropped_file(deps, "bench", get_request(deps, request_id))
    cmd = get_request(deps, request_id).retrieve_cmd
    event(deps, locker, "door_opened", compartment=compartment, cmd=cmd)
    event(deps, locker, "door_closed", compartment=compartment, cmd=cmd)


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])

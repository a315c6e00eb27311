"""Where the local stack keeps everything it persists, and ``make reset`` (``python -m devstack.datadir reset``).

The folder is ``EPS2_DATA_DIR``, by default ``.local/data`` in the checkout. It holds the AWS
emulator's snapshot (``aws-state.pickle``: tables, SMS outbox, IoT), Mosquitto's store
(``mosquitto.db``), the simulated lockers' state, the local secrets and the logs. A new or empty
folder starts clean, with the demo data. A folder becomes the stack's when it is first used (a
marker file says so); the stack refuses a non-empty folder that is not one, and reset deletes
only such a folder, and never while a stack runs on it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / ".local" / "data"
MARKER = ".eps2-data"
PID_FILE = "launcher.pid"


class DataDirError(RuntimeError):
    """The folder is not one the stack may use or delete; the message says why and what to do."""


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    raw = environ.get("EPS2_DATA_DIR", "").strip()
    return Path(raw).expanduser().resolve() if raw else DEFAULT


def claim(path: Path) -> None:
    """Make ``path`` the stack's data folder: create it, or accept it if it is empty or already one."""
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    if marker.exists():
        return
    if any(path.iterdir()):
        raise DataDirError(f"{path} is not empty and holds no ePS2 local data: choose another EPS2_DATA_DIR")
    marker.write_text("ePS2 local stack data (see README, 'Where local data lives'); `make reset` deletes it.\n")


def running_pid(path: Path) -> int | None:
    """The launcher using ``path``, if it is still alive."""
    try:
        pid = int((path / PID_FILE).read_text().strip())
        os.kill(pid, 0)
    except PermissionError:
        return pid  # alive, owned by someone else
    except (OSError, ValueError):
        return None
    return pid


def reset(path: Path) -> str:
    if not path.exists():
        return f"{path} does not exist: nothing to reset"
    if not (path / MARKER).exists():
        raise DataDirError(f"{path} is not an ePS2 data folder (no {MARKER}): not deleting it")
    pid = running_pid(path)
    if pid is not None:
        raise DataDirError(f"a local stack (pid {pid}) is running on {path}: stop it first (Ctrl-C)")
    shutil.rmtree(path)
    return f"Deleted {path}: the next `make run` starts clean, with the demo data."


def main(argv: list[str]) -> int:
    if argv != ["reset"]:
        print("usage: python -m devstack.datadir reset", file=sys.stderr)
        return 2
    try:
        print(reset(data_dir()))
    except DataDirError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A stage's settings as its Lambdas will see them: the environment of ``.chalice/config.json`` (global, then stage).

The template, provisioning and the local stack read the topic prefix, table prefix and the rest
from here, so one edit of ``.chalice/config.json`` changes the functions, the IoT rules and the
locker policy together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.config import Settings

ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"


def stage_environment(stage: str, config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    config: dict[str, Any] = json.loads(config_path.read_text())
    if stage not in config.get("stages", {}):
        raise KeyError(f"stage '{stage}' is not in {config_path}")
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


def stage_settings(stage: str, config_path: Path = CHALICE_CONFIG) -> Settings:
    # Imported here: provisioning (iot/) reads stage environments without importing the backend.
    from chalicelib.config import load_settings

    return load_settings(stage_environment(stage, config_path))


def stage_policy(stage: str, root: Path = ROOT) -> dict[str, Any]:
    """The IAM policy Chalice gives the stage's functions (``iam_policy_file``), as written."""
    config = json.loads((root / ".chalice" / "config.json").read_text())
    name = config["stages"][stage].get("iam_policy_file", f"policy-{stage}.json")
    return dict(json.loads((root / ".chalice" / name).read_text()))

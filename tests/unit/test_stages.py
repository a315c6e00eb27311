"""Stage configuration: the dev outbox exists only on the local stage; every stage's settings load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chalice.test import Client

from app import app
from chalicelib.config import load_settings

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_outbox_is_404_outside_the_local_stage(stage):
    with Client(app, stage_name=stage) as client:
        reply = client.http.get("/api/dev/outbox")
    assert reply.status_code == 404
    assert json.loads(reply.body)["error"] == "not_found"


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_every_stage_has_a_complete_configuration(stage):
    env = {**CONFIG["environment_variables"], **CONFIG["stages"][stage]["environment_variables"]}
    settings = load_settings(env)
    assert settings.stage == stage
    assert settings.table_prefix == f"eps2-{stage}"
    if stage != "local":
        assert settings.secrets_parameter and settings.staff_directory == "cognito"
        assert settings.public_base_url.startswith("https://")

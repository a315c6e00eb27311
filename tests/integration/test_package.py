"""The deployable package: templates inside, no dev or device packages, a template cfn-lint accepts."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from chalicelib.storage import models
from tests.support.template import resources_of, unscoped_statements

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("awscrt", "awsiot", "moto", "paho", "pytest", "playwright", "chalice/cli", "devstack", "tests", "iot/")


@pytest.fixture(scope="module")
def package() -> Path:
    env = {**os.environ, "STAGE": "prod", "AWS_DEFAULT_REGION": "eu-central-1"}
    subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, env=env, check=True, timeout=600)
    return ROOT / "build" / "prod"


def test_zip_contains_templates_and_no_dev_or_device_packages(package: Path):
    archive = package / "deployment.zip"
    names = zipfile.ZipFile(archive).namelist()
    size_mb = archive.stat().st_size / 1e6
    print(f"\ndeployment.zip: {size_mb:.2f} MB, {len(names)} files")
    assert "templates/pickup.html" in names and "templates/static/site.css" in names
    assert "app.py" in names and "chalicelib/wiring.py" in names
    # The receipt's PDF library and its Unicode font (Romanian letters), with the font's licence.
    fonts = {
        "templates/fonts/DejaVuSans.ttf",
        "templates/fonts/DejaVuSans-Bold.ttf",
        "templates/fonts/LICENSE-DejaVu.txt",
    }
    assert fonts <= set(names) and "fpdf/fpdf.py" in names
    assert not [n for n in names if n.startswith(FORBIDDEN)]
    assert size_mb < 15


def test_the_packaged_pdf_library_draws_romanian_letters_with_the_packaged_font(package: Path, tmp_path: Path):
    """fpdf2 and fontTools from the zip alone (no site-packages), without fontTools' stripped speed-ups."""
    zipfile.ZipFile(package / "deployment.zip").extractall(tmp_path)
    assert not list((tmp_path / "fontTools").rglob("*.so"))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from fpdf import FPDF; pdf = FPDF(); "
        "pdf.add_font('D', '', sys.argv[1] + '/templates/fonts/DejaVuSans.ttf'); pdf.set_font('D', size=12); "
        "pdf.add_page(); pdf.cell(text='Dovada înregistrării: ș ț Ș Ț'); sys.stdout.buffer.write(bytes(pdf.output()))"
    )
    drawn = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-S", "-c", script, str(tmp_path)], capture_output=True, check=True
    )
    assert drawn.stdout.startswith(b"%PDF-") and b"DejaVu" in drawn.stdout


def test_template_has_tables_rule_policy_and_user_pool(package: Path):
    template = json.loads((package / "sam.json").read_text())
    resources = template["Resources"]
    rule = resources["LockerEventsRule"]["Properties"]["TopicRulePayload"]
    assert rule["Sql"] == "SELECT *, topic(3) AS locker FROM 'eps2/lockers/+/evt'"
    assert "ErrorAction" in rule
    assert resources["LockerEventsFailureDestination"]["Properties"]["DestinationConfig"]["OnFailure"]
    tables = [r for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == len(models.BASE_NAMES)
    for table in tables:
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["DeletionProtectionEnabled"] is True
    assert any("TimeToLiveSpecification" in t["Properties"] for t in tables)
    assert resources["StaffUserPool"]["Type"] == "AWS::Cognito::UserPool"
    policy = json.dumps(resources["LockerPolicy"]["Properties"]["PolicyDocument"])
    assert "${!iot:Connection.Thing.ThingName}" in policy and "/cmd" in policy


def test_the_merged_template_scopes_every_function_role_and_wires_every_alarm(package: Path):
    """Chalice writes the roles from the policy file; the merge must replace them with the scoped ones."""
    template = json.loads((package / "sam.json").read_text())
    roles = resources_of(template, "AWS::IAM::Role")
    assert {"ApiHandlerRole", "ScheduledJobRole", "LockerEventsRole", "DeadLetterForwarderRole"} <= set(roles)
    assert unscoped_statements(template) == []
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 14
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "OperatorsTopic"}] for a in alarms.values())
    assert set(template["Parameters"]) >= {"AlarmEmail", "SmsMonthlySpendLimit"}


def test_the_locker_event_function_runs_its_own_light_handler_from_the_package(package: Path):
    template = json.loads((package / "sam.json").read_text())
    function = template["Resources"]["LockerEvents"]["Properties"]
    assert function["Handler"] == "chalicelib.locker_lambda.handler"
    assert "chalicelib/locker_lambda.py" in zipfile.ZipFile(package / "deployment.zip").namelist()


def test_cfn_lint_accepts_the_template(package: Path):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), str(package / "sam.json")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Provisioning against the local AWS emulator: thing, certificate from a CSR, the template's locker policy."""

from __future__ import annotations

import json
import tomllib

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.build_template import build
from iot.config import parse_config
from iot.policy import policy_name
from iot.provision import main
from tests.support.template import REGION, resolve


def make_csr(locker_id: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, locker_id)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def provision_args(stack, tmp_path, locker_id: str, stage: str) -> list[str]:
    (tmp_path / "locker.csr").write_text(make_csr(locker_id))
    return [
        locker_id,
        "--csr",
        str(tmp_path / "locker.csr"),
        "--out",
        str(tmp_path / "out"),
        "--public-key",
        f"k1={stack.secrets['signing_public_key']}",
        "--compartments",
        "A01,A02",
        "--endpoint-url",
        stack.aws_endpoint,
        "--region",
        REGION,
        "--stage",
        stage,
    ]


def test_provisioning_creates_thing_certificate_and_a_policy_for_its_own_topics(stack, tmp_path):
    out = tmp_path / "out"
    code = main(provision_args(stack, tmp_path, "ps2-test-77", "prod"))
    assert code == 0
    iot = boto3.client("iot", endpoint_url=stack.aws_endpoint, region_name="eu-central-1")
    assert iot.describe_thing(thingName="ps2-test-77")["thingName"] == "ps2-test-77"
    principals = iot.list_thing_principals(thingName="ps2-test-77")["principals"]
    assert len(principals) == 1
    policies = iot.list_attached_policies(target=principals[0])["policies"]
    document = json.loads(iot.get_policy(policyName=policies[0]["policyName"])["policyDocument"])
    # The very policy the stage's template deploys: same name, same document once CloudFormation renders it.
    deployed = build("prod")["Resources"]["LockerPolicy"]["Properties"]
    assert [p["policyName"] for p in policies] == [deployed["PolicyName"]] == [policy_name("prod")]
    assert document == resolve(deployed["PolicyDocument"])
    by_action: dict[str, list[str]] = {}
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        by_action.setdefault(statement["Action"], []).extend(resources)
    thing = "${iot:Connection.Thing.ThingName}"
    assert by_action["iot:Connect"] == [f"arn:aws:iot:eu-central-1:123456789012:client/{thing}"]
    assert [r.split(":", 5)[5] for r in by_action["iot:Publish"]] == [
        f"topic/eps2/lockers/{thing}/evt",
        f"topic/eps2/lockers/{thing}/state",
        f"topic/eps2/lockers/{thing}/status",
    ]
    assert all("/cmd" not in r for r in by_action["iot:Publish"] + by_action["iot:RetainPublish"])
    assert [r.split(":", 5)[5] for r in by_action["iot:RetainPublish"]] == [
        f"topic/eps2/lockers/{thing}/state",
        f"topic/eps2/lockers/{thing}/status",
    ]
    assert by_action["iot:Subscribe"][0].endswith(f"topicfilter/eps2/lockers/{thing}/cmd")
    assert by_action["iot:Receive"][0].endswith(f"topic/eps2/lockers/{thing}/cmd")
    assert "*" not in json.dumps(document)
    config_text = (out / "locker.toml").read_text()
    assert tomllib.loads(config_text)["locker_id"] == "ps2-test-77"
    assert tomllib.loads(config_text)["topic_prefix"] == "eps2/lockers"  # the stage's, so the agent follows it
    assert "BEGIN CERTIFICATE" in (out / "certificate.pem").read_text()


def test_a_stage_policy_that_differs_from_the_template_s_is_not_attached(stack, tmp_path, capsys):
    iot = boto3.client("iot", endpoint_url=stack.aws_endpoint, region_name=REGION)
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}
    iot.create_policy(policyName=policy_name("dev"), policyDocument=json.dumps(wide))
    assert main(provision_args(stack, tmp_path, "ps2-test-78", "dev")) == 1
    assert "differs" in capsys.readouterr().err
    assert "ps2-test-78" not in [t["thingName"] for t in iot.list_things()["things"]]


def test_bad_agent_config_is_refused_with_a_clear_message(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "locker.toml"
    bad.write_text('locker_id = "Bad Id"\n')
    result = subprocess.run([sys.executable, "-m", "iot", "--config", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and "locker_id" in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "iot", "--config", str(tmp_path / "none.toml")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_good_config_parses(stack):
    config = parse_config(
        f'locker_id = "ps2-hq-01"\n[mqtt]\nhost = "127.0.0.1"\nport = 1883\n'
        f'[keyring]\nk1 = "{stack.secrets["signing_public_key"]}"\n[[compartments]]\nid = "A01"\n'
    )
    assert config.topic("cmd") == "eps2/lockers/ps2-hq-01/cmd"

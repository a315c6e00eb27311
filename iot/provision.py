"""``python -m iot.provision <lockerId>``: register a locker as an AWS IoT thing.

Creates the thing and a certificate from a CSR made on the device (the private
key never leaves it), attaches the stage's locker IoT policy (own topics only)
and writes the device config. On AWS the policy is the one the stage's template
deployed (``eps2-<stage>-locker``): it is attached, after checking that it is
the document ``iot.policy`` describes; on the local emulator, where no template
runs, it is created first. The topic prefix is the stage's ``EPS2_TOPIC_PREFIX``
(``.chalice/config.json``), written into the device config as well.

On the device:  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\
                  -keyout /etc/eps2/private.key -subj "/CN=<lockerId>" -out locker.csr
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from .policy import DEFAULT_TOPIC_PREFIX, locker_policy, plain_arns, policy_name


class PolicyMismatch(RuntimeError):
    """The stage's locker policy exists with another document: redeploy the template rather than attach it."""


def ensure_locker_policy(iot: Any, name: str, document: dict[str, Any]) -> None:
    try:
        existing = json.loads(iot.get_policy(policyName=name)["policyDocument"])
    except iot.exceptions.ResourceNotFoundException:
        iot.create_policy(policyName=name, policyDocument=json.dumps(document))
        return
    if existing != document:
        raise PolicyMismatch(f"IoT policy {name} differs from iot/policy.py: deploy the stage's template first")


def provision(
    iot: Any,
    sts_account: str,
    region: str,
    locker_id: str,
    csr_pem: str,
    stage: str = "prod",
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> dict[str, str]:
    name = policy_name(stage)
    ensure_locker_policy(iot, name, locker_policy(plain_arns(region, sts_account), topic_prefix))
    iot.create_thing(thingName=locker_id, attributePayload={"attributes": {"app": "eps2"}})
    certificate = iot.create_certificate_from_csr(certificateSigningRequest=csr_pem, setAsActive=True)
    iot.attach_policy(policyName=name, target=certificate["certificateArn"])
    iot.attach_thing_principal(thingName=locker_id, principal=certificate["certificateArn"])
    endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    return {
        "certificateArn": certificate["certificateArn"],
        "certificatePem": certificate["certificatePem"],
        "endpoint": endpoint,
    }


def device_config(
    locker_id: str,
    endpoint: str,
    public_keys: dict[str, str],
    compartments: list[str],
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> str:
    lines = [
        f'locker_id = "{locker_id}"',
        'state_dir = "/var/lib/eps2"',
        f'topic_prefix = "{topic_prefix}"',
        "",
        "[mqtt]",
        f'host = "{endpoint}"',
        "port = 8883",
        'cert = "/etc/eps2/certificate.pem"',
        'key = "/etc/eps2/private.key"',
        'ca = "/etc/eps2/AmazonRootCA1.pem"',
        "",
        "[keyring]",
        *[f'{kid} = "{key}"' for kid, key in public_keys.items()],
        "",
    ]
    for index, cid in enumerate(compartments):
        lines += [
            "[[compartments]]",
            f'id = "{cid}"',
            f"relay_pin = {2 + 2 * index}",
            f"sensor_pin = {3 + 2 * index}",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iot.provision", description="Register a locker in AWS IoT.")
    parser.add_argument("locker_id")
    parser.add_argument("--csr", type=Path, required=True, help="CSR made on the device")
    parser.add_argument(
        "--public-key",
        action="append",
        required=True,
        metavar="KID=BASE64URL",
        help="backend signing public key(s) for the keyring",
    )
    parser.add_argument("--compartments", default=",".join(f"{c}{r:02d}" for c in "ABC" for r in range(1, 9)))
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for certificate.pem and locker.toml")
    parser.add_argument("--endpoint-url", default=None, help="AWS emulator URL (local stack)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--stage", default="prod", help="the stage whose policy and topic prefix to use")
    args = parser.parse_args(argv)
    from infra.stages import stage_environment  # the stage's EPS2_TOPIC_PREFIX, as its Lambdas and rules see it

    prefix = stage_environment(args.stage).get("EPS2_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name or "eu-central-1"
    iot = session.client("iot", endpoint_url=args.endpoint_url, region_name=region)
    account = session.client("sts", endpoint_url=args.endpoint_url, region_name=region).get_caller_identity()["Account"]
    keys = dict(item.split("=", 1) for item in args.public_key)
    try:
        result = provision(iot, account, region, args.locker_id, args.csr.read_text(), args.stage, prefix)
    except PolicyMismatch as error:
        print(error, file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "certificate.pem").write_text(result["certificatePem"])
    (args.out / "locker.toml").write_text(
        device_config(args.locker_id, result["endpoint"], keys, args.compartments.split(","), prefix)
    )
    print(f"Provisioned {args.locker_id}: {result['certificateArn']}\nWrote {args.out}/certificate.pem and locker.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())

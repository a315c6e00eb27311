"""``python -m iot.provision <lockerId>``: register a locker as an AWS IoT thing.

Creates the thing, a certificate from a CSR made on the device (the private
key never leaves it), the locker IoT policy (own topics only), attaches them,
and writes the device config. Works against AWS and against the local emulator
(``--endpoint-url``).

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

from .policy import locker_policy, plain_arns

POLICY_NAME = "eps2-locker"


def provision(iot: Any, sts_account: str, region: str, locker_id: str, csr_pem: str) -> dict[str, str]:
    iot.create_thing(thingName=locker_id, attributePayload={"attributes": {"app": "eps2"}})
    certificate = iot.create_certificate_from_csr(certificateSigningRequest=csr_pem, setAsActive=True)
    document = json.dumps(locker_policy(plain_arns(region, sts_account)))
    try:
        iot.create_policy(policyName=POLICY_NAME, policyDocument=document)
    except iot.exceptions.ResourceAlreadyExistsException:
        pass
    iot.attach_policy(policyName=POLICY_NAME, target=certificate["certificateArn"])
    iot.attach_thing_principal(thingName=locker_id, principal=certificate["certificateArn"])
    endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    return {
        "certificateArn": certificate["certificateArn"],
        "certificatePem": certificate["certificatePem"],
        "endpoint": endpoint,
    }


def device_config(locker_id: str, endpoint: str, public_keys: dict[str, str], compartments: list[str]) -> str:
    lines = [
        f'locker_id = "{locker_id}"',
        'state_dir = "/var/lib/eps2"',
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
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name or "eu-central-1"
    iot = session.client("iot", endpoint_url=args.endpoint_url, region_name=region)
    account = session.client("sts", endpoint_url=args.endpoint_url, region_name=region).get_caller_identity()["Account"]
    keys = dict(item.split("=", 1) for item in args.public_key)
    result = provision(iot, account, region, args.locker_id, args.csr.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "certificate.pem").write_text(result["certificatePem"])
    (args.out / "locker.toml").write_text(
        device_config(args.locker_id, result["endpoint"], keys, args.compartments.split(","))
    )
    print(f"Provisioned {args.locker_id}: {result['certificateArn']}\nWrote {args.out}/certificate.pem and locker.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())

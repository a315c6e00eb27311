"""`make deploy-site` against the AWS emulator's S3: every file with its Content-Type, a year's cache for
hashed names and five minutes for the rest, stale objects deleted, the stack's outputs found, CloudFront invalidated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.secrets import generate
from devstack.stack import LocalStack, free_port
from infra import deploy_site
from infra.deploy_site import LONG_CACHE, SHORT_CACHE, UnknownFileType

REGION = "eu-central-1"
# A site of every kind `make site` writes, named as it names them.
FAKE_SITE = {
    "index.html": "<!doctype html><title>Acasă</title>",
    "404.html": "<!doctype html><title>Pagina nu există</title>",
    "en/index.html": "<!doctype html><title>Home</title>",
    "servicii/certificat-de-urbanism/index.html": "<!doctype html><title>Certificat</title>",
    "static/site.15b097bcd7.css": "body{}",
    "static/search.1bdae31495.js": "void 0;",
    "sitemap.xml": "<urlset/>",
    "robots.txt": "User-agent: *",
    "catalog.jsonld": "{}",
    "pagefind/pagefind.js": "export {};",
    "pagefind/pagefind-worker.js": "void 0;",
    "pagefind/pagefind-entry.json": "{}",
    "pagefind/wasm.ro.pagefind": "\x00asm",
    "pagefind/pagefind.ro_d087d8edbd.pf_meta": "\x1f\x8b",
    "pagefind/index/ro_4ff71ef.pf_index": "\x1f\x8b",
    "pagefind/fragment/ro_0ffe037.pf_fragment": "\x1f\x8b",
}
EXPECTED = {
    "index.html": ("text/html; charset=utf-8", SHORT_CACHE),
    "servicii/certificat-de-urbanism/index.html": ("text/html; charset=utf-8", SHORT_CACHE),
    "static/site.15b097bcd7.css": ("text/css; charset=utf-8", LONG_CACHE),
    "static/search.1bdae31495.js": ("text/javascript; charset=utf-8", LONG_CACHE),
    "sitemap.xml": ("application/xml", SHORT_CACHE),
    "robots.txt": ("text/plain; charset=utf-8", SHORT_CACHE),
    "catalog.jsonld": ("application/ld+json", SHORT_CACHE),
    "pagefind/pagefind.js": ("text/javascript; charset=utf-8", SHORT_CACHE),
    "pagefind/pagefind-entry.json": ("application/json", SHORT_CACHE),
    "pagefind/wasm.ro.pagefind": ("application/octet-stream", SHORT_CACHE),
    "pagefind/pagefind.ro_d087d8edbd.pf_meta": ("application/octet-stream", LONG_CACHE),
    "pagefind/index/ro_4ff71ef.pf_index": ("application/octet-stream", LONG_CACHE),
    "pagefind/fragment/ro_0ffe037.pf_fragment": ("application/octet-stream", LONG_CACHE),
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    aws = LocalStack(
        free_port(), free_port(), free_port(), state_dir=tmp_path_factory.mktemp("aws"), secrets=generate()
    )
    aws.start_aws()
    try:
        yield aws.aws_endpoint
    finally:
        aws.stop()


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator accepts any credentials; boto3 wants some (main() builds its own clients)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def client(emulator: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=emulator, region_name=REGION)


def make_site(root: Path, files: dict[str, str] = FAKE_SITE) -> Path:
    for key, text in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(text.encode("utf-8"))
    return root


def new_bucket(s3: Any, name: str) -> str:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def test_every_file_arrives_with_its_content_type_and_cache_policy(emulator, tmp_path):
    s3 = client(emulator, "s3")
    bucket = new_bucket(s3, "site-headers")
    uploaded, deleted = deploy_site.deploy(s3, bucket, make_site(tmp_path))
    assert (uploaded, deleted) == (len(FAKE_SITE), [])
    for key, (content_type, cache) in EXPECTED.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache), key
    body = s3.get_object(Bucket=bucket, Key="servicii/certificat-de-urbanism/index.html")["Body"].read()
    assert body.decode() == FAKE_SITE["servicii/certificat-de-urbanism/index.html"]


def test_a_second_deploy_deletes_what_the_build_no_longer_has(emulator, tmp_path):
    s3 = client(emulator, "s3")
    bucket = new_bucket(s3, "site-stale")
    deploy_site.deploy(s3, bucket, make_site(tmp_path / "old"))
    newer = dict(FAKE_SITE)
    newer.pop("static/site.15b097bcd7.css")
    newer["static/site.0123456789.css"] = "body{color:black}"
    _, deleted = deploy_site.deploy(s3, bucket, make_site(tmp_path / "new", newer))
    assert deleted == ["static/site.15b097bcd7.css"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == set(newer)


def test_a_file_of_unknown_kind_stops_the_deploy_before_any_upload(emulator, tmp_path):
    s3 = client(emulator, "s3")
    bucket = new_bucket(s3, "site-unknown")
    with pytest.raises(UnknownFileType, match="notes.docx"):
        deploy_site.deploy(s3, bucket, make_site(tmp_path, {**FAKE_SITE, "notes.docx": "?"}))
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_the_stage_finds_its_bucket_in_the_stack_outputs_and_invalidates_the_distribution(emulator, tmp_path):
    cloudfront = client(emulator, "cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "deploy-site-test",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "site.s3.amazonaws.com"}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )["Distribution"]["Id"]
    stack = {
        "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "site-from-stack"}}},
        "Outputs": {
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "SiteDistributionId": {"Value": distribution},
        },
    }
    client(emulator, "cloudformation").create_stack(StackName="eps2-staging", TemplateBody=json.dumps(stack))
    site = make_site(tmp_path)
    argv = ["--stage", "staging", "--site", str(site), "--endpoint-url", emulator, "--invalidate"]
    assert deploy_site.main(argv) == 0
    head = client(emulator, "s3").head_object(Bucket="site-from-stack", Key="index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] == 1
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidations["Items"][0]["Id"])
    assert batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_the_real_build_has_no_file_of_unknown_kind(tmp_path):
    from infra.build_site import build

    site = tmp_path / "site"
    build(site)  # what `make site` builds, fresh (build/site may be stale or absent)
    uploads = deploy_site.plan(site)
    assert any(u.cache_control == LONG_CACHE for u in uploads)
    assert all(u.cache_control == SHORT_CACHE for u in uploads if u.key.endswith(".html"))

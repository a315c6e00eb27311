"""The file store port, the same on S3 (the AWS emulator over HTTP, real presigned POST and GET) and in
memory: an upload within the policy is stored and inspected, a wrong content type is refused, a missing
object reads as None, a deleted one is gone, downloads name the file."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from typing import Any

import pytest
import requests

from chalicelib.adapters.memory_files import MemoryFiles
from chalicelib.adapters.s3_files import S3Files
from chalicelib.config import Settings
from chalicelib.ports import FileStore, Upload
from chalicelib.wiring import aws_client

PDF = b"%PDF-1.7\n" + b"x" * 2000


@pytest.fixture(scope="module")
def s3_files(aws: Settings) -> S3Files:
    client = aws_client("s3", aws)
    bucket = f"contract-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    return S3Files(client, bucket)


@pytest.fixture(params=["memory", "s3"])
def files(request: pytest.FixtureRequest) -> Any:
    return MemoryFiles() if request.param == "memory" else request.getfixturevalue("s3_files")


def send(files: FileStore, upload: Upload, content: bytes, content_type: str) -> bool:
    """The citizen's browser posting the form: True when the store accepted the file."""
    if isinstance(files, MemoryFiles):
        return files.put(upload.fields["key"], content, content_type)
    response = requests.post(upload.url, data=upload.fields, files={"file": ("f", content, content_type)}, timeout=10)
    return response.status_code in (200, 201, 204)


def test_an_upload_within_the_policy_is_stored_and_inspected(files: FileStore) -> None:
    key = f"req/{uuid.uuid4().hex}"
    upload = files.upload(key, "application/pdf", 10_000, 300)
    assert send(files, upload, PDF, "application/pdf")
    stored = files.inspect(key, 8)
    assert stored is not None and stored.size == len(PDF) and stored.first_bytes == PDF[:8]


def test_nothing_uploaded_reads_as_none_and_a_deleted_file_is_gone(files: FileStore) -> None:
    key = f"req/{uuid.uuid4().hex}"
    assert files.inspect(key, 8) is None
    assert send(files, files.upload(key, "application/pdf", 10_000, 300), PDF, "application/pdf")
    files.delete(key)
    assert files.inspect(key, 8) is None
    files.delete(key)  # deleting twice is no error


def test_a_download_link_names_the_file(files: FileStore) -> None:
    key = f"req/{uuid.uuid4().hex}"
    assert send(files, files.upload(key, "application/pdf", 10_000, 300), PDF, "application/pdf")
    url = files.download_url(key, "Răspuns cerere.pdf", "application/pdf", 60)
    if isinstance(files, MemoryFiles):
        assert "R%C4%83spuns" in url
        return
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == PDF
        assert "R%C4%83spuns%20cerere.pdf" in response.headers["Content-Disposition"]


def test_the_upload_policy_carries_the_size_limit_and_the_content_type(files: FileStore) -> None:
    """S3 refuses a POST outside its policy; the AWS emulator does not check policies, so on it the policy is
    read back here, and the backend checks every stored object again before a request is registered."""
    key = f"req/{uuid.uuid4().hex}"
    upload = files.upload(key, "application/pdf", 1_000, 300)
    if isinstance(files, MemoryFiles):
        assert not files.put(key, PDF, "application/pdf")  # 2 KB over a 1 KB policy
        assert not files.put(key, b"%PDF-1", "image/png")
        assert files.inspect(key, 8) is None
        return
    policy = json.loads(base64.b64decode(upload.fields["policy"]))
    assert ["content-length-range", 1, 1_000] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]

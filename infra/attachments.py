"""The online requests' files on AWS: a private, encrypted bucket that citizens and staff reach only with
presigned POSTs and GETs the API signs (files never pass through the Lambda).

All public access is blocked, objects are owned by the bucket (no ACLs), encrypted at rest (SSE-S3),
reached over HTTPS only, and not versioned: a deleted file (a refused upload, the retention rule of
``services/jobs.py``) is gone, not kept as an old version. Uploads abandoned half-way are aborted after a
day. CORS allows the portal's origin (the stage's ``EPS2_PUBLIC_BASE_URL``) to GET and POST, nothing else.
The API may put, get and delete objects; the scheduled job only delete them; neither may list or
reconfigure the bucket.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .cdn import private_bucket_properties

BUCKET = "AttachmentsBucket"
ABORT_UPLOADS_AFTER_DAYS = 1
CORS_MAX_AGE_S = 600
# Which function may do what to the objects (logical ids of build_template.FUNCTIONS).
OBJECT_ACTIONS = {
    "APIHandler": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
    "ScheduledJob": ["s3:DeleteObject"],
}


def origin(public_base_url: str) -> str:
    """``scheme://host[:port]`` of the portal's address: what a browser sends as ``Origin``."""
    parts = urlsplit(public_base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"EPS2_PUBLIC_BASE_URL {public_base_url!r}: an http(s) address")
    return f"{parts.scheme}://{parts.netloc}"


def resources(public_base_url: str) -> dict[str, Any]:
    return {BUCKET: _bucket(origin(public_base_url)), f"{BUCKET}Policy": _https_only()}


def _bucket(portal: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        # Registry documents: the retention rule deletes them, never a stack update.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            **private_bucket_properties(),
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-multipart-uploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_UPLOADS_AFTER_DAYS},
                    }
                ]
            },
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedOrigins": [portal],
                        "AllowedMethods": ["GET", "POST"],
                        "AllowedHeaders": ["*"],
                        "MaxAge": CORS_MAX_AGE_S,
                    }
                ]
            },
        },
    }


def _https_only() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "HttpsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [{"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}, {"Fn::GetAtt": [BUCKET, "Arn"]}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def object_statement(function: str) -> dict[str, Any] | None:
    """The function's rights on the bucket's objects (none on the bucket itself), or None."""
    actions = OBJECT_ACTIONS.get(function)
    if actions is None:
        return None
    return {
        "Sid": "AttachmentObjects",
        "Effect": "Allow",
        "Action": actions,
        "Resource": {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"},
    }

"""The associations' directory on AWS: the API may only put objects under the directory's prefixes of the
site bucket, knows the bucket's name, and a site deploy never deletes what the API published."""

from __future__ import annotations

from typing import Any

from infra import association_site, cdn
from infra.build_template import FUNCTIONS, build
from infra.deploy_site import deploy


def test_only_the_api_may_put_the_directorys_objects_and_nothing_else_of_the_site() -> None:
    template = build("prod")
    for function, (role, _) in FUNCTIONS.items():
        document = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
        site = [s for s in document["Statement"] if cdn.BUCKET in str(s.get("Resource"))]
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        if function == "APIHandler":
            assert [s["Action"] for s in site] == [["s3:PutObject"]]
            assert [r["Fn::Sub"] for r in site[0]["Resource"]] == [
                "${SiteBucket.Arn}/asociatii/*",
                "${SiteBucket.Arn}/en/asociatii/*",
            ]
            assert variables["EPS2_SITE_BUCKET"] == {"Ref": cdn.BUCKET}
        else:
            assert site == [] and "EPS2_SITE_BUCKET" not in variables


class FakeBucket:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = dict(objects)

    def put_object(self, **kwargs: Any) -> None:
        body = kwargs["Body"]
        self.objects[kwargs["Key"]] = body if isinstance(body, bytes) else body.read()

    def get_paginator(self, name: str) -> Any:
        keys = sorted(self.objects)

        class Pages:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                return [{"Contents": [{"Key": k} for k in keys]}]

        return Pages()

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:
        for item in Delete["Objects"]:
            self.objects.pop(item["Key"], None)


def a_build(root: Any) -> Any:
    (root / "index.html").write_text("<p>acasă</p>")
    (root / "asociatii").mkdir()
    (root / "asociatii" / "index.html").write_text("<p>se publică după primul import</p>")
    return root


def test_a_site_deploy_keeps_the_published_directory(tmp_path: Any) -> None:
    published = {"asociatii/index.html": b"<p>2700 de asociatii</p>", "en/asociatii/pantelimon/index.html": b"x"}
    bucket = FakeBucket({"old.html": b"old", **published})
    _, deleted = deploy(bucket, "site", a_build(tmp_path))
    assert deleted == ["old.html"]
    assert {key: bucket.objects[key] for key in published} == published  # neither overwritten nor deleted
    assert association_site.PREFIXES == ("asociatii/", "en/asociatii/")


def test_a_first_deploy_puts_the_directorys_placeholder(tmp_path: Any) -> None:
    bucket = FakeBucket({})
    deploy(bucket, "site", a_build(tmp_path))
    assert b"primul import" in bucket.objects["asociatii/index.html"]

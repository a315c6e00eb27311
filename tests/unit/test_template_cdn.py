"""The portal's CloudFront and S3 in the template: a private bucket read only by the distribution, the API's
paths to API Gateway, the site's CSP without 'unsafe-inline' with HSTS, and directory URLs served from S3."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from chalicelib.web.pages import STATIC_SITE_HEADERS
from infra import cdn
from infra.build_template import build
from infra.routing_table import API_PATHS


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build("prod")


def distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"][cdn.DISTRIBUTION]["Properties"]["DistributionConfig"])


def origin(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    return next(o for o in config["Origins"] if o["Id"] == origin_id)


def test_the_bucket_is_private_and_readable_only_by_the_distribution_through_oac(template):
    bucket = template["Resources"][cdn.BUCKET]
    assert set(bucket["Properties"]["PublicAccessBlockConfiguration"].values()) == {True}
    policy = template["Resources"][f"{cdn.BUCKET}Policy"]
    allowed = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allowed and all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in allowed)
    for statement in allowed:
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(f":distribution/${{{cdn.DISTRIBUTION}}}")
    site = origin(distribution_config(template), cdn.S3_ORIGIN)
    assert site["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    access_control = template["Resources"][site["OriginAccessControlId"]["Fn::GetAtt"][0]]["Properties"]
    assert access_control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert access_control["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"


def test_every_api_path_of_the_routing_table_goes_uncached_to_the_stacks_api_gateway(template):
    config = distribution_config(template)
    api = origin(config, cdn.API_ORIGIN)
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert api["OriginPath"] == "/api"  # the stage chalice packages for prod (.chalice/config.json)
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == set(API_PATHS)
    for pattern, behaviour in behaviours.items():
        assert behaviour["TargetOriginId"] == cdn.API_ORIGIN, pattern
        assert set(behaviour["AllowedMethods"]) >= {"GET", "POST", "PUT", "DELETE", "PATCH"}, pattern
        assert behaviour["CachePolicyId"] == cdn.CACHING_DISABLED, pattern
        assert behaviour["OriginRequestPolicyId"] == cdn.ALL_VIEWER_EXCEPT_HOST, pattern
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == cdn.S3_ORIGIN


def test_every_answer_carries_the_sites_csp_without_unsafe_inline_and_hsts(template):
    config = distribution_config(template)
    for behaviour in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": cdn.HEADERS_POLICY}
    policy = template["Resources"][cdn.HEADERS_POLICY]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "unsafe-inline" not in csp
    assert csp == STATIC_SITE_HEADERS["Content-Security-Policy"]  # what the local origin sends
    assert "'wasm-unsafe-eval'" in csp.split("script-src")[1].split(";")[0]  # Pagefind
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 63072000 and hsts["IncludeSubdomains"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_without_a_domain_the_distribution_has_no_alias_and_cloudfronts_certificate(template):
    config = distribution_config(template)
    assert template["Parameters"]["SiteDomainName"]["Default"] == ""
    assert template["Parameters"]["SiteCertificateArn"]["Default"] == ""
    condition, _, without = config["Aliases"]["Fn::If"]
    assert without == {"Ref": "AWS::NoValue"}
    assert template["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteDomainName"}, ""]}]}
    assert config["ViewerCertificate"]["Fn::If"][2] == {"CloudFrontDefaultCertificate": True}
    assert "CustomErrorResponses" not in config  # they would replace the API's JSON 404s
    assert {"SiteBucketName", "SiteDistributionId", "SiteDistributionDomain"} <= set(template["Outputs"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront Function's code")
def test_directory_urls_in_both_languages_are_served_from_their_index_html():
    uris = ["/", "/en", "/en/", "/servicii/", "/servicii/certificat-de-urbanism", "/en/servicii/petitie/"]
    files = ["/static/site.15b097bcd7.css", "/pagefind/pagefind.js", "/sitemap.xml", "/404.html"]
    driver = "console.log(JSON.stringify(URIS.map(function (uri) { return handler({request: {uri: uri}}).uri; })));"
    script = cdn.INDEX_FUNCTION_CODE + driver.replace("URIS", json.dumps(uris + files))
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(result.stdout) == [
        "/index.html",
        "/en/index.html",
        "/en/index.html",
        "/servicii/index.html",
        "/servicii/certificat-de-urbanism/index.html",
        "/en/servicii/petitie/index.html",
        *files,
    ]


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront Functions' code")
def test_english_query_redirects_and_missing_site_pages_go_to_the_404_page_of_their_language():
    driver = (
        "console.log(JSON.stringify(["
        "handler({request: {uri: '/servicii/', querystring: {lang: {value: 'en'}}}}),"
        "handler({request: {uri: '/en/', querystring: {lang: {value: 'en'}}}}).uri]));"
    )
    result = subprocess.run(
        ["node", "-e", cdn.INDEX_FUNCTION_CODE + driver], capture_output=True, text=True, check=True
    )
    redirect, kept = json.loads(result.stdout)
    assert redirect["statusCode"] == 303 and redirect["headers"]["location"]["value"] == "/en/servicii/"
    assert kept == "/en/index.html"
    driver = (
        "var r = function (uri, code) {"
        " return handler({request: {uri: uri}, response: {statusCode: code, headers: {}}}); };"
        "console.log(JSON.stringify([r('/nu/', 404), r('/en/nu/', 403), r('/servicii/', 200), r('/404.html', 404)]));"
    )
    result = subprocess.run(
        ["node", "-e", cdn.NOT_FOUND_FUNCTION_CODE + driver], capture_output=True, text=True, check=True
    )
    missing, missing_en, found, page = json.loads(result.stdout)
    assert missing["statusCode"] == 302 and missing["headers"]["location"]["value"] == "/404.html"
    assert missing_en["headers"]["location"]["value"] == "/en/404.html"
    assert found["statusCode"] == 200 and page["statusCode"] == 404


def test_cloudfront_proves_itself_to_the_api_with_the_stacks_secret(template):
    api = origin(distribution_config(template), cdn.API_ORIGIN)
    assert api["OriginCustomHeaders"] == [{"HeaderName": cdn.ORIGIN_VERIFY, "HeaderValue": {"Ref": cdn.ORIGIN_SECRET}}]
    parameter = template["Parameters"][cdn.ORIGIN_SECRET]
    assert parameter["NoEcho"] is True and parameter["MinLength"] >= 32 and "Default" not in parameter
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["EPS2_ORIGIN_VERIFY"] == {"Ref": cdn.ORIGIN_SECRET}

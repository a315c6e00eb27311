"""The public portal on AWS: a private S3 bucket for ``build/site`` behind a CloudFront distribution
that also routes the API's paths to the stack's API Gateway, so citizens see one origin.

The bucket blocks all public access; only this distribution reads it, through Origin Access
Control (the bucket policy names it by ``AWS:SourceArn``). Every pattern of
``infra/routing_table.API_PATHS`` gets its own cache behaviour to API Gateway, uncached, with every
viewer header but ``Host`` (and CloudFront's ``CloudFront-Viewer-Address``, which
``chalicelib/web/client.py`` reads). Everything else is the static site: a CloudFront Function maps
``/x/`` and ``/x`` to ``/x/index.html``, since S3's REST endpoint has no index documents. One
response-headers policy sets the site's CSP (``chalicelib/web/pages.py``), HSTS and the rest on
every answer. A custom domain is optional: ``SiteDomainName`` with ``SiteCertificateArn``, an ACM
certificate in us-east-1; left empty, the distribution answers on its cloudfront.net name.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.web.pages import STATIC_SITE_HEADERS

from .routing_table import API_PATHS
from .stages import CHALICE_CONFIG

BUCKET = "SiteBucket"
DISTRIBUTION = "SiteDistribution"
HEADERS_POLICY = "SiteResponseHeadersPolicy"
INDEX_FUNCTION = "SiteIndexFunction"
NOT_FOUND_FUNCTION = "SiteNotFoundFunction"
ACCESS_CONTROL = "SiteOriginAccessControl"
S3_ORIGIN, API_ORIGIN = "site", "api"
HAS_DOMAIN, HAS_CERTIFICATE = "HasSiteDomain", "HasSiteCertificate"
# AWS's managed policies (their ids are the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# Every viewer header, cookie and query string except Host (API Gateway answers only to its own
# name), plus CloudFront's own headers, CloudFront-Viewer-Address among them.
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
HSTS_SECONDS = 2 * 365 * 24 * 3600
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]

# S3's REST endpoint serves keys, not directories: /servicii/x/ and /servicii/x are /servicii/x/index.html.
INDEX_FUNCTION_CODE = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var lang = request.querystring && request.querystring.lang;
  if (lang && lang.value === "en" && uri !== "/en" && uri.indexOf("/en/") !== 0) {
    return {statusCode: 303, statusDescription: "See Other", headers: {location: {value: "/en" + uri}}};
  }
  if (uri.endsWith("/")) {
    request.uri = uri + "index.html";
  } else if (uri.slice(uri.lastIndexOf("/") + 1).indexOf(".") === -1) {
    request.uri = uri + "/index.html";
  }
  return request;
}
"""

# Viewer-response on the site's behaviour only: a missing page (S3 answers 404, or 403 without ListBucket)
# is sent to the 404 page of its language. CloudFront Functions cannot replace a body, so this is a redirect
# (the 404 page itself says noindex); the API's behaviours keep their own answers.
NOT_FOUND_FUNCTION_CODE = """\
function handler(event) {
  var response = event.response;
  if (response.statusCode === 404 || response.statusCode === 403) {
    var page = event.request.uri.indexOf("/en/") === 0 ? "/en/404.html" : "/404.html";
    if (event.request.uri === page) {
      return response;
    }
    response.statusCode = 302;
    response.statusDescription = "Found";
    response.headers["location"] = {value: page};
    response.headers["cache-control"] = {value: "no-store"};
  }
  return response;
}
"""

ORIGIN_SECRET = "OriginVerifySecret"
ORIGIN_VERIFY = "X-Eps2-Origin-Verify"

PARAMETERS: dict[str, Any] = {
    "SiteDomainName": {
        "Type": "String",
        "Description": "The portal's own domain (e.g. servicii.ps2.ro); empty: the distribution's cloudfront.net name.",
        "Default": "",
        "AllowedPattern": r"^$|^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$",
        "ConstraintDescription": "empty, or a lower-case domain name",
    },
    "SiteCertificateArn": {
        "Type": "String",
        "Description": "ACM certificate for SiteDomainName, issued in us-east-1 (CloudFront's region).",
        "Default": "",
        "AllowedPattern": r"^$|^arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$",
        "ConstraintDescription": "empty, or an ACM certificate ARN in us-east-1",
    },
    ORIGIN_SECRET: {
        "Type": "String",
        "NoEcho": True,
        "Description": "A random value CloudFront sends the API (X-Eps2-Origin-Verify): only beside it is"
        " CloudFront-Viewer-Address believed for per-address limits (e.g. `openssl rand -hex 32`).",
        "MinLength": 32,
        "AllowedPattern": r"^[A-Za-z0-9_-]+$",
        "ConstraintDescription": "32 or more letters, digits, - or _",
    },
}
CONDITIONS: dict[str, Any] = {
    HAS_DOMAIN: {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteDomainName"}, ""]}]},
    HAS_CERTIFICATE: {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteCertificateArn"}, ""]}]},
}


def _both_or_neither(given: str, needed: str) -> dict[str, Any]:
    return {
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": given}, ""]}]},
        "Assertions": [
            {
                "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": needed}, ""]}]},
                "AssertDescription": "SiteDomainName and SiteCertificateArn (ACM, us-east-1) go together.",
            }
        ],
    }


RULES: dict[str, Any] = {
    "SiteDomainHasCertificate": _both_or_neither("SiteDomainName", "SiteCertificateArn"),
    "SiteCertificateHasDomain": _both_or_neither("SiteCertificateArn", "SiteDomainName"),
}


OUTPUTS: dict[str, Any] = {
    "SiteBucketName": {"Value": {"Ref": BUCKET}},
    "SiteDistributionId": {"Value": {"Ref": DISTRIBUTION}},
    "SiteDistributionDomain": {"Value": {"Fn::GetAtt": [DISTRIBUTION, "DomainName"]}},
}


def api_gateway_stage(stage: str) -> str:
    """The API Gateway stage ``chalice package`` deploys for ``stage`` (its URLs start with it)."""
    config = json.loads(CHALICE_CONFIG.read_text())
    return str(config["stages"][stage].get("api_gateway_stage", config.get("api_gateway_stage", "api")))


def resources(stage: str) -> dict[str, Any]:
    return {
        BUCKET: _bucket(),
        f"{BUCKET}Policy": _bucket_policy(),
        ACCESS_CONTROL: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": f"eps2-{stage}-site",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        INDEX_FUNCTION: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": f"eps2-{stage}-site-index",
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "/x/ and /x are /x/index.html", "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": INDEX_FUNCTION_CODE,
            },
        },
        NOT_FOUND_FUNCTION: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": f"eps2-{stage}-site-not-found",
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "a missing site page goes to /404.html", "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": NOT_FOUND_FUNCTION_CODE,
            },
        },
        HEADERS_POLICY: _headers_policy(stage),
        DISTRIBUTION: _distribution(stage),
    }


def private_bucket_properties() -> dict[str, Any]:
    """What every ePS2 bucket is: no public access, no ACLs, encrypted at rest (SSE-S3)."""
    return {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    }


def _bucket() -> dict[str, Any]:
    return {"Type": "AWS::S3::Bucket", "Properties": private_bucket_properties()}


def _bucket_policy() -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": [BUCKET, "Arn"]}
    objects_arn = {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}
    distribution = f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}"
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        # ListBucket: a missing page is S3's 404 (not 403), which the distribution maps to 404.html.
                        "Sid": "ReadByTheDistributionOnly",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [objects_arn, bucket_arn],
                        "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": distribution}}},
                    },
                    {
                        "Sid": "HttpsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [objects_arn, bucket_arn],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _headers_policy(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {
            "ResponseHeadersPolicyConfig": {
                "Name": f"eps2-{stage}-site-headers",
                "Comment": "The static site's CSP (chalicelib/web/pages.py), HSTS and the usual security headers",
                "SecurityHeadersConfig": {
                    # Not overriding: the API's pages send their own, stricter CSP.
                    "ContentSecurityPolicy": {
                        "ContentSecurityPolicy": STATIC_SITE_HEADERS["Content-Security-Policy"],
                        "Override": False,
                    },
                    "StrictTransportSecurity": {
                        "AccessControlMaxAgeSec": HSTS_SECONDS,
                        "IncludeSubdomains": True,
                        "Override": True,
                    },
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"FrameOption": "DENY", "Override": True},
                    "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
                },
            }
        },
    }


def _api_behaviour(pattern: str) -> dict[str, Any]:
    return {
        "PathPattern": pattern,
        "TargetOriginId": API_ORIGIN,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": ALL_METHODS,
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": CACHING_DISABLED,
        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
        "ResponseHeadersPolicyId": {"Ref": HEADERS_POLICY},
        "Compress": True,
    }


def _distribution(stage: str) -> dict[str, Any]:
    certificate = {
        "Fn::If": [
            HAS_CERTIFICATE,
            {
                "AcmCertificateArn": {"Ref": "SiteCertificateArn"},
                "SslSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
            {"CloudFrontDefaultCertificate": True},
        ]
    }
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Comment": f"ePS2 {stage}: the static portal and the API paths of infra/routing_table.py",
                "Enabled": True,
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": "PriceClass_100",
                "Aliases": {"Fn::If": [HAS_DOMAIN, [{"Ref": "SiteDomainName"}], {"Ref": "AWS::NoValue"}]},
                "ViewerCertificate": certificate,
                "Origins": [
                    {
                        "Id": S3_ORIGIN,
                        "DomainName": {"Fn::GetAtt": [BUCKET, "RegionalDomainName"]},
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                        "OriginAccessControlId": {"Fn::GetAtt": [ACCESS_CONTROL, "Id"]},
                    },
                    {
                        "Id": API_ORIGIN,
                        "DomainName": {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
                        # /api/services reaches the stage's /api/services route: the path is kept whole.
                        "OriginPath": f"/{api_gateway_stage(stage)}",
                        "CustomOriginConfig": {
                            "OriginProtocolPolicy": "https-only",
                            "OriginSSLProtocols": ["TLSv1.2"],
                        },
                        # the API believes CloudFront-Viewer-Address only beside this (chalicelib/web/client.py)
                        "OriginCustomHeaders": [{"HeaderName": ORIGIN_VERIFY, "HeaderValue": {"Ref": ORIGIN_SECRET}}],
                    },
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": S3_ORIGIN,
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ResponseHeadersPolicyId": {"Ref": HEADERS_POLICY},
                    "Compress": True,
                    "FunctionAssociations": [
                        {
                            "EventType": "viewer-request",
                            "FunctionARN": {"Fn::GetAtt": [INDEX_FUNCTION, "FunctionMetadata.FunctionARN"]},
                        },
                        {
                            "EventType": "viewer-response",
                            "FunctionARN": {"Fn::GetAtt": [NOT_FOUND_FUNCTION, "FunctionMetadata.FunctionARN"]},
                        },
                    ],
                },
                "CacheBehaviors": [_api_behaviour(pattern) for pattern in API_PATHS],
                # No distribution-wide CustomErrorResponses: they would replace the API's own 404s (its JSON errors,
                # the QR page's "code not valid"); the site's misses go to /404.html through NOT_FOUND_FUNCTION.
            }
        },
    }

"""Linked data for the portal: schema.org ``GovernmentService`` on each service page, and the whole
catalogue as CPSV-AP 3 JSON-LD (``catalog.jsonld``) for the national catalogue of public services.

The CPSV-AP export is self-contained (an inline ``@context`` of prefixes, no remote context to fetch),
keeps both languages as language-tagged literals, and names nodes by the portal's own URLs. Pure
functions over the catalogue's service records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from infra.site_content import AUDIENCES, CATEGORIES, CHANNELS, HEADQUARTERS, LIFE_EVENTS, Text, pick

Service = dict[str, Any]

ORGANISATION = ("Primăria Sectorului 2", "Sector 2 City Hall")
AREA = ("Sectorul 2, București", "Sector 2, Bucharest")
CPSV_CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "adms": "http://www.w3.org/ns/adms#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
RON = "http://publications.europa.eu/resource/authority/currency/RON"
# ADMS status: an available service is in force; a suspended one is withdrawn until further notice.
STATUS = {"available": "http://purl.org/adms/status/Completed", "suspended": "http://purl.org/adms/status/Withdrawn"}


def service_url(base_url: str, service_id: str, lang: str = "ro") -> str:
    return f"{base_url}{'/en' if lang == 'en' else ''}/servicii/{service_id}/"


def government_service(service: Service, lang: str, base_url: str) -> dict[str, Any]:
    """The schema.org description of one service, in the page's language."""
    url = service_url(base_url, service["id"], lang)
    headquarters = _postal_address(HEADQUARTERS.address)
    department = service["department"]
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "@id": url + "#service",
        "url": url,
        "name": pick(service["title"], lang),
        "description": pick(service["description"], lang),
        "serviceType": pick(CATEGORIES[service["category"]], lang),
        "areaServed": {"@type": "AdministrativeArea", "name": pick(AREA, lang)},
        "audience": {
            "@type": "Audience",
            "audienceType": ", ".join(pick(AUDIENCES[kind], lang) for kind in service["audience"]["kinds"]),
            "description": pick(service["audience"]["description"], lang),
        },
        "provider": {
            "@type": "GovernmentOrganization",
            "name": pick(ORGANISATION, lang),
            "address": headquarters,
            "telephone": "+40212096000",
        },
        "serviceOperator": {
            "@type": "GovernmentOrganization",
            "name": pick(department["name"], lang),
            **({"address": _postal_address(department["address"])} if department["address"] else {}),
        },
        # The channels' details are on the page; repeating them here would only make it heavier.
        "availableChannel": [
            {
                "@type": "ServiceChannel",
                "name": pick(CHANNELS[channel], lang),
                "processingTime": service["processingTime"],
                **({"serviceUrl": url} if channel == "online" else {}),
            }
            for channel in service["channels"]
        ],
        "termsOfService": "; ".join(act["title"] for act in service["legalBasis"]),
    }
    amount = service["fee"]["amount"]
    if amount is not None:
        node["offers"] = {"@type": "Offer", "price": amount, "priceCurrency": "RON"}
    return node


def script_tag(data: dict[str, Any]) -> str:
    """A JSON-LD block safe inside HTML: ``</`` cannot close the script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def cpsv_catalogue(services: Iterable[Service], base_url: str) -> dict[str, Any]:
    """The whole catalogue as CPSV-AP: the city hall, a dataset of its services, and each service."""
    services = sorted(services, key=lambda s: s["id"])
    organisation = f"{base_url}/#organisation"
    graph: list[dict[str, Any]] = [
        {
            "@id": organisation,
            "@type": "cv:PublicOrganisation",
            "skos:prefLabel": _texts(ORGANISATION),
            "foaf:homepage": {"@id": f"{base_url}/"},
            "locn:address": {"@type": "locn:Address", "locn:fullAddress": HEADQUARTERS.address},
        },
        {
            "@id": f"{base_url}/catalog.jsonld",
            "@type": "dcat:Dataset",
            "dct:title": _texts(("Catalogul serviciilor Primăriei Sectorului 2", "Sector 2 City Hall services")),
            "dct:publisher": {"@id": organisation},
            "dct:modified": {"@value": max(s["lastReviewed"] for s in services), "@type": "xsd:date"},
            "dct:hasPart": [{"@id": service_url(base_url, s["id"]) + "#service"} for s in services],
        },
    ]
    graph += [_public_service(service, base_url, organisation) for service in services]
    return {"@context": CPSV_CONTEXT, "@graph": graph}


def _public_service(service: Service, base_url: str, organisation: str) -> dict[str, Any]:
    questions = {question["id"]: question for question in service["questions"]}
    department = service["department"]
    fee = service["fee"]
    cost: dict[str, Any] = {"@type": "cv:Cost", "cv:currency": {"@id": RON}}
    if fee["amount"] is not None:
        cost["cv:hasValue"] = {"@value": fee["amount"], "@type": "xsd:double"}
    if "note" in fee:
        cost["dct:description"] = _texts(fee["note"])
    return {
        "@id": service_url(base_url, service["id"]) + "#service",
        "@type": "cpsv:PublicService",
        "dct:identifier": service["id"],
        "dct:title": _texts(service["title"]),
        "dct:description": _texts(service["description"]),
        "foaf:page": [{"@id": service_url(base_url, service["id"], lang)} for lang in ("ro", "en")],
        "adms:status": {"@id": STATUS[service["status"]]},
        "cv:hasCompetentAuthority": {"@id": organisation},
        "cv:thematicArea": _concept(f"{base_url}/categorii/{service['category']}/", CATEGORIES[service["category"]]),
        "cv:isGroupedBy": [
            {"@id": f"{base_url}/evenimente/{event}/", "@type": "cv:LifeEvent", "dct:title": _texts(LIFE_EVENTS[event])}
            for event in service["lifeEvents"]
        ],
        "dct:audience": [_concept(None, AUDIENCES[kind]) for kind in service["audience"]["kinds"]],
        "cv:hasChannel": [
            {
                "@type": "cv:Channel",
                "dct:identifier": channel,
                "dct:title": _texts(CHANNELS[channel]),
                "dct:description": _texts(service["howToApply"][channel]),
            }
            for channel in service["channels"]
        ],
        "cpsv:hasInput": [_evidence(document, questions) for document in service["documents"]],
        "cv:hasCost": cost,
        "cv:processingTime": {"@value": service["processingTime"], "@type": "xsd:duration"},
        "cpsv:produces": {"@type": "cv:Output", "dct:description": _texts(service["output"])},
        "cv:hasLegalResource": [_legal_resource(act) for act in service["legalBasis"]],
        "cv:contactPoint": _contact_point(department),
        "dct:source": [{"@id": url} for url in service["source"]],
    }


def _evidence(document: dict[str, Any], questions: dict[str, Any]) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "@type": "cv:Evidence",
        "dct:identifier": document["id"],
        "dct:title": _texts(document["name"]),
        "dct:description": _texts(document["explanation"]),
    }
    if document["condition"] is not None:
        question = questions[document["condition"]]
        evidence["cv:supportsRequirement"] = {
            "@type": "cv:Requirement",
            "dct:identifier": question["id"],
            "dct:title": _texts(question["label"]),
        }
    return evidence


def _legal_resource(act: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {"@type": "eli:LegalResource", "dct:title": act["title"]}
    if "url" in act:
        resource["@id"] = act["url"]
    if "reference" in act:
        resource["dct:description"] = act["reference"]
    return resource


def _contact_point(department: dict[str, Any]) -> dict[str, Any]:
    contact: dict[str, Any] = {"@type": "cv:ContactPoint", "dct:title": _texts(department["name"])}
    by_kind = {"phone": "cv:telephone", "tel-verde": "cv:telephone", "email": "cv:email"}
    for entry in department["contacts"]:
        if entry["kind"] == "web":
            contact.setdefault("cv:contactPage", []).append({"@id": entry["value"]})
        else:
            contact.setdefault(by_kind[entry["kind"]], []).append(entry["value"])
    if department["hours"]:
        contact["cv:openingHours"] = {"dct:description": _texts(department["hours"])}
    if department["address"]:
        contact["locn:address"] = {"@type": "locn:Address", "locn:fullAddress": department["address"]}
    return contact


def _concept(iri: str | None, label: Text) -> dict[str, Any]:
    concept = {"@type": "skos:Concept", "skos:prefLabel": _texts(label)}
    return {"@id": iri, **concept} if iri else concept


def _texts(text: dict[str, str] | Text) -> list[dict[str, str]]:
    return [{"@language": lang, "@value": pick(text, lang)} for lang in ("ro", "en")]


def _postal_address(address: str) -> dict[str, str]:
    return {"@type": "PostalAddress", "streetAddress": address, "addressLocality": "București", "addressCountry": "RO"}

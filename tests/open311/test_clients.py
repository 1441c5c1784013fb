#!/usr/bin/env python3
"""Open311 GeoReport v2 as real third-party clients see it.

Runs the PyPI clients `civicbot` (reads and writes) and `georeport` (reads, JSON and XML)
unchanged against a live Hotline server, and checks every response the suite receives:
JSON bodies against the Open311 JSON Schemas (shared/data/open311), Content-Type headers,
the XML prolog, the Open311 error list on 4xx, and that no caller personal data comes
back from a GET.

Plain Python, no test runner: one `PASS name` or `FAIL name: why` line per test, and the
counts in --summary (JSON) for run.sh. Exit status 1 when any test failed.

    python test_clients.py --base http://127.0.0.1:PORT --password DEMO_PASSWORD \
        --schemas ../shared/data/open311 --out-dir DIR

--out-dir receives what the schemathesis run needs: the integrator API key (api_key)
and the dictionaries of values that exist at run time (service codes, request ids,
tokens), one libFuzzer-style entry per line.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import traceback
import urllib.parse
import urllib.request
import urllib.response
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import civicbot
import georeport
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

PLATFORM = "12345"
LINE = "12319"  # a line that keeps its own number: a jurisdiction of its own
CONTACT_TYPES = {"consultation", "complaint", "report", "suggestion", "help", "praise", "other"}
XML_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>'
# Chinese text with punctuation, a full-width digit, an emoji and XML-special characters,
# so that escaping and UTF-8 both have to be right for it to come back unchanged.
DESCRIPTION = "小区东门垃圾桶已经满了３天，异味很重，请尽快清运！<谢谢> & 🙏"
DESCRIPTION_2 = "路灯不亮：建国路88号北侧连续两盏路灯夜间不亮。"
DESCRIPTION_3 = "咨询：垃圾分类投放时间是几点到几点？"
ADDRESS = "北京市朝阳区建国路88号"
# Distinctive caller data sent with the writes; none of it may come back from a GET.
CALLER = {
    "email": "open311-suite-caller@example.org",
    "first_name": "Suitefirstname",
    "last_name": "Suitelastname",
    "phone": "13912340311",
}


# ---------------------------------------------------------------------------------------
# Every HTTP exchange of the run is recorded (the clients' and the suite's own), so that the
# last test can check each response once more: Content-Type, XML prolog, JSON Schema.


@dataclass
class Exchange:
    test: str
    client: str
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    def label(self) -> str:
        return f"{self.method} {self.url} -> {self.status} (in {self.test}, via {self.client})"


EXCHANGES: list[Exchange] = []
CURRENT_TEST = ["setup"]


class _RecordingProcessor(urllib.request.BaseHandler):
    """urllib processor (what civicbot's HttpTransport uses): records and passes on unchanged."""

    handler_order = 100  # before HTTPErrorProcessor turns 4xx into HTTPError

    def http_response(self, req, resp):
        body = resp.read()
        status = resp.status if hasattr(resp, "status") else resp.getcode()
        EXCHANGES.append(Exchange(CURRENT_TEST[0], "civicbot", req.get_method(), req.full_url, status,
                                  {k.lower(): v for k, v in resp.headers.items()}, body))
        again = urllib.response.addinfourl(io.BytesIO(body), resp.headers, resp.url, status)
        again.msg = resp.msg
        return again

    https_response = http_response


urllib.request.install_opener(urllib.request.build_opener(_RecordingProcessor))

_original_send = requests.Session.send


def _recording_send(self, request, **kwargs):
    response = _original_send(self, request, **kwargs)
    stack = "".join(traceback.format_stack(limit=8))
    client = "georeport" if "georeport/georeport.py" in stack else "suite"
    EXCHANGES.append(Exchange(CURRENT_TEST[0], client, request.method, request.url, response.status_code,
                              {k.lower(): v for k, v in response.headers.items()}, response.content))
    return response


requests.Session.send = _recording_send  # georeport calls requests.get, which ends here


# ---------------------------------------------------------------------------------------
# JSON Schemas: the five Open311 documents (with their relative `$ref: "request.json"`),
# plus small schemas for the answers those documents do not cover.

OWN_SCHEMAS: dict[str, dict] = {
    "errors": {
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
    },
    "post-requests": {
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["service_request_id"],
                  "properties": {"service_request_id": {"type": "string", "minLength": 1},
                                 "token": {"type": ["string", "null"]},
                                 "service_notice": {"type": ["string", "null"]},
                                 "account_id": {"type": ["string", "null"]}}},
    },
    "tokens": {
        "type": "array",
        "items": {"type": "object", "required": ["token"],
                  "properties": {"service_request_id": {"type": ["string", "null"]},
                                 "token": {"type": "string"}}},
    },
    "discovery": {
        "type": "object", "required": ["endpoints"],
        "properties": {
            "changeset": {"type": "string"}, "contact": {"type": "string"}, "key_service": {"type": "string"},
            "endpoints": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["specification", "url", "formats"],
                "properties": {"specification": {"type": "string"}, "url": {"type": "string"},
                               "changeset": {"type": "string"}, "type": {"type": "string"},
                               "formats": {"type": "array", "items": {"type": "string"}}}}},
        },
    },
    "updates": {
        "type": "array",
        "items": {"type": "object",
                  "required": ["update_id", "service_request_id", "status", "updated_datetime"],
                  "properties": {"update_id": {"type": "string"},
                                 "service_request_id": {"type": "string"},
                                 "status": {"type": "string", "minLength": 1},
                                 "updated_datetime": {"type": "string", "format": "date-time"},
                                 "description": {"type": ["string", "null"]},
                                 "media_url": {"type": ["string", "null"]}}},
    },
    "post-updates": {
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["update_id"], "properties": {"update_id": {"type": "string"}}},
    },
}


class Schemas:
    def __init__(self, folder: Path):
        self.folder = folder
        docs = {}
        for name in ("service.json", "services.json", "service-definition.json", "request.json", "requests.json"):
            docs[name] = json.loads((folder / name).read_text("utf-8"))
        # The documents have no $id: they reach each other by the bare file name.
        registry = Registry().with_resources(
            (name, Resource.from_contents(doc, default_specification=DRAFT202012)) for name, doc in docs.items())
        self.validators: dict[str, Draft202012Validator] = {}
        for name, doc in docs.items():
            self.validators[name] = Draft202012Validator(doc, registry=registry, format_checker=FormatChecker())
        for name, doc in OWN_SCHEMAS.items():
            self.validators[name] = Draft202012Validator(doc, format_checker=FormatChecker())

    def problems(self, name: str, instance: Any) -> list[str]:
        out = []
        for err in sorted(self.validators[name].iter_errors(instance), key=lambda e: list(e.absolute_path)):
            where = "/".join(map(str, err.absolute_path)) or "(root)"
            out.append(f"{name}: at {where}: {err.message[:300]}")
        return out

    def check(self, name: str, instance: Any, what: str = "") -> None:
        problems = self.problems(name, instance)
        if problems:
            raise AssertionError(f"{what or 'response'} does not validate against {name}: " + "; ".join(problems[:5]))


# ---------------------------------------------------------------------------------------
# Checking one response


JSON_CT = re.compile(r"^application/json\s*;\s*charset=\"?utf-8\"?\s*$", re.I)
XML_CT = re.compile(r"^(text|application)/xml\s*;\s*charset=\"?utf-8\"?\s*$", re.I)
OPEN311_PATH = re.compile(r"^/open311/v2/(?P<resource>.+)\.(?P<fmt>json|xml)$")


def schema_for(method: str, resource: str, status: int) -> str | None:
    if status >= 400:
        return "errors"
    if status >= 300:
        return None
    if resource == "discovery":
        return "discovery"
    if resource == "services":
        return "services.json"
    if resource.startswith("services/"):
        return "service-definition.json"
    if resource == "requests":
        return "requests.json" if method == "GET" else "post-requests"
    if resource.startswith("requests/"):
        return "requests.json"
    if resource.startswith("tokens/"):
        return "tokens"
    if resource == "servicerequestupdates":
        return "updates" if method == "GET" else "post-updates"
    return None


XML_ROOTS = {  # resource kind -> (root element, item element)
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "service-definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "updates": ("service_request_updates", "request_update"),
    "errors": ("errors", "error"),
}


def xml_kind(method: str, resource: str, status: int) -> str | None:
    if status >= 400:
        return "errors"
    if resource == "discovery":
        return "discovery"
    if resource == "services":
        return "services"
    if resource.startswith("services/"):
        return "service-definition"
    if resource == "requests" or resource.startswith("requests/") or resource.startswith("tokens/"):
        return "requests"
    if resource == "servicerequestupdates":
        return "updates"
    return None


def exchange_problems(ex: Exchange, schemas: Schemas) -> list[str]:
    """What is wrong with one recorded response of an Open311 resource ([] when nothing)."""
    m = OPEN311_PATH.match(ex.path)
    if not m:
        return []
    resource, fmt = m.group("resource"), m.group("fmt")
    ct = ex.headers.get("content-type", "")
    problems = []
    if fmt == "json":
        if not JSON_CT.match(ct):
            problems.append(f"Content-Type {ct!r}, expected 'application/json; charset=utf-8'")
        try:
            data = json.loads(ex.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return problems + [f"body is not UTF-8 JSON ({e}): {ex.body[:200]!r}"]
        name = schema_for(ex.method, resource, ex.status)
        if name:
            problems += schemas.problems(name, data)
        if name == "errors" and isinstance(data, list):
            codes = {e.get("code") for e in data if isinstance(e, dict)}
            if codes != {ex.status}:
                problems.append(f"error list codes {sorted(codes, key=str)} differ from the HTTP status {ex.status}")
        if ex.method == "GET" and ex.status < 400 and resource.startswith("requests/") and isinstance(data, list) \
                and len(data) != 1:
            problems.append(f"requests/{{id}} answered {len(data)} items, expected exactly one")
    else:
        if not XML_CT.match(ct):
            problems.append(f"Content-Type {ct!r}, expected 'text/xml; charset=utf-8' or 'application/xml; charset=utf-8'")
        if not ex.body.startswith(XML_PROLOG):
            problems.append(f"XML does not start with {XML_PROLOG.decode()}: {ex.body[:80]!r}")
        try:
            root = ET.fromstring(ex.body)
        except ET.ParseError as e:
            return problems + [f"XML not well formed: {e}"]
        kind = xml_kind(ex.method, resource, ex.status)
        if kind:
            want_root, want_item = XML_ROOTS[kind]
            if root.tag != want_root:
                problems.append(f"XML root <{root.tag}>, expected <{want_root}>")
            elif want_item and any(child.tag != want_item for child in root):
                problems.append(f"XML <{want_root}> holds {sorted({c.tag for c in root})}, expected only <{want_item}>")
            if kind == "errors":
                codes = {(e.findtext("code") or "").strip() for e in root}
                if codes != {str(ex.status)} or any(not (e.findtext("description") or "").strip() for e in root):
                    problems.append(f"XML error list codes {sorted(codes)} / descriptions do not match status {ex.status}")
    if ex.method == "GET" and ex.status < 400:
        text = ex.body.decode("utf-8", "replace")
        leaked = [v for v in CALLER.values() if v in text]
        if leaked:
            problems.append(f"caller personal data in a GET answer: {leaked}")
    return problems


# ---------------------------------------------------------------------------------------
# The little test runner


@dataclass
class State:
    base: str
    password: str
    schemas: Schemas
    out_dir: Path | None
    key: str | None = None
    services: list[dict] = field(default_factory=list)
    service_a: str | None = None  # a category with metadata true
    service_other: str | None = None  # the jurisdiction's catch-all
    line_codes: list[str] = field(default_factory=list)  # the services of jurisdiction 12319
    created: list[dict] = field(default_factory=list)  # {"id", "token", "service_code", "description"}
    civic: Open311Client | None = None


TESTS: list[tuple[str, Callable[[State], None]]] = []


def test(name: str):
    def register(fn):
        TESTS.append((name, fn))
        return fn
    return register


class Skip(Exception):
    """A test that cannot run because an earlier one failed (counted as failed)."""


def need(value, what: str):
    if value is None or value == [] or value == "":
        raise Skip(f"needs {what}, which an earlier test did not provide")
    return value


def eq(actual, expected, what: str):
    if actual != expected:
        raise AssertionError(f"{what}: got {actual!r}, expected {expected!r}")


def ok(cond, what: str):
    if not cond:
        raise AssertionError(what)


def open311(state: State) -> str:
    return f"{state.base}/open311/v2"


def raw(state: State, method: str, resource: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{open311(state)}/{resource}", timeout=20, **kwargs)


def checked(state: State, resp: requests.Response, status: int) -> requests.Response:
    """The response has the expected status and nothing wrong (header, prolog, schema)."""
    if resp.status_code != status:
        raise AssertionError(f"{resp.request.method} {resp.url}: HTTP {resp.status_code}, expected {status}: "
                             f"{resp.text[:300]}")
    problems = exchange_problems(EXCHANGES[-1], state.schemas) if EXCHANGES and EXCHANGES[-1].url == resp.url else []
    if problems:
        raise AssertionError(f"{resp.request.method} {resp.url}: " + "; ".join(problems))
    return resp


def civic_client(state: State, jurisdiction: str = PLATFORM) -> Open311Client:
    endpoint = Endpoint(id="hotline", name="Hotline", base_url=open311(state), write=True)
    # civicbot waits 0.5 s between two calls to one host by default; a loopback server needs no politeness.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id=jurisdiction, fmt="json")


def as_list(x) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def w3c(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------
# The tests, in order


@test("the JSON Schemas load, resolve their relative $ref and reject a bad document")
def t_schemas(state: State):
    state.schemas.check("requests.json", [])
    ok(state.schemas.problems("requests.json", [{"service_request_id": "x"}]),
       "requests.json accepted an item without status/service_code/requested_datetime: $ref not followed")
    ok(state.schemas.problems("services.json", [{"service_code": "a", "service_name": "b", "metadata": "yes",
                                                "type": "realtime"}]),
       "services.json accepted metadata 'yes'")
    ok(state.schemas.problems("request.json", {"service_request_id": "1", "status": "open", "service_code": "a",
                                               "requested_datetime": "yesterday"}),
       "date-time format is not checked (rfc3339-validator missing?)")


@test("an integrator API key: security_admin signs in and creates one for 12345")
def t_api_key(state: State):
    # Integrator keys are the security administrator's to hand out (三员分立).
    r = requests.post(f"{state.base}/api/v1/auth/login", json={"username": "security_admin", "password": state.password},
                      timeout=20)
    eq(r.status_code, 200, f"login status ({r.text[:200]})")
    token = r.json()["access_token"]
    r = requests.post(f"{state.base}/api/v1/tenants/{PLATFORM}/api-keys", json={"name": "open311-suite"},
                      headers={"authorization": f"Bearer {token}"}, timeout=20)
    ok(r.status_code in (200, 201), f"create API key: HTTP {r.status_code}: {r.text[:200]}")
    secret = r.json()["secret"]
    ok(secret.startswith("hlk_"), f"key {secret[:8]}… does not start with hlk_")
    state.key = secret


@test("discovery.json and discovery.xml list the GeoReport v2 endpoint")
def t_discovery(state: State):
    data = checked(state, raw(state, "GET", "discovery.json"), 200).json()
    specs = [e.get("specification", "") for e in data["endpoints"]]
    ok(any("georeport_v2" in s.lower() for s in specs), f"no GeoReport v2 specification among {specs}")
    formats = {f for e in data["endpoints"] for f in e.get("formats", [])}
    ok({"application/json", "text/xml"} <= formats or {"application/json", "application/xml"} <= formats,
       f"formats {sorted(formats)} lack JSON or XML")
    root = ET.fromstring(checked(state, raw(state, "GET", "discovery.xml"), 200).content)
    ok(root.find("endpoints") is not None, "discovery.xml has no <endpoints>")


@test("civicbot list_services(): 12345's services, metadata true, realtime, with 12345-other")
def t_civic_services(state: State):
    state.civic = civic_client(state)
    services = state.civic.list_services()
    state.schemas.check("services.json", services, "civicbot list_services()")
    ok(len(services) >= 2, f"only {len(services)} services")
    codes = [s["service_code"] for s in services]
    eq(len(set(codes)), len(codes), "service codes are unique")
    for s in services:
        eq(s["metadata"], True, f"{s['service_code']} metadata")
        eq(s["type"], "realtime", f"{s['service_code']} type")
        ok(re.fullmatch(r"\d+-\S+", s["service_code"]), f"service code {s['service_code']!r} is not <line>-<category>")
        ok(s.get("group"), f"{s['service_code']} has no group (the line's name)")
    ok(f"{PLATFORM}-other" in codes, f"no {PLATFORM}-other among {codes[:20]}")
    state.services = services
    state.service_other = f"{PLATFORM}-other"
    # A category of the platform's own catalogue when it has one, else the first one listed.
    categories = [c for c in codes if not c.endswith("-other")]
    ok(categories, "no service besides the catch-alls")
    state.service_a = next((c for c in categories if c.startswith(f"{PLATFORM}-")), categories[0])


@test("civicbot get_service_definition(): contact_type, a singlevaluelist of the seven kinds")
def t_civic_definition(state: State):
    for code in (need(state.service_a, "a service code"), need(state.service_other, "the catch-all code")):
        d = state.civic.get_service_definition(code)
        state.schemas.check("service-definition.json", d, f"definition of {code}")
        eq(d["service_code"], code, "definition's service_code")
        attrs = {a["code"]: a for a in d["attributes"]}
        ok("contact_type" in attrs, f"{code}: no contact_type attribute among {sorted(attrs)}")
        ct = attrs["contact_type"]
        eq(ct["datatype"], "singlevaluelist", "contact_type datatype")
        eq({v["key"] for v in ct.get("values", [])}, CONTACT_TYPES, "contact_type keys")


@test("services for jurisdiction 12319: its own codes, its name as group, 12319-other")
def t_line_services(state: State):
    services = civic_client(state, LINE).list_services()
    state.schemas.check("services.json", services, f"services of {LINE}")
    codes = [s["service_code"] for s in services]
    ok(codes and all(c.startswith(f"{LINE}-") for c in codes), f"codes of {LINE}: {codes[:10]}")
    ok(f"{LINE}-other" in codes, f"no {LINE}-other among {codes}")
    eq(len({s.get("group") for s in services}), 1, f"groups of {LINE} (the line's name)")
    state.line_codes = codes
    geo = GeoReport(open311(state), jurisdiction=LINE, output_format="xml").get_service_list()
    eq([s["service_code"] for s in as_list(geo)], codes, f"georeport XML codes of {LINE}")


def civic_create(state: State, code: str, description: str, contact_type: str, **where) -> dict:
    prepared = state.civic.create_request(
        code, dry_run=False, confirm="SEND", api_key=need(state.key, "an API key"), validate_remote=True,
        description=description, attributes={"contact_type": contact_type}, **CALLER, **where)
    ok(prepared.dry_run is False, "civicbot did not send")
    resp = prepared.response
    state.schemas.check("post-requests", resp, "civicbot create_request() answer")
    item = resp[0]
    ok(item["service_request_id"], "empty service_request_id")
    created = {"id": item["service_request_id"], "token": item.get("token"), "service_code": code,
               "description": description}
    state.created.append(created)
    return created


@test("civicbot create_request(): lat/long, Chinese description, attribute contact_type=complaint")
def t_civic_create(state: State):
    c = civic_create(state, need(state.service_a, "a service code"), DESCRIPTION, "complaint",
                     lat=39.908722, lng=116.397499, address_string=ADDRESS)
    ok(re.fullmatch(r"\S+", c["id"]), f"service_request_id {c['id']!r}")


@test("civicbot create_request(): address_string only, on the catch-all service")
def t_civic_create_address(state: State):
    civic_create(state, need(state.service_other, "the catch-all code"), DESCRIPTION_2, "suggestion",
                 address_string=ADDRESS)


@test("civicbot create_request(): a third request (consultation)")
def t_civic_create_third(state: State):
    civic_create(state, need(state.service_a, "a service code"), DESCRIPTION_3, "consultation",
                 lat=31.230416, lng=121.473701)
    ids = [c["id"] for c in state.created]
    eq(len(set(ids)), len(ids), "the three service_request_ids are distinct")


@test("civicbot get_request(): the request comes back open, same code, same Chinese text, no caller data")
def t_civic_get(state: State):
    need(state.created, "a created request")
    for c in state.created:
        got = state.civic.get_request(c["id"])
        state.schemas.check("request.json", got, f"get_request({c['id']})")
        eq(got["service_request_id"], c["id"], "service_request_id")
        eq(got["service_code"], c["service_code"], "service_code")
        eq(got["status"], "open", "status")
        eq(got.get("description"), c["description"], "description")
    first = state.civic.get_request(state.created[0]["id"])
    ok(isinstance(first.get("lat"), (int, float)) and abs(first["lat"] - 39.908722) < 1e-4
       and abs(first["long"] - 116.397499) < 1e-4, f"lat/long not returned as sent: {first.get('lat')}, {first.get('long')}")
    ok(ADDRESS in (first.get("address") or ""), f"address {first.get('address')!r} lacks {ADDRESS!r}")


@test("civicbot get_token(): each token leads to its service_request_id")
def t_civic_token(state: State):
    with_token = [c for c in need(state.created, "a created request") if c["token"]]
    need(with_token, "a request created with a token")
    for c in with_token:
        got = state.civic.get_token(c["token"])
        state.schemas.check("tokens", got, f"get_token({c['token']})")
        eq([(t.get("service_request_id"), t["token"]) for t in got], [(c["id"], c["token"])], "token answer")


@test("civicbot list_requests(page_size=…): at most page_size, the pages do not overlap")
def t_civic_page_size(state: State):
    need(len(state.created) >= 3 or None, "three created requests")
    for size in (1, 2):
        got = state.civic.list_requests(page_size=size)
        state.schemas.check("requests.json", got, f"list_requests(page_size={size})")
        eq(len(got), size, f"number of requests with page_size={size} (at least 3 exist)")
    p1 = checked(state, raw(state, "GET", "requests.json", params={"jurisdiction_id": PLATFORM, "page_size": 2,
                                                                   "page": 1}), 200).json()
    p2 = checked(state, raw(state, "GET", "requests.json", params={"jurisdiction_id": PLATFORM, "page_size": 2,
                                                                   "page": 2}), 200).json()
    ok(p2, "page 2 is empty although at least 3 requests exist")
    ids1, ids2 = {r["service_request_id"] for r in p1}, {r["service_request_id"] for r in p2}
    ok(not ids1 & ids2, f"page 1 and page 2 overlap: {ids1 & ids2}")


def collect_ids(state: State, params: dict, limit_pages: int = 50) -> set[str]:
    """Every service_request_id a filtered GET requests.json gives, page after page."""
    ids: set[str] = set()
    for page in range(1, limit_pages + 1):
        got = checked(state, raw(state, "GET", "requests.json",
                                 params={"jurisdiction_id": PLATFORM, **params, "page": page}), 200).json()
        if not got:
            break
        ids |= {r["service_request_id"] for r in got}
    return ids


@test("civicbot list_requests(): by service_request_id list, by service_code, status and date range")
def t_civic_filters(state: State):
    created = need(state.created, "created requests")
    ids = [c["id"] for c in created]
    got = state.civic.list_requests(service_request_ids=ids)
    state.schemas.check("requests.json", got)
    eq(sorted(r["service_request_id"] for r in got), sorted(ids), "requests by id list")
    code = created[0]["service_code"]
    got = state.civic.list_requests(service_code=code, status="open")
    state.schemas.check("requests.json", got)
    ok(got, f"no open request of {code}, although one was just created")
    ok(all(r["service_code"] == code and r["status"] == "open" for r in got),
       f"filter service_code={code}&status=open ignored: {[(r['service_code'], r['status']) for r in got][:5]}")
    ok(created[0]["id"] in collect_ids(state, {"service_code": code, "status": "open"}),
       "the created request is missing from its code's open requests")
    ok(created[0]["id"] not in collect_ids(state, {"service_code": code, "status": "closed"}),
       "an open request listed under status=closed")
    two = f"{created[0]['service_code']},{created[1]['service_code']}"
    ok({created[0]["id"], created[1]["id"]} <= collect_ids(state, {"service_code": two}),
       f"service_code={two} (comma list) misses a request")
    start, end = now_utc() - timedelta(hours=1), now_utc() + timedelta(hours=1)
    got = state.civic.list_requests(start_date=w3c(start), end_date=w3c(end))
    state.schemas.check("requests.json", got)
    ok(got, "no request in the last hour")
    for r in got:
        when = datetime.fromisoformat(r["requested_datetime"].replace("Z", "+00:00"))
        ok(start <= when <= end, f"{r['service_request_id']} requested {when}, outside {start}..{end}")
    found = collect_ids(state, {"start_date": w3c(start), "end_date": w3c(end)})
    ok(set(ids) <= found, f"requests of the last hour miss {set(ids) - found}")
    # the same range written with a +08:00 offset
    cst = timezone(timedelta(hours=8))
    found = collect_ids(state, {"start_date": start.astimezone(cst).isoformat(),
                                "end_date": end.astimezone(cst).isoformat()})
    ok(set(ids) <= found, "the date range written with a +08:00 offset misses the requests")
    past = state.civic.list_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
    state.schemas.check("requests.json", past)
    ok(not set(ids) & {r["service_request_id"] for r in past}, "today's requests listed in January 2020")


@test("requests.json?extensions=true still validates")
def t_extensions(state: State):
    ids = ",".join(c["id"] for c in need(state.created, "created requests"))
    got = checked(state, raw(state, "GET", "requests.json", params={"jurisdiction_id": PLATFORM,
                                                                    "service_request_id": ids,
                                                                    "extensions": "true"}), 200).json()
    eq(len(got), len(state.created), "requests with extensions=true")


def _geo_ids(items) -> list[str]:
    return sorted(str(r["service_request_id"]) for r in as_list(items))


@test("georeport JSON: service list, definition, requests by id list, one request")
def t_geo_json(state: State):
    created = need(state.created, "created requests")
    g = GeoReport(open311(state), jurisdiction=PLATFORM, output_format="json")
    services = g.get_service_list()
    state.schemas.check("services.json", services, "georeport get_service_list()")
    eq([s["service_code"] for s in services], [s["service_code"] for s in state.services], "codes seen by civicbot")
    d = g.get_service_definition(state.service_a)
    state.schemas.check("service-definition.json", d)
    ok(any(a["code"] == "contact_type" for a in d["attributes"]), "no contact_type")
    ids = [c["id"] for c in created[:2]]
    got = g.get_service_requests(service_request_id=",".join(ids))
    state.schemas.check("requests.json", got)
    eq(_geo_ids(got), sorted(ids), "requests by comma list")
    # service_request_id overrides the other filters
    got = g.get_service_requests(service_request_id=ids[0], status="closed", service_code=f"{PLATFORM}-nope")
    eq(_geo_ids(got), [ids[0]], "service_request_id overriding status/service_code")
    one = g.get_service_request(created[0]["id"])
    state.schemas.check("request.json", one)
    eq(one["description"], DESCRIPTION, "Chinese description via georeport JSON")
    eq(one["status"], "open", "status")
    recent = g.get_service_requests()
    state.schemas.check("requests.json", recent, "get_service_requests() with no filter")


@test("georeport XML: the same services, definition, requests and Chinese text as JSON")
def t_geo_xml(state: State):
    created = need(state.created, "created requests")
    gx = GeoReport(open311(state), jurisdiction=PLATFORM, output_format="xml")
    services = as_list(gx.get_service_list())
    eq([s["service_code"] for s in services], [s["service_code"] for s in need(state.services, "services")],
       "XML service codes (JSON order)")
    by_code = {s["service_code"]: s for s in state.services}
    for s in services:
        eq(s.get("metadata"), "true", f"{s['service_code']} XML metadata")
        eq(s.get("type"), "realtime", f"{s['service_code']} XML type")
        eq(s.get("service_name"), by_code[s["service_code"]]["service_name"], "service_name in XML and JSON")
        eq(s.get("group"), by_code[s["service_code"]].get("group"), "group in XML and JSON")
    d = gx.get_service_definition(state.service_a)
    eq(d["service_code"], state.service_a, "XML definition's service_code")
    attrs = {a["code"]: a for a in as_list((d.get("attributes") or {}).get("attribute"))}
    ok("contact_type" in attrs, f"XML definition attributes: {sorted(attrs)}")
    ct = attrs["contact_type"]
    eq(ct.get("datatype"), "singlevaluelist", "XML contact_type datatype")
    eq({v["key"] for v in as_list((ct.get("values") or {}).get("value"))}, CONTACT_TYPES, "XML contact_type keys")
    ids = [c["id"] for c in created]
    got = gx.get_service_requests(service_request_id=",".join(ids))
    eq(_geo_ids(got), sorted(ids), "XML requests by comma list")
    for c in created:
        one = gx.get_service_request(c["id"])
        ok(isinstance(one, dict), f"XML get_service_request gave {type(one).__name__}")
        eq(one["service_request_id"], c["id"], "XML service_request_id")
        eq(one["service_code"], c["service_code"], "XML service_code")
        eq(one["status"], "open", "XML status")
        eq(one.get("description"), c["description"], "Chinese description via georeport XML")
    one = gx.get_service_request(created[0]["id"])
    ok(abs(float(one["lat"]) - 39.908722) < 1e-4 and abs(float(one["long"]) - 116.397499) < 1e-4,
       f"XML lat/long {one.get('lat')}, {one.get('long')}")
    got = as_list(gx.get_service_requests(service_code=created[0]["service_code"], status="open"))
    ok(got and all(r["service_code"] == created[0]["service_code"] and r["status"] == "open" for r in got),
       "XML filter by service_code/status")


@test("errors: unknown service code is 404 with an Open311 error list (JSON, XML, through civicbot)")
def t_err_404(state: State):
    bad = f"{PLATFORM}-no-such-category"
    body = checked(state, raw(state, "GET", f"services/{bad}.json", params={"jurisdiction_id": PLATFORM}), 404).json()
    eq(body[0]["code"], 404, "error code")
    root = ET.fromstring(checked(state, raw(state, "GET", f"services/{bad}.xml"), 404).content)
    eq(root.tag, "errors", "XML root")
    eq(root.findtext("error/code"), "404", "XML error code")
    try:
        state.civic.get_service_definition(bad)
        raise AssertionError("civicbot got no error for an unknown service code")
    except HttpError as e:
        eq(e.status, 404, "civicbot HttpError.status")
        state.schemas.check("errors", json.loads(e.body), "civicbot's error body")
    try:
        GeoReport(open311(state), jurisdiction=PLATFORM, output_format="xml").get_service_definition(bad)
        raise AssertionError("georeport got no error for an unknown service code")
    except requests.HTTPError as e:
        eq(e.response.status_code, 404, "georeport HTTPError status")
    checked(state, raw(state, "GET", "requests/00000-19700101-000000.json", params={"jurisdiction_id": PLATFORM}), 404)
    checked(state, raw(state, "GET", "requests/00000-19700101-000000.xml"), 404)


@test("errors: unknown jurisdiction is 404, unknown format is 400")
def t_err_jurisdiction_format(state: State):
    checked(state, raw(state, "GET", "services.json", params={"jurisdiction_id": "99999"}), 404)
    checked(state, raw(state, "GET", "services.xml", params={"jurisdiction_id": "99999"}), 404)
    for path in ("services.yaml", "requests.csv", "discovery.html"):
        r = raw(state, "GET", path, params={"jurisdiction_id": PLATFORM})
        eq(r.status_code, 400, f"GET {path} status ({r.text[:120]})")


def _post_form(state: State, fmt: str, **extra) -> dict:
    form = {"jurisdiction_id": PLATFORM, "service_code": state.service_a or f"{PLATFORM}-other",
            "lat": "39.9", "long": "116.4", "description": "无钥匙提交", "attribute[contact_type]": "complaint"}
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


@test("errors: POST requests without api_key, or with a wrong one, is 403 (JSON and XML)")
def t_err_403(state: State):
    for fmt in ("json", "xml"):
        r = checked(state, raw(state, "POST", f"requests.{fmt}", data=_post_form(state, fmt)), 403)
        if fmt == "json":
            eq(r.json()[0]["code"], 403, "error code")
        else:
            root = ET.fromstring(r.content)
            eq((root.tag, root.findtext("error/code")), ("errors", "403"), "XML error")
            ok((root.findtext("error/description") or "").strip(), "XML error has no description")
        checked(state, raw(state, "POST", f"requests.{fmt}", data=_post_form(state, fmt, api_key="hlk_wrong_key")),
                403)
    checked(state, raw(state, "POST", "servicerequestupdates.json",
                       data={"service_request_id": "x", "update_id": "1", "status": "OPEN",
                             "updated_datetime": w3c(now_utc()), "description": "x"}), 403)
    # civicbot sees it as an HttpError 403 too
    try:
        state.civic.http.post_form(f"{open311(state)}/requests.json", _post_form(state, "json"))
        raise AssertionError("no error without api_key")
    except HttpError as e:
        eq(e.status, 403, "civicbot HttpError.status")


@test("errors: bad writes and bad ranges are 400 with an error list")
def t_err_400(state: State):
    key = need(state.key, "an API key")
    cases = {
        "description over 4000 characters": _post_form(state, "json", api_key=key, description="长" * 4001),
        "unknown contact_type value": _post_form(state, "json", api_key=key, **{"attribute[contact_type]": "nope"}),
        "no location at all": _post_form(state, "json", api_key=key, lat=None, long=None),
        "lat without long": _post_form(state, "json", api_key=key, long=None),
        "latitude out of range": _post_form(state, "json", api_key=key, lat="91", long="116.4"),
    }
    for what, form in cases.items():
        r = raw(state, "POST", "requests.json", data=form)
        ok(r.status_code == 400, f"{what}: HTTP {r.status_code}, expected 400: {r.text[:200]}")
        checked(state, r, 400)
    r = raw(state, "POST", "requests.json", data=_post_form(state, "json", api_key=key,
                                                             service_code=f"{PLATFORM}-no-such-category"))
    ok(r.status_code in (400, 404), f"unknown service_code: HTTP {r.status_code}, expected 400 or 404")
    checked(state, r, r.status_code)
    start = now_utc() - timedelta(days=120)
    for fmt in ("json", "xml"):
        checked(state, raw(state, "GET", f"requests.{fmt}", params={"start_date": w3c(start),
                                                                   "end_date": w3c(now_utc())}), 400)
    checked(state, raw(state, "GET", "requests.json", params={"start_date": "yesterday"}), 400)
    checked(state, raw(state, "GET", "requests.json", params={"status": "pending"}), 400)


@test("POST requests.xml answers <service_requests><request><service_request_id>")
def t_post_xml(state: State):
    key = need(state.key, "an API key")
    r = checked(state, raw(state, "POST", "requests.xml", data=_post_form(state, "xml", api_key=key,
                                                                          description=DESCRIPTION)), 200)
    root = ET.fromstring(r.content)
    new_id = root.findtext("request/service_request_id")
    ok(new_id, f"no service_request_id in {r.text[:200]}")
    again = ET.fromstring(checked(state, raw(state, "GET", f"requests/{new_id}.xml"), 200).content)
    eq(again.findtext("request/description"), DESCRIPTION, "Chinese text through POST and GET in XML")
    state.created.append({"id": new_id, "token": root.findtext("request/token"), "service_code": state.service_a,
                          "description": DESCRIPTION})


@test("a report (举报) is filed, but no GET ever shows it (the reporter is protected)")
def t_report_hidden(state: State):
    key = need(state.key, "an API key")
    r = checked(state, raw(state, "POST", "requests.json", data=_post_form(
        state, "json", api_key=key, description="举报：某餐馆后厨卫生问题。", **{"attribute[contact_type]": "report"})), 200)
    created = r.json()[0]
    rid, token = created["service_request_id"], created.get("token")
    checked(state, raw(state, "GET", f"requests/{rid}.json"), 404)
    checked(state, raw(state, "GET", f"requests/{rid}.xml"), 404)
    eq(checked(state, raw(state, "GET", "requests.json", params={"service_request_id": rid}), 200).json(), [],
       "the report listed by its id")
    if token:
        checked(state, raw(state, "GET", f"tokens/{token}.json"), 404)
    ok(rid not in collect_ids(state, {"start_date": w3c(now_utc() - timedelta(minutes=10)),
                                      "end_date": w3c(now_utc() + timedelta(minutes=10))}),
       "the report listed among the last minutes' requests")


@test("servicerequestupdates: GET lists updates in JSON and XML; POST with the key is accepted")
def t_updates(state: State):
    created = need(state.created, "created requests")
    key = need(state.key, "an API key")
    start, end = w3c(now_utc() - timedelta(hours=1)), w3c(now_utc() + timedelta(hours=1))
    for fmt in ("json", "xml"):
        checked(state, raw(state, "GET", f"servicerequestupdates.{fmt}",
                           params={"jurisdiction_id": PLATFORM, "start_date": start, "end_date": end}), 200)
    r = raw(state, "POST", "servicerequestupdates.json", data={
        "api_key": key, "jurisdiction_id": PLATFORM, "service_request_id": created[0]["id"],
        "update_id": str(uuid.uuid4()), "updated_datetime": w3c(now_utc()), "status": "OPEN",
        "description": "市民补充：垃圾桶旁还有大件家具。", "email": CALLER["email"],
        "first_name": CALLER["first_name"], "last_name": CALLER["last_name"]})
    checked(state, r, 200)
    for fmt in ("json", "xml"):  # the update's caller data must not show either
        checked(state, raw(state, "GET", f"servicerequestupdates.{fmt}",
                           params={"jurisdiction_id": PLATFORM, "start_date": start, "end_date": end}), 200)
    got = state.civic.get_request(created[0]["id"])
    state.schemas.check("request.json", got, "the request after an update")


@test("every response received in this run: Content-Type, XML prolog, JSON Schema, no personal data")
def t_all_exchanges(state: State):
    seen = [ex for ex in EXCHANGES if OPEN311_PATH.match(ex.path)]
    ok(len(seen) >= 40, f"only {len(seen)} Open311 responses recorded")
    by_client = {c: sum(1 for ex in seen if ex.client == c) for c in ("civicbot", "georeport", "suite")}
    ok(all(by_client.values()), f"responses by client: {by_client}")
    bad = []
    for ex in seen:
        problems = exchange_problems(ex, state.schemas)
        if problems:
            bad.append(f"{ex.label()}: {'; '.join(problems)}")
    if bad:
        raise AssertionError(f"{len(bad)} of {len(seen)} responses are wrong:\n    " + "\n    ".join(bad[:30]))
    print(f"    ({len(seen)} Open311 responses checked: {by_client})")


# ---------------------------------------------------------------------------------------
# After schemathesis (--sweep): whatever the fuzzer filed, every request and update the server
# now lists must still be a valid Open311 document, in JSON and in XML.

SWEEP: list[tuple[str, Callable[[State], None]]] = []


def sweep_pages(state: State, resource: str, fmt: str, params: dict, limit_pages: int = 100) -> int:
    seen = 0
    for page in range(1, limit_pages + 1):
        r = checked(state, raw(state, "GET", f"{resource}.{fmt}",
                               params={**params, "page": page, "page_size": 200}), 200)
        items = r.json() if fmt == "json" else list(ET.fromstring(r.content))
        if not items:
            return seen
        seen += len(items)
    return seen


def swept(name: str):
    def register(fn):
        SWEEP.append((name, fn))
        return fn
    return register


@swept("after schemathesis: every request listed (last 90 days, both jurisdictions) validates, JSON and XML")
def s_requests(state: State):
    for j in (PLATFORM, LINE):
        for fmt in ("json", "xml"):
            n = sweep_pages(state, "requests", fmt, {"jurisdiction_id": j, "extensions": "true"})
            ok(j != PLATFORM or n > 0, f"no request listed in {j} ({fmt})")
            print(f"    {n} requests of {j} in {fmt}")


@swept("after schemathesis: every request update listed validates, JSON and XML")
def s_updates(state: State):
    for fmt in ("json", "xml"):
        n = sweep_pages(state, "servicerequestupdates", fmt, {"jurisdiction_id": PLATFORM})
        print(f"    {n} updates in {fmt}")


# ---------------------------------------------------------------------------------------


def write_outputs(state: State) -> None:
    """What schemathesis needs that only exists at run time."""
    if not state.out_dir:
        return
    state.out_dir.mkdir(parents=True, exist_ok=True)
    (state.out_dir / "api_key").write_text(state.key or "", "utf-8")

    def dictionary(name: str, values: list[str]) -> None:
        lines = [json.dumps(v, ensure_ascii=True) for v in values if v]  # a libFuzzer entry is a quoted string
        (state.out_dir / f"{name}.dict").write_text("\n".join(lines) + "\n" if lines else '""\n', "utf-8")

    dictionary("service_codes", [s["service_code"] for s in state.services] or [f"{PLATFORM}-other"])
    # 12319's codes are services of both jurisdictions (the platform offers every line's)
    dictionary("line_service_codes", state.line_codes or [f"{LINE}-other"])
    dictionary("service_request_ids", [c["id"] for c in state.created])
    dictionary("tokens", [c["token"] for c in state.created if c.get("token")])
    # Date windows the 90-day rule admits in every pairing (each start before each end, at most
    # 80 days apart): a rule across two parameters that no OpenAPI schema can state.
    now = now_utc()
    dictionary("start_dates", [w3c(now - timedelta(days=40)), w3c(now - timedelta(hours=1))])
    dictionary("end_dates", [w3c(now), w3c(now + timedelta(days=40))])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="server origin, e.g. http://127.0.0.1:8080")
    ap.add_argument("--password", required=True, help="the demo users' password (HOTLINE_DEMO_PASSWORD)")
    ap.add_argument("--schemas", required=True, type=Path, help="folder with the Open311 JSON Schemas")
    ap.add_argument("--out-dir", type=Path, help="where to write the API key and dictionaries for schemathesis")
    ap.add_argument("--summary", type=Path, help="write {'passed': N, 'failed': M, 'failures': [...]} here")
    ap.add_argument("--sweep", action="store_true",
                    help="only re-read everything the server lists (run after schemathesis has written)")
    args = ap.parse_args()

    print(f"clients: civicbot {civicbot.__version__}, georeport {georeport.__version__}; server {args.base}")
    state = State(base=args.base.rstrip("/"), password=args.password, schemas=Schemas(args.schemas),
                  out_dir=args.out_dir)
    passed, failures = 0, []
    for name, fn in (SWEEP if args.sweep else TESTS):
        CURRENT_TEST[0] = name
        started = time.monotonic()
        try:
            fn(state)
        except Skip as e:
            failures.append(name)
            print(f"FAIL {name}: {e}")
        except Exception as e:  # noqa: BLE001 - a test's failure, whatever it is
            failures.append(name)
            detail = str(e) if isinstance(e, AssertionError) else "".join(
                traceback.format_exception(type(e), e, e.__traceback__, limit=6))
            print(f"FAIL {name}: {detail}")
        else:
            passed += 1
            print(f"PASS {name} ({time.monotonic() - started:.2f}s)")
    if not args.sweep:
        write_outputs(state)
    if args.summary:
        args.summary.write_text(json.dumps({"passed": passed, "failed": len(failures), "failures": failures}))
    print(f"client tests: {passed} ok, {len(failures)} not ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

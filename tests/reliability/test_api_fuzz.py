"""Schemathesis against a real server's `/openapi.json`: every operation, every parameter.

Each generated request (examples, coverage, fuzzing phases, valid and invalid data) goes over
real HTTP to a server with real models and a real SQLite file. Checked on every answer: no 5xx
beyond the documented ones, a status and content type the document declares, a body matching
the declared schema, error bodies well formed (`api_checks.py`), and an answer at all (a
request that hangs fails on the client timeout). `SFDESK_FUZZ_EXAMPLES` sets the examples per
operation (CI default 25); `bench/fuzz.py` runs the same checks for longer.
"""

from __future__ import annotations

import os

import schemathesis
from api_checks import well_formed_error
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from server_harness import ServerProcess

from app.common import ServerSettings
from app.server._openapi import openapi_document

EXAMPLES = int(os.environ.get("SFDESK_FUZZ_EXAMPLES", "25"))
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    well_formed_error,
]


# The document is built in-process (schemathesis' lazy fixture loader does not run on pytest 9);
# the first test proves it is the one the server serves.
schemathesis.serializer.alias("image/bmp", "application/octet-stream")
DOCUMENT = openapi_document(ServerSettings())
CONFIG = schemathesis.config.SchemathesisConfig()
CONFIG.projects.default.generation.update(modes=list(schemathesis.GenerationMode))
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def test_the_fuzzed_document_is_the_served_one(shared_server: ServerProcess) -> None:
    assert shared_server.http().get("/openapi.json").json == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_within_the_contract(
    case: schemathesis.Case, shared_server: ServerProcess
) -> None:
    # not_a_server_error is replaced by well_formed_error, which allows the documented 5xx.
    case.call_and_validate(
        base_url=shared_server.url,
        checks=CHECKS,
        excluded_checks=[not_a_server_error],
        timeout=60,
    )

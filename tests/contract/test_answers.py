"""(a) What the qTest simulator answers fits the official 2023.6 models: every key is one of the model's JSON
names, every value of the model's type, and the official package builds its model objects from it, so no field
is lost on the way and none the model requires is missing."""

import pytest
from swagger_client.rest import ApiException

from tests.contract.conftest import LOOK_UPS, MIGRATION, report
from tests.contract.endpoints import ENDPOINTS, ERROR_MODEL, NOT_JSON_ANSWER, SEARCH, SEARCH_ITEMS
from tests.contract.swagger import deserialize, problems

JSON_ANSWERS = [endpoint for endpoint in ENDPOINTS if endpoint not in NOT_JSON_ANSWER]


def answer_problems(exchange, model):
    """Problems of one answer against `model`, the package's own refusal included."""
    payload = exchange.json_answer()
    found = [f"{exchange}: {problem}" for problem in problems(payload, model, "answer")]
    try:
        deserialize(payload, model)
    except (ValueError, ApiException) as refusal:
        found.append(f"{exchange}: the official package cannot build {model}: {refusal}")
    return found


def search_problems(exchange, operation):
    """The PagedResource envelope, and its items as the model of the object type searched."""
    payload = exchange.json_answer()
    item_model = SEARCH_ITEMS[exchange.json_body()["object_type"]]
    envelope = {key: value for key, value in payload.items() if key != "items"}
    found = [f"{exchange}: {problem}" for problem in problems(envelope, operation.response, "answer")]
    return found + answer_problems(_Items(exchange, payload.get("items")), f"list[{item_model}]")


class _Items:
    """The items of a search answer, checked as an answer of their own."""

    def __init__(self, exchange, items):
        self.exchange, self.items = exchange, items

    def json_answer(self):
        return self.items

    def __str__(self):
        return f"{self.exchange} items"


@pytest.mark.parametrize("endpoint", JSON_ANSWERS, ids=" ".join)
def test_every_answer_fits_its_official_model(by_endpoint, official, endpoint):
    answered = [e for e in by_endpoint.get(endpoint, []) if e.status < 300 and e.phase in (MIGRATION, LOOK_UPS)]
    assert answered, f"{' '.join(endpoint)} was never answered in the recorded migration and look-ups"
    operation = next(op for op in official if (op.method, op.path) == endpoint)
    found = []
    for exchange in answered:
        if endpoint == SEARCH:
            found += search_problems(exchange, operation)
        else:
            found += answer_problems(exchange, operation.response)
    assert not found, report(endpoint, found)


def test_a_downloaded_attachment_is_the_file_itself(by_endpoint):
    endpoint = next(iter(NOT_JSON_ANSWER))
    downloads = [e for e in by_endpoint.get(endpoint, []) if e.status == 200]
    assert downloads, "no attachment was downloaded in the recorded migration"
    assert all(not e.answer_type.startswith("application/json") and e.answer for e in downloads)


def test_refusals_answer_the_message_model(recorded):
    refused = [e for e in recorded if e.status >= 400 and e.path != "/oauth/token"]
    assert {e.status for e in refused} >= {400, 404}, "the recording ends with a 400 and a 404"
    found = [problem for exchange in refused for problem in answer_problems(exchange, ERROR_MODEL)]
    assert not found, report(("any", "refusal"), found)

import pytest
import responses


@pytest.fixture
def rsps():
    """Every HTTP call answered by the registered responses; an unanswered one fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock

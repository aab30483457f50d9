"""The Jira stand-in gives embedded files to Basic auth only, through a media host that takes no credentials."""

import pytest
import requests

from ztoq_luigi.sandbox.jira import start_jira

EMAIL, TOKEN = "qa@example.com", "jira-token"
PATH = "/secure/attachment/10001/screen.png"
PNG = b"\x89PNG\r\n\x1a\nscreen"


@pytest.fixture(scope="module")
def jira():
    app, server = start_jira({PATH: ("image/png", PNG)}, EMAIL, TOKEN)
    yield app
    server.stop()


def get(url, auth=None, **kwargs):
    return requests.get(url, auth=auth, timeout=5, **kwargs)


def test_with_basic_auth_the_site_redirects_to_the_media_host_which_serves_the_file(jira):
    response = get(jira.site_url + PATH, auth=(EMAIL, TOKEN))
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert [hop.status_code for hop in response.history] == [303]
    assert response.url.startswith(jira.media_url + "/file/")
    assert "Authorization" not in response.request.headers, "requests dropped the credentials for the other host"


@pytest.mark.parametrize("auth", [None, (EMAIL, "wrong"), ("other@example.com", TOKEN)], ids=["none", "token", "email"])
def test_without_the_right_credentials_the_site_answers_401(jira, auth):
    response = get(jira.site_url + PATH, auth=auth, allow_redirects=False)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json() == {"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}


def test_an_unknown_attachment_is_404(jira):
    assert get(jira.site_url + "/secure/attachment/1/none.png", auth=(EMAIL, TOKEN)).status_code == 404


def test_the_media_host_refuses_credentials_forwarded_from_the_site(jira):
    """A client that kept Authorization across the redirect would leak it: here it gets a 401 instead."""
    location = get(jira.site_url + PATH, auth=(EMAIL, TOKEN), allow_redirects=False).headers["Location"]
    assert get(location, auth=(EMAIL, TOKEN)).status_code == 401
    assert get(location).content == PNG


def test_each_route_answers_on_its_own_host_only(jira):
    assert get(jira.media_url + PATH, auth=(EMAIL, TOKEN)).status_code == 404
    location = get(jira.site_url + PATH, auth=(EMAIL, TOKEN), allow_redirects=False).headers["Location"]
    assert get(location.replace(jira.media_url, jira.site_url)).status_code == 404


def test_an_unknown_media_token_is_refused(jira):
    assert get(jira.media_url + "/file/t999/binary").status_code == 401

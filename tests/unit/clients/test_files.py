"""Downloads of embedded files: each host's credentials go to that host only, redirects included."""

import base64

import pytest

from ztoq_luigi.clients.errors import AuthenticationError
from ztoq_luigi.clients.files import ExternalHost, Hosts
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.credentials import HostCredentials
from ztoq_luigi.secrets import Secret

ZEPHYR = "https://api.zephyrscale.example.test/v2"
ZEPHYR_TOKEN = "zephyr-jwt"
JIRA = "https://acme.atlassian.example.test"
EMAIL, API_TOKEN = "qa@acme.test", "atlassian-api-token-123"
BASIC = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
PNG = b"\x89PNG\r\n\x1a\nbytes"


@pytest.fixture
def hosts():
    zephyr = ZephyrClient(ZEPHYR, Secret(ZEPHYR_TOKEN))
    credentials = {"acme.atlassian.example.test": HostCredentials("acme.atlassian.example.test", EMAIL,
                                                                  Secret(API_TOKEN))}
    return Hosts(zephyr, credentials)


def image(rsps, url, status=200):
    rsps.get(url, body=PNG if status == 200 else b'{"errorMessages": ["nope"]}', status=status,
             content_type="image/png" if status == 200 else "application/json")


def authorization(call):
    return call.request.headers.get("Authorization")


def test_each_host_gets_its_own_credentials_and_no_other(rsps, hosts, tmp_path):
    image(rsps, f"{JIRA}/secure/attachment/1/a.png")
    image(rsps, "https://api.zephyrscale.example.test/files/b.png")
    image(rsps, "https://elsewhere.example.test/c.png")
    image(rsps, f"{JIRA}:8443/secure/attachment/2/d.png")
    for name, url in (("a", f"{JIRA}/secure/attachment/1/a.png"),
                      ("b", "https://api.zephyrscale.example.test/files/b.png"),
                      ("c", "https://elsewhere.example.test/c.png"),
                      ("d", f"{JIRA}:8443/secure/attachment/2/d.png")):
        sha256, content_type, size = hosts.download(url, str(tmp_path / name))
        assert (content_type, size) == ("image/png", len(PNG))
    assert [authorization(call) for call in rsps.calls] == [f"Basic {BASIC}", f"Bearer {ZEPHYR_TOKEN}", None, None]


def test_a_redirect_to_another_host_drops_the_credentials(rsps, hosts, tmp_path):
    """Jira Cloud sends an attachment on to its media host, whose URL carries a token of its own."""
    media = "https://media.example.test/file/abc/binary?token=t1"
    rsps.get(f"{JIRA}/secure/attachment/1/a.png", status=303, headers={"Location": media})
    image(rsps, media)
    hosts.download(f"{JIRA}/secure/attachment/1/a.png", str(tmp_path / "a"))
    assert [authorization(call) for call in rsps.calls] == [f"Basic {BASIC}", None]
    assert (tmp_path / "a").read_bytes() == PNG


def test_a_redirect_to_the_same_host_keeps_them(rsps, hosts, tmp_path):
    rsps.get(f"{JIRA}/secure/attachment/1/a.png", status=302, headers={"Location": f"{JIRA}/attachments/a.png"})
    image(rsps, f"{JIRA}/attachments/a.png")
    hosts.download(f"{JIRA}/secure/attachment/1/a.png", str(tmp_path / "a"))
    assert [authorization(call) for call in rsps.calls] == [f"Basic {BASIC}", f"Basic {BASIC}"]


def test_a_refusal_names_the_host_and_never_the_token(rsps, tmp_path):
    client = ExternalHost(HostCredentials("acme.atlassian.example.test", EMAIL, Secret(API_TOKEN)))
    rsps.get(f"{JIRA}/secure/attachment/1/a.png", status=401,
             json={"errorMessages": [f"bad token {API_TOKEN} / {BASIC}"]})
    with pytest.raises(AuthenticationError) as caught:
        client.download_to(f"{JIRA}/secure/attachment/1/a.png", str(tmp_path / "a"))
    message = str(caught.value)
    assert "401" in message and "acme.atlassian.example.test" in message
    assert API_TOKEN not in message and BASIC not in message
    assert not (tmp_path / "a").exists()

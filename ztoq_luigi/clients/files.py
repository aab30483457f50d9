"""Downloads of embedded files from hosts other than the Zephyr API: each with its own credentials, or none.

Zephyr Scale Cloud keeps the files pasted into rich text in Jira, which
serves them only to HTTP Basic auth (an Atlassian account email and API
token); links may also point anywhere else. `Hosts` sends each download to
the client for its link's host: the Zephyr client (bearer token) for the
Zephyr host, one ExternalHost per host with configured credentials, and one
anonymous ExternalHost for every other host. No client ever holds another
host's credentials.
"""

from urllib.parse import urlsplit

from ztoq_luigi.clients.errors import TransportError
from ztoq_luigi.clients.gate import RequestGate
from ztoq_luigi.clients.http import HttpClient, RetryPolicy
from ztoq_luigi.credentials import host_of


class ExternalHost(HttpClient):
    """A host other than Zephyr's that links point at: it gets its own credentials or none, and little patience.

    An instance holds the credentials of one host at most, and sends them
    only in requests to the URLs of that host; a redirect to another host
    loses them (requests drops Authorization when the host, port or scheme
    changes), as with Jira Cloud, which sends file downloads on to its media
    host with a token in the URL. Two attempts are enough for a host that is down or does not resolve, which
    would otherwise cost the full retry budget for every link to it; once a
    host has failed that way, its other links in the same batch fail at once
    with the same reason. Every URL it fetches is absolute, so its base URL
    is never used.
    """

    service = "external host"

    def __init__(self, credentials=None, gate=None):
        super().__init__("http://external.invalid", retry=RetryPolicy(attempts=2, initial_backoff=0.5), gate=gate)
        self._credentials = credentials
        self._unreachable = {}

    def secrets(self):
        if self._credentials is None:
            return []
        return [self._credentials.api_token, self._credentials.basic_token()]

    def auth_headers(self):
        return {"Authorization": f"Basic {self._credentials.basic_token().reveal()}"} if self._credentials else {}

    def auth_hint(self, status):
        if self._credentials is not None:
            return f"expected the email and API token configured for {self._credentials.host} to be accepted"
        return "expected credentials for the host in attachments.hosts, or --jira-base-url with --jira-email and " \
               "--jira-api-token"

    def download_to(self, url, destination, authenticated=False):
        host = urlsplit(url).netloc
        if host in self._unreachable:
            raise TransportError(f"{self.service} GET {url} not tried: {host} already failed in this batch "
                                 f"({self._unreachable[host]})", service=self.service, method="GET", path=url)
        try:
            return super().download_to(url, destination, authenticated=self._credentials is not None)
        except TransportError as error:
            self._unreachable[host] = reason(error)
            raise

    def reachable_address(self, path):
        return urlsplit(path).netloc or path


class Hosts:
    """Routes each download to the client for its host: Zephyr's, one per host with credentials, or an anonymous one.

    The other hosts get gates of their own (they are not the services whose
    load --max-workers bounds) that stop with the run's, so a SIGTERM ends
    their downloads too.
    """

    def __init__(self, zephyr, credentials):
        self._zephyr = zephyr
        self._zephyr_host = host_of(zephyr.base_url)
        self._credentials = credentials
        self._clients = {}

    def download(self, url, path):
        host = host_of(url)
        if host == self._zephyr_host:
            return self._zephyr.download(url, path)
        key = host if host in self._credentials else None
        if key not in self._clients:
            gate = RequestGate(self._zephyr.gate.limit, self._zephyr.gate.stop)
            self._clients[key] = ExternalHost(self._credentials.get(key), gate=gate)
        return self._clients[key].download_to(url, path)


def reason(error):
    """The first line of an API error, without the 'expected ... to be reachable' advice meant for the API."""
    return str(error).strip().splitlines()[0].split("; expected ")[0]

"""The one HTTP base both API clients stand on: pooling, timeouts, retries and error mapping.

One retry layer, tenacity, with one budget per request: it repeats
requests that were certainly not applied (failures to connect, 429, and for
reads 5xx and dropped connections), sleeping for the server's Retry-After
when it gives a positive one and backing off exponentially with jitter when
it gives 0 or nothing; a 429 also slows the service's shared request budget
(clients/budget.py), which every attempt waits for. Our own back-off stops once the request has spent
`budget` seconds, so an unreachable service fails in about a minute; a wait
the server asked for is honoured up to `max_retry_after`. A request that
gave up is never retried again by an enclosing one (a login inside a
request), which would multiply the attempts. Writes that may have been
applied are never repeated here: they raise AmbiguousWriteError for the
caller to reconcile.
"""

import contextlib
import hashlib
import json
import logging
import os
from urllib.parse import urlsplit

import requests
import tenacity
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting

from ztoq_luigi.clients.errors import (
    AmbiguousWriteError, AuthenticationError, LoginFailedError, MalformedPayloadError, NotFoundError,
    RateLimitedError, RequestRejectedError, RetryableError, ServerError, TransportError,
)
from ztoq_luigi.clients.gate import RequestGate
from ztoq_luigi.secrets import mask

log = logging.getLogger(__name__)

READ_METHODS = ("GET", "HEAD", "OPTIONS")
EXCERPT_CHARS = 300


class RetryPolicy:
    def __init__(self, attempts=6, initial_backoff=0.5, max_backoff=30.0, max_retry_after=120.0, budget=60.0):
        self.attempts = attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.budget = budget

    def stop(self):
        """After `attempts`, or when our own back-off would end past the budget (a server's Retry-After is kept)."""
        out_of_time = tenacity.stop_before_delay(self.budget)

        def stop(state):
            if state.attempt_number >= self.attempts:
                return True
            return not getattr(state.outcome.exception(), "retry_after", None) and out_of_time(state)

        return stop

    def wait(self):
        backoff = (tenacity.wait_exponential(multiplier=self.initial_backoff, max=self.max_backoff)
                   + tenacity.wait_random(0, self.initial_backoff))

        def wait(state):
            error = state.outcome.exception()
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                return min(retry_after, self.max_retry_after)
            return min(backoff(state), self.max_backoff)

        return wait


class _Session(requests.Session):
    """A requests session that reads the environment's proxy and CA bundle settings once per host.

    requests reads them again for every request (proxy variables, no_proxy
    matching, a look for ~/.netrc): a tenth of the client's time in a
    migration. Credentials are always our own headers: a ~/.netrc entry for
    the host must not replace them, so netrc is never consulted.
    """

    def __init__(self):
        super().__init__()
        self.auth = _own_headers
        self._environment = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        origin = urlsplit(url)[:2]
        if origin not in self._environment:
            self._environment[origin] = super().merge_environment_settings(url, {}, None, None, None)
        settings = self._environment[origin]
        return dict(settings, proxies=merge_setting(proxies, settings["proxies"]),
                    stream=merge_setting(stream, settings["stream"]), verify=merge_setting(verify, settings["verify"]),
                    cert=merge_setting(cert, settings["cert"]))


def _own_headers(request):
    return request


class HttpClient:
    """Sends requests for one service; subclasses add authentication and the API's methods."""

    service = "API"

    def __init__(self, base_url, *, timeout=(10.0, 60.0), retry=None, pool_size=16, sleep=None, gate=None,
                 budget=None):
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.gate = gate or RequestGate(pool_size)
        self._sleep = sleep or self.gate.sleep
        self.session = _Session()
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def secrets(self):
        """Values to mask in any message built from a request or response."""
        return []

    def auth_headers(self):
        return {}

    def reauthenticate(self):
        """Called once after a 401; return True if the request is worth sending again."""
        return False

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(self, method, path, *, params=None, json_body=None, data=None, headers=None, authenticated=True,
                idempotent=None, stream=False):
        """Send with retries; return the successful requests.Response or raise an ApiError.

        authenticated=False sends no credentials of the client's own (for a login request);
        idempotent=True marks a POST that only reads (a search), so it is retried like a GET;
        `data` may be a callable that opens the body afresh for each attempt (a file to stream).
        """
        if idempotent is None:
            idempotent = method in READ_METHODS
        retrying = tenacity.Retrying(
            stop=self.retry.stop(),
            wait=self.retry.wait(),
            retry=tenacity.retry_if_exception(_worth_retrying),
            before_sleep=self._log_retry,
            retry_error_callback=_give_up,
            reraise=True,
            sleep=self._sleep,
        )
        reauthenticated = False
        for attempt in retrying:
            with attempt:
                try:
                    return self._send(method, path, params, json_body, data, headers, authenticated, idempotent,
                                      stream)
                except LoginFailedError:
                    raise
                except AuthenticationError as error:
                    if not authenticated or error.status != 401 or reauthenticated or not self.reauthenticate():
                        raise
                    reauthenticated = True
                    return self._send(method, path, params, json_body, data, headers, authenticated, idempotent,
                                      stream)

    def download_to(self, url, destination, authenticated=True, params=None):
        """Stream a file to disk (memory stays flat whatever its size); returns (sha256, content type, size)."""
        response = self.request("GET", url, params=params, authenticated=authenticated, stream=True)
        digest, size = hashlib.sha256(), 0
        temporary = f"{destination}.part"
        try:
            with open(temporary, "wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            os.replace(temporary, destination)
        except requests.exceptions.RequestException as error:
            raise TransportError(self._transport_message("GET", url, error), service=self.service,
                                 method="GET", path=url) from None
        finally:
            response.close()
            if os.path.exists(temporary):
                os.remove(temporary)
        content_type = (response.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip()
        return digest.hexdigest(), content_type, size

    def get_json(self, path, params=None):
        return self.decode(self.request("GET", path, params=params), "GET", path)

    def decode(self, response, method, path):
        try:
            return response.json()
        except ValueError:
            raise MalformedPayloadError(
                f"{self.service} {method} {_short(path)} answered {response.status_code} with a body that is not "
                f"JSON: {self._excerpt(response.text)!r}; expected a JSON document",
                service=self.service, method=method, path=path, status=response.status_code)

    def _send(self, method, path, params, json_body, data, headers, authenticated, idempotent, stream=False):
        own = self.auth_headers() if authenticated else {}
        all_headers = {"Accept": "application/json", **own, **(headers or {})}
        with self.gate.slot(), contextlib.closing(data()) if callable(data) else contextlib.nullcontext(data) as body:
            if self.budget is not None:
                self.budget.acquire()
            try:
                response = self.session.request(method, self.url(path), params=params, json=json_body, data=body,
                                                headers=all_headers, timeout=self.timeout, stream=stream)
            except requests.exceptions.ConnectTimeout as error:
                raise TransportError(self._transport_message(method, path, error), service=self.service,
                                     method=method, path=path) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                kind = TransportError if idempotent else AmbiguousWriteError
                raise kind(self._transport_message(method, path, error), service=self.service, method=method,
                           path=path) from None
        if response.status_code < 400:
            return response
        raise self._error_for(method, path, response, idempotent)

    def _error_for(self, method, path, response, idempotent):
        status = response.status_code
        detail = self._excerpt(self._error_detail(response))
        where = f"{self.service} {method} {_short(path)} answered {status}"
        context = dict(service=self.service, method=method, path=path, status=status, excerpt=detail)
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if self.budget is not None:
                self.budget.throttled_by_service(retry_after)
            return RateLimitedError(f"{where} (rate limited): {detail}", retry_after=retry_after, **context)
        if status in (401, 403):
            return AuthenticationError(f"{where}: {detail}; {self.auth_hint(status)}", **context)
        if status == 404:
            return NotFoundError(f"{where}: {detail}", **context)
        if status >= 500:
            if idempotent:
                return ServerError(f"{where}: {detail}", **context)
            return AmbiguousWriteError(f"{where} to a write, which may or may not have been applied: {detail}",
                                       **context)
        return RequestRejectedError(f"{where}: {detail}", **context)

    def auth_hint(self, status):
        return "expected valid credentials"

    def _error_detail(self, response):
        try:
            body = response.json()
        except ValueError:
            return response.text.strip() or response.reason or ""
        if isinstance(body, dict):
            for key in ("message", "error_description", "error", "errorMessage"):
                if isinstance(body.get(key), str):
                    return body[key]
        return json.dumps(body, ensure_ascii=False)

    def _excerpt(self, text):
        text = " ".join(mask(str(text), self.secrets()).split())
        return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."

    def reachable_address(self, path):
        """What a transport failure names as the address that should have answered."""
        return self.base_url

    def _transport_message(self, method, path, error):
        reason = mask(_root_cause(error), self.secrets())
        return (f"{self.service} {method} {_short(path)} failed: {reason}; "
                f"expected {self.reachable_address(path)} to be reachable")

    def _log_retry(self, state):
        error = state.outcome.exception()
        log.warning("retrying after attempt %d: %s", state.attempt_number, error)


def _worth_retrying(error):
    return isinstance(error, RetryableError) and not error.gave_up


def _give_up(state):
    """Raise the last error, saying how long was tried, and marked so that no enclosing request retries it."""
    error = state.outcome.exception()
    error.gave_up = True
    if state.attempt_number > 1:
        error.args = (f"{error.args[0]} (gave up after {state.attempt_number} attempts in "
                      f"{state.seconds_since_start:.0f} s)",) + error.args[1:]
    raise error


def _retry_after(value):
    """Seconds from a Retry-After header; 0, absent or unparseable mean 'back off yourself'."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _short(path):
    return path.split("?", 1)[0]


def _root_cause(error):
    cause = error
    while True:
        inner = getattr(cause, "reason", None) or (cause.args[0] if cause.args and
                                                    isinstance(cause.args[0], BaseException) else None)
        if inner is None or inner is cause:
            break
        cause = inner
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]

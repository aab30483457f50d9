"""A small threaded HTTP framework shared by the two simulators.

The standard library's ThreadingHTTPServer is enough for a simulator, but each
service needs the same plumbing around it: routing by path template, JSON
bodies, per-route counters and fault injection at well-defined points. Keeping
that here means the Zephyr and qTest simulators contain only what is specific
to the service they imitate.
"""

import contextlib
import json
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ztoq_luigi.sandbox.faults import DROP_AFTER, DROP_BEFORE, FaultInjector

log = logging.getLogger(__name__)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class HttpError(Exception):
    """Raised by handlers; the app turns it into the service's own error body."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: object
    body: bytes
    params: dict = field(default_factory=dict)
    route: str = ""
    received_at: float = field(default_factory=time.monotonic)  # when it arrived, before any lock or fault

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def int_arg(self, name, default=None, minimum=None):
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise HttpError(400, f"{name} must be an integer, got '{raw}'")
        if minimum is not None and value < minimum:
            raise HttpError(400, f"{name} must be greater than or equal to {minimum}")
        return value

    def bool_arg(self, name, default=False):
        raw = self.arg(name)
        if raw is None:
            return default
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise HttpError(400, f"{name} must be true or false, got '{raw}'")

    def json(self):
        if not self.body:
            raise HttpError(400, "Request body is required")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HttpError(400, "Request body is not valid JSON")

    @property
    def is_write(self):
        return self.method in WRITE_METHODS


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)

    @classmethod
    def json(cls, status, payload, headers=None):
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        return cls(status, json.dumps(payload).encode("utf-8"), merged)


class Router:
    """Maps (method, path template) to handlers; `{name}` matches one segment."""

    def __init__(self):
        self._routes = []

    def add(self, method, template, handler):
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile(f"^{pattern}$"), template, handler))

    def match(self, method, path):
        """Return (handler, params, template); handler is None when only the method is wrong."""
        path_known = None
        for route_method, regex, template, handler in self._routes:
            found = regex.match(path)
            if not found:
                continue
            if route_method == method:
                return handler, found.groupdict(), template
            path_known = template
        return None, {}, path_known


class SandboxApp:
    """Base for a simulated service: routing, auth, faults and counters in one dispatch."""

    name = "sandbox"
    reads_by_post = ()  # route templates answered to a POST that change nothing (a login, a search)

    def __init__(self, faults=None):
        self.router = Router()
        self.faults = faults or FaultInjector()
        self.counters = RequestCounters(self.reads_by_post)
        self._write_hooks = []
        self._exchange_hooks = []
        self.lock = threading.RLock()

    def error_response(self, status, message, headers=None):
        raise NotImplementedError

    def unknown_route(self, request, known_template):
        """The answer for a path or method no route serves; services differ here."""
        raise NotImplementedError

    def authenticate(self, request):
        """Raise HttpError(401) unless the request carries valid credentials."""

    def add_write_hook(self, hook):
        """`hook(request, response)` runs after a write is applied, before it is answered.

        Tests use it to kill a client at the worst moment: the server has
        created the object but the client has not yet seen the answer.
        """
        self._write_hooks.append(hook)

    def clear_write_hooks(self):
        self._write_hooks.clear()

    def add_exchange_hook(self, hook):
        """`hook(request, response)` runs for every request answered, with the answer sent.

        Contract tests use it to record what a client sends and what the
        simulator answers, from whichever process the client runs in.
        """
        self._exchange_hooks.append(hook)

    def clear_exchange_hooks(self):
        self._exchange_hooks.clear()

    def dispatch(self, request):
        """Return a Response, or DROP_BEFORE / DROP_AFTER to close the connection unanswered."""
        result = self._dispatch(request)
        if isinstance(result, Response):
            for hook in list(self._exchange_hooks):
                hook(request, result)
        return result

    def _dispatch(self, request):
        handler, params, template = self.router.match(request.method, request.path)
        request.params, request.route = params, template or request.path
        self.counters.record(request.method, request.route)
        try:
            fault = self.faults.before(request)
            if fault is DROP_BEFORE:
                return DROP_BEFORE
            if fault is not None:
                return self.error_response(fault.status, fault.message, fault.headers)
            if handler is None:
                return self.unknown_route(request, template)
            self.authenticate(request)
            with self.lock:
                response = handler(request)
        except HttpError as error:
            return self.error_response(error.status, error.message, error.headers)
        except Exception as error:
            log.exception("%s handler failed on %s %s", self.name, request.method, request.path)
            return self.error_response(500, f"Internal server error: {type(error).__name__}")
        if request.is_write and response.status < 400:
            for hook in list(self._write_hooks):
                hook(request, response)
            after = self.faults.after_write(request)
            if after is DROP_AFTER:
                return DROP_AFTER
            if after is not None:
                return self.error_response(after.status, after.message, after.headers)
        return response


class RequestCounters:
    """Thread-safe request counts per (method, route template), and the most requests ever in flight at once.

    The peak is how a test sees that a client keeps its promise about
    concurrency (`--max-workers N` means at most N requests in flight).
    """

    def __init__(self, reads_by_post=()):
        self._lock = threading.Lock()
        self._counts = {}
        self._reads_by_post = frozenset(reads_by_post)
        self._in_flight = 0
        self.peak = 0

    @contextlib.contextmanager
    def in_flight(self):
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def record(self, method, route):
        with self._lock:
            self._counts[(method, route)] = self._counts.get((method, route), 0) + 1

    def get(self, method, route):
        with self._lock:
            return self._counts.get((method, route), 0)

    def snapshot(self):
        with self._lock:
            return dict(self._counts)

    def total(self, methods=None):
        with self._lock:
            return sum(n for (m, _), n in self._counts.items() if methods is None or m in methods)

    def writes(self):
        """Requests that may change the service: a login or a search sent by POST only reads."""
        with self._lock:
            return sum(n for (method, route), n in self._counts.items()
                       if method in WRITE_METHODS and not (method == "POST" and route in self._reads_by_post))

    def is_read_by_post(self, route):
        return route in self._reads_by_post

    def reset(self):
        with self._lock:
            self._counts.clear()
            self.peak = self._in_flight


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two sends; without TCP_NODELAY the body waits
    # for the client's delayed ACK and every request costs ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        """Quiet: the simulators count requests instead of logging each one."""

    def _serve(self):
        app = self.server.app
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
        )
        with app.counters.in_flight():
            latency = app.faults.config.latency_ms
            if latency:
                time.sleep(latency / 1000.0)
            result = app.dispatch(request)
        if result is DROP_BEFORE or result is DROP_AFTER:
            self.close_connection = True
            return
        self.send_response(result.status)
        for name, value in result.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """A client that hangs up (killed, timed out) is routine for a server, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ServerThread:
    """Runs an app on 127.0.0.1 in a background thread; port 0 picks a free port."""

    def __init__(self, app, port=0, host="127.0.0.1", path_prefix=""):
        self.app = app
        self._server = _Server((host, port), _Handler)
        self._server.app = app
        self.host, self.port = self._server.server_address[:2]
        self.root_url = f"http://{self.host}:{self.port}"
        self.base_url = self.root_url + path_prefix
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{app.name}-server", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

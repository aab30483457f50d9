"""What can go wrong talking to Zephyr or qTest, as exceptions that tell the caller what to do.

The split that matters is between failures that are safe to retry (the
request was certainly not applied: throttled, refused before sending, or a
read) and AmbiguousWriteError: a write whose outcome is unknown because the
connection dropped or the server failed after receiving it. Retrying that
blindly is how migrations duplicate test cases; the caller must look the
object up first.
"""

from ztoq_luigi.errors import ExitStatus, ZtoqError


class ApiError(ZtoqError):
    exit_status = ExitStatus.API_ERROR

    def __init__(self, message, *, service=None, method=None, path=None, status=None, excerpt=None):
        super().__init__(message)
        self.service, self.method, self.path = service, method, path
        self.status, self.excerpt = status, excerpt


class AuthenticationError(ApiError):
    """Credentials missing, wrong or expired, or no access to the resource."""

    exit_status = ExitStatus.AUTH_ERROR


class LoginFailedError(AuthenticationError):
    """The credentials themselves were refused; logging in again with them cannot help."""


class NotFoundError(ApiError):
    pass


class RequestRejectedError(ApiError):
    """The service refused the request as invalid (a 4xx other than auth, 404 and 429)."""


class MalformedPayloadError(ApiError):
    """The service answered with JSON that does not have the documented shape."""


class RetryableError(ApiError):
    """The request was not applied and may be sent again after a pause, unless its retries gave up already."""

    retry_after = None
    gave_up = False


class RateLimitedError(RetryableError):
    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(RetryableError):
    """A 5xx on a read, or a failure known to have happened before a write was applied."""


class TransportError(RetryableError):
    """The connection failed or timed out on a request that is safe to repeat."""


class AmbiguousWriteError(ApiError):
    """A write was sent but its outcome is unknown; look the object up before writing again."""

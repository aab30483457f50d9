"""Exit statuses and the exception hierarchy every layer raises.

The CLI maps each exception class to one exit status and prints its message as
a single line, so every error raised here must carry a message a user can act
on: what was wrong, and what was expected.
"""

import enum


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    FAILED = 1
    USAGE_ERROR = 2
    DATABASE_ERROR = 3
    AUTH_ERROR = 4
    API_ERROR = 5
    VALIDATION_FAILED = 6
    RUN_LOCKED = 7
    INTERRUPTED = 130
    TERMINATED = 143


class ZtoqError(Exception):
    exit_status = ExitStatus.FAILED


class Interrupted(ZtoqError):
    """SIGINT or SIGTERM asked the run to stop; what was in flight finished, nothing new started."""

    exit_status = ExitStatus.INTERRUPTED


class RunLocked(ZtoqError):
    """Another `run` or `resume` of the same project holds the state database's run lock."""

    exit_status = ExitStatus.RUN_LOCKED


class ConfigError(ZtoqError):
    """A flag, environment variable or configuration file value is invalid."""

    exit_status = ExitStatus.USAGE_ERROR


class DatabaseError(ZtoqError):
    """The state database cannot be opened, reached or upgraded."""

    exit_status = ExitStatus.DATABASE_ERROR

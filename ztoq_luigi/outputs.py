"""Where a run writes besides the database (its log and its report), checked before anything starts.

A path that cannot be written is a mistake in the settings: found after the
pipeline ran, it would cost the run's report and leave a user with a
traceback; found before, it is one line naming the flag.
"""

import os

from ztoq_luigi.errors import ConfigError


def log_dir(settings):
    return os.path.join(settings.output_dir, "logs")


def report_path(settings):
    return os.path.join(settings.output_dir, "reports", f"{settings.project_key}-report.html")


def prepare(settings):
    """Create the log and report directories, or fail with one ConfigError line naming --output-dir."""
    for directory, what in ((log_dir(settings), "log"), (os.path.dirname(report_path(settings)), "report")):
        _writable_directory(directory, what)
    report = report_path(settings)
    if os.path.isdir(report):
        raise ConfigError(f"--output-dir: the report path {report} is a directory; expected it free for the report "
                          "file, or another --output-dir")
    if os.path.exists(report) and not os.access(report, os.W_OK):
        raise ConfigError(f"--output-dir: the report file {report} is not writable; expected a writable file, "
                          "or another --output-dir")


def _writable_directory(directory, what):
    try:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"--output-dir: cannot create the {what} directory {directory}: a file is in the way; "
                          "expected a directory, or another --output-dir")
    except OSError as error:
        raise ConfigError(f"--output-dir: cannot create the {what} directory {directory} ({error.strerror}); "
                          "expected a writable directory, or another --output-dir")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"--output-dir: the {what} directory {directory} is not writable; expected a writable "
                          "directory, or another --output-dir")

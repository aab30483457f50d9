"""ztoq-luigi: a resumable Luigi pipeline that migrates Zephyr Scale Cloud test data to qTest Manager."""

import logging

__version__ = "0.1.0"

# Until a run configures its log file, what the package logs (retries before the run starts) is not for the
# terminal: the command ends with one line that says what failed.
logging.getLogger(__name__).addHandler(logging.NullHandler())

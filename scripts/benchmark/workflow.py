"""`ztoq workflow` against a sandbox, as the benchmarks run it: the command line, the state database, cleanup."""

import os
import subprocess
import sys

from ztoq_luigi.config import load_settings

ZTOQ = os.path.join(os.path.dirname(sys.executable), "ztoq")


class Workflow:
    """The flags, environment and settings of one migration of `sandbox` into `directory`."""

    def __init__(self, sandbox, directory, db_type="sqlite", db_name=None, extra=()):
        postgresql = db_type == "postgresql"
        database = ["--db-type", db_type] + (["--database", db_name, "--host", "127.0.0.1"] if postgresql else [])
        self.flags = [*sandbox.workflow_args(directory), *database, *extra]
        self.env = dict(os.environ, **sandbox.environment())
        self.settings = load_settings(dict({"output_dir": directory, "db_type": db_type},
                                           **({"db_name": db_name, "db_host": "127.0.0.1"} if postgresql else {})), {})

    def command(self, name):
        return [ZTOQ, "workflow", name, *self.flags]

    def cleanup(self):
        """Forget the project's state, so a PostgreSQL database serves one migration after another."""
        subprocess.run([*self.command("cleanup"), "--yes"], env=self.env, check=True, stdout=subprocess.DEVNULL)

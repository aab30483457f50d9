"""The sandbox: local simulators of Zephyr Scale v2 and qTest v3, a project generator, fault injection.

`start_sandbox` runs both servers on 127.0.0.1 with a generated project in
Zephyr and an empty stock project in qTest; `ztoq sandbox serve` and the
test fixtures both use it.
"""

from ztoq_luigi.sandbox.launch import Sandbox, start_sandbox

__all__ = ["Sandbox", "start_sandbox"]

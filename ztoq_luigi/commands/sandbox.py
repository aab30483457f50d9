"""`ztoq sandbox serve`: both simulators on 127.0.0.1 until interrupted, for trying the tool safely.

The sandbox is imported here, when the command runs, and nowhere else in the
tool: a migration never loads the simulators' code.
"""

import os
import threading

from ztoq_luigi.config import default_output_dir
from ztoq_luigi.errors import ConfigError, ExitStatus


def serve(args, env, stop_event=None):
    from ztoq_luigi.sandbox import start_sandbox
    from ztoq_luigi.sandbox.faults import PROFILES
    from ztoq_luigi.sandbox.generator import parse_size
    from ztoq_luigi.sandbox.launch import JIRA_API_TOKEN, JIRA_EMAIL, QTEST_PASSWORD, QTEST_USERNAME, ZEPHYR_TOKEN

    try:
        size = parse_size(args.size)
    except ValueError as error:
        raise ConfigError(f"--size: {error}")
    if args.faults not in PROFILES:
        raise ConfigError(f"--faults: invalid value '{args.faults}'; expected one of {', '.join(PROFILES)}")
    if args.error_rate is not None and not 0 <= args.error_rate <= 1:
        raise ConfigError(f"--error-rate: invalid value {args.error_rate}; expected a fraction from 0 to 1")
    try:
        sandbox = start_sandbox(size=size, seed=args.seed, project_key=args.project_key,
                                zephyr_port=args.zephyr_port, qtest_port=args.qtest_port, faults=args.faults,
                                latency_ms=args.latency_ms, error_rate=args.error_rate, rate_limit=args.rate_limit)
    except OSError as error:
        raise ConfigError(f"cannot listen on the requested port: {error.strerror}; expected a free port")
    counts = sandbox.dataset.counts()
    env.say(f"Zephyr Scale sandbox: {sandbox.zephyr_url}  (API token: {ZEPHYR_TOKEN})")
    env.say(f"qTest sandbox:        {sandbox.qtest_url}  (user: {QTEST_USERNAME}, password: {QTEST_PASSWORD}, "
            f"project id: 12345)")
    env.say(f"Jira site (files):    {sandbox.jira_url}  (email: {JIRA_EMAIL}, API token: {JIRA_API_TOKEN})")
    env.say(f"Project {sandbox.project_key}: " + ", ".join(f"{n} {name}" for name, n in counts.items())
            + f"; faults: {args.faults}. Press Ctrl-C to stop. Migrate it with:")
    env.say(sandbox.command_line(args.output_dir or os.path.join(default_output_dir(env.environ), "sandbox")))
    try:
        (stop_event or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return ExitStatus.SUCCESS

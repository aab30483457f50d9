"""`ztoq`: parse the command line, call the command, turn the outcome into one exit status.

The environment (variables and streams) is injected, so tests run the CLI in
process exactly as a user does. Every failure a user can cause ends as one
line on stderr and an ExitStatus; tracebacks are for ZTOQ_DEBUG=1 only.
"""

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import Mapping, TextIO

from ztoq_luigi import __version__
from ztoq_luigi.commands import cleanup, events, plan, report, run, sandbox, status
from ztoq_luigi.config import OPTIONS, PHASES, REPORT_FORMATS, load_settings
from ztoq_luigi.db.connection import close_all
from ztoq_luigi.errors import ConfigError, ExitStatus, ZtoqError


@dataclass
class Environment:
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def say(self, text=""):
        print(text, file=self.stdout, flush=True)

    def error(self, text):
        print(f"ztoq: error: {text}", file=self.stderr, flush=True)

    def note(self, text):
        print(f"ztoq: note: {text}", file=self.stderr, flush=True)

    def confirm(self, question):
        """Ask on stdout, read stdin; no answer (EOF, no terminal) means no."""
        self.stdout.write(f"{question} [y/N] ")
        self.stdout.flush()
        answer = self.stdin.readline() if self.stdin else ""
        return answer.strip().lower() in ("y", "yes")


class _ParserExit(Exception):
    def __init__(self, status):
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that writes to the injected streams and raises instead of exiting."""

    def __init__(self, *args, env, **kwargs):
        self.env = env
        super().__init__(*args, **kwargs)

    def add_parser_for(self, subparsers, name, **kwargs):
        return subparsers.add_parser(name, env=self.env, **kwargs)

    def _print_message(self, message, file=None):
        if message:
            (self.env.stderr if file is sys.stderr else self.env.stdout).write(message)

    def exit(self, status=0, message=None):
        if message:
            self.env.stderr.write(message)
        raise _ParserExit(status)

    def error(self, message):
        raise ConfigError(f"{message} (see '{self.prog} --help')")


WORKFLOW_COMMANDS = {
    "run": ("run the migration phases for a project", run.run),
    "resume": ("resume an interrupted or failed migration where it stopped", run.resume),
    "status": ("show a project's migration progress, entity counts and issues", status.show),
    "events": ("list the events a migration recorded, filtered by phase, level and time", events.run),
    "report": ("write a report of the migration (json, html or text)", report.run),
    "validate": ("check that qTest holds what Zephyr held, even after a run without validation", run.validate),
    "worker": ("join the project's run in progress on other hosts through luigid (never start one)", run.worker),
    "cleanup": ("remove a project's migration state and attachments, for a fresh migration", cleanup.run),
    "plan": ("extract and transform, then show what a load would create, without writing to qTest", plan.run),
}


def build_parser(env):
    parser = _Parser(prog="ztoq", description="Migrate Zephyr Scale Cloud test data to qTest Manager.", env=env)
    parser.add_argument("--version", action="version", version=f"ztoq-luigi {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    workflow = parser.add_parser_for(groups, "workflow", help="run and manage migrations")
    commands = workflow.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, handler) in WORKFLOW_COMMANDS.items():
        command = workflow.add_parser_for(commands, name, help=summary, description=summary)
        _add_settings_options(command)
        command.set_defaults(handler=_with_settings(handler))
        if name == "report":
            command.add_argument("--output-file", metavar="PATH", help="where to write the report")
            command.add_argument("--report-format", choices=REPORT_FORMATS, default=None,
                                 help="report format (default: from the file extension, else text)")
        if name == "cleanup":
            command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        if name == "events":
            events.add_arguments(command)
        if name in ("status", "plan", "events"):
            command.add_argument("--format", choices=("text", "json"), default="text",
                                 help="text for people (default), json for scripts")
        if name == "run":
            command.add_argument("--dry-run", action="store_true",
                                 help="same as 'ztoq workflow plan': extract and transform, write nothing to qTest")
    _add_sandbox_commands(parser, groups)
    return parser


def _add_sandbox_commands(parser, groups):
    group = parser.add_parser_for(groups, "sandbox", help="local Zephyr and qTest simulators to try the tool on")
    commands = group.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = group.add_parser_for(commands, "serve", help="serve a generated Zephyr project and an empty qTest "
                                 "project on 127.0.0.1 until interrupted")
    serve.add_argument("--zephyr-port", type=int, default=0, metavar="N", help="Zephyr port (default: any free)")
    serve.add_argument("--qtest-port", type=int, default=0, metavar="N", help="qTest port (default: any free)")
    serve.add_argument("--size", default="small", help="tiny, small, medium, large or a number of test cases")
    serve.add_argument("--seed", type=int, default=0, metavar="N", help="generator seed (same seed, same project)")
    serve.add_argument("--project-key", default="SBX", help="key of the generated Zephyr project")
    serve.add_argument("--latency-ms", type=int, metavar="N", help="added latency per request")
    serve.add_argument("--error-rate", type=float, metavar="F", help="fraction of requests answered 5xx")
    serve.add_argument("--rate-limit", type=float, metavar="RPS", help="requests per second before 429")
    serve.add_argument("--faults", default="none", metavar="PROFILE",
                       help="fault profile: none, slow, flaky, throttled, outage")
    serve.add_argument("--output-dir", help="output dir used in the printed migration command "
                       "(default: the default output dir's sandbox/)")
    serve.set_defaults(handler=sandbox.serve)


def _with_settings(handler):
    def run(args, env):
        return handler(args, settings_from(args, env), env)
    return run


def _add_settings_options(command):
    command.add_argument("--config", metavar="FILE", help="YAML settings file (see config/ztoq.example.yaml)")
    for option in OPTIONS:
        if option.flag is None:
            continue
        if option.name == "phases":
            command.add_argument(option.flag, dest=option.name, nargs="+", metavar="PHASE",
                                 help=f"{option.help}; any of: {' '.join(PHASES)}")
        elif option.switch:
            command.add_argument(option.flag, dest=option.name, action="store_const", const=True,
                                 default=None, help=option.help)
        else:
            command.add_argument(option.flag, dest=option.name, metavar=option.flag[2:].upper().replace("-", "_"),
                                 help=option.help)


def settings_from(args, env):
    cli_values = {option.name: getattr(args, option.name, None) for option in OPTIONS}
    return load_settings(cli_values, env.environ, config_path=args.config)


def _unknown_arguments(unknown, args):
    """Name the unknown options only: the value after a mistyped --password is a secret."""
    options = [item.split("=", 1)[0] for item in unknown if item.startswith("-")]
    what = f"unknown option {', '.join(options)}" if options else f"{len(unknown)} unexpected argument(s)"
    return f"{what} (see 'ztoq {args.group} {args.command} --help')"


def main(argv=None, env=None):
    env = env or Environment()
    try:
        args, unknown = build_parser(env).parse_known_args(argv)
        if unknown:
            raise ConfigError(_unknown_arguments(unknown, args))
        return int(args.handler(args, env))
    except _ParserExit as done:
        return done.status
    except ZtoqError as error:
        env.error(str(error))
        return int(error.exit_status)
    except KeyboardInterrupt:
        env.error("interrupted; run 'ztoq workflow resume' with the same options to continue")
        return int(ExitStatus.INTERRUPTED)
    except Exception as error:
        if env.environ.get("ZTOQ_DEBUG"):
            raise
        env.error(f"unexpected {type(error).__name__}: {error} (set ZTOQ_DEBUG=1 for the traceback)")
        return int(ExitStatus.FAILED)
    finally:
        close_all()

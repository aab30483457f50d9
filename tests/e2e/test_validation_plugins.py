"""A validation rule from an installed package: its entry point in `ztoq.validation_rules` is found and run.

The package's metadata is built by setuptools (`setup.py egg_info`, the
metadata an install writes) into a directory of its own that the test puts
on the Python path, beside the module: the rule is found exactly as a
user's plug-in would be, through importlib.metadata, without installing
anything into the environment the other tests share.
"""

import json
import shutil
import subprocess
import sys
import textwrap

from tests.e2e.test_validation_rules import run

PLUGIN = '''
from ztoq_luigi.kinds import Entity
from ztoq_luigi.validation.rules import Census, Issue, Rule


def census(view):
    yield Issue("plug-in", len(view.expected), len(view.found), f"{len(view.found)} test case keys in qTest")


RULE = Rule("plugin-census", "warning", {Entity.TEST_CASE}, census, Census)
'''


def install_plugin(tmp_path):
    source, target = tmp_path / "plugin", tmp_path / "site"
    source.mkdir()
    (source / "ztoq_test_rules.py").write_text(PLUGIN, encoding="utf-8")
    (source / "setup.py").write_text(textwrap.dedent('''
        from setuptools import setup
        setup(name="ztoq-test-rules", version="0.1", py_modules=["ztoq_test_rules"],
              entry_points={"ztoq.validation_rules": ["plugin-census = ztoq_test_rules:RULE"]})
    '''), encoding="utf-8")
    target.mkdir()
    subprocess.run([sys.executable, "setup.py", "--quiet", "egg_info", "--egg-base", str(target)], cwd=source,
                   check=True, capture_output=True)
    shutil.copy(source / "ztoq_test_rules.py", target)
    return target


def test_a_rule_from_an_installed_entry_point_runs_and_reports(run_cli, sandbox, tmp_path, monkeypatch):
    assert run(run_cli, sandbox, tmp_path).code == 0
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path)))

    result = run(run_cli, sandbox, tmp_path, "validate")
    assert result.code == 0, result
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    issues = [issue for issue in json.loads(report.stdout)["validation"]["issues"] if issue["rule"] == "plugin-census"]
    cases = len(sandbox.dataset.testcases)
    assert [(i["severity"], i["entity_type"], i["entity_key"], i["expected"], i["actual"]) for i in issues] == [
        ("warning", "testcase", "plug-in", str(cases), str(cases))]

    config = tmp_path / "ztoq.yaml"
    config.write_text("validation:\n  severity: {plugin-census: error}\n", encoding="utf-8")
    assert run(run_cli, sandbox, tmp_path, "validate", "--config", str(config)).code == 6

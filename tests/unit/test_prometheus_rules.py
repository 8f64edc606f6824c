"""`deploy/prometheus/alerts.yml` is valid and every rule is proven by a `promtool test rules` file.

promtool comes from Debian's `prometheus` package (scripts/test.sh installs it); without it this
test fails rather than skips: the rules would ship unchecked.
"""

from __future__ import annotations

import shutil
import subprocess

import yaml

from tests.fixtures.deploy import RULE_TESTS as TESTS
from tests.fixtures.deploy import RULES, alert_rules


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus (scripts/test.sh does)"
    return subprocess.run([promtool, *args], capture_output=True, text=True, cwd=RULES.parent, timeout=120)


def test_the_rules_file_is_valid() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(alert_rules())} rules found" in result.stdout


def test_the_promtool_unit_tests_pass() -> None:
    result = _promtool("test", "rules", *map(str, TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TESTS)


def test_every_rule_has_a_test_that_fires_it_and_one_that_does_not() -> None:
    fired: set[str] = set()
    quiet: set[str] = set()
    for path in TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case["alert_rule_test"]:
                (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names == fired and names <= quiet

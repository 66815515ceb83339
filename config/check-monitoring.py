#!/usr/bin/env python3
"""Sanity checks for config/logonym.dashboard.json and config/logonym.rules.yml (run by .ci/run).

The dashboard must be provisioning-ready (every query through the `datasource` variable, no data source uid
written in), well formed (unique panel ids and refIds, panels inside the 24-column grid) and query only metric
families that logonym exports; the rules must name only exported families too. The exported families are the
string literals `logonym_*` in Sources/LogonymIO/Metrics/LogonymMetrics.swift.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent
problems = []


def problem(message):
    problems.append(message)


exported = set(re.findall(r'"(logonym_[a-z_]+)"', (root / "Sources/LogonymIO/Metrics/LogonymMetrics.swift").read_text()))
if not exported:
    problem("no metric names found in LogonymMetrics.swift")


def check_names(expr, where):
    for name in re.findall(r"\blogonym_[a-z_]+", expr):
        if name not in exported:
            problem(f"{where}: {name} is not a metric logonym exports")


dashboard_path = root / "config/logonym.dashboard.json"
try:
    dashboard = json.loads(dashboard_path.read_text())
except json.JSONDecodeError as error:
    sys.exit(f"{dashboard_path}: not JSON: {error}")

for key, kind in [("title", str), ("uid", str), ("schemaVersion", int), ("panels", list), ("templating", dict)]:
    if not isinstance(dashboard.get(key), kind):
        problem(f"dashboard: {key} missing or not a {kind.__name__}")
if "id" in dashboard and dashboard["id"] is not None:
    problem("dashboard: a numeric id is set (provisioning assigns one)")

variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
source = variables.get("datasource")
if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
    problem("dashboard: no `datasource` variable of type datasource over prometheus")


def check_source(reference, where):
    if reference != {"type": "prometheus", "uid": "${datasource}"}:
        problem(f"{where}: data source {reference!r} is not the ${{datasource}} variable")


for name, variable in variables.items():
    if variable.get("type") == "query":
        check_source(variable.get("datasource"), f"variable {name}")
        check_names(variable.get("definition", ""), f"variable {name}")

ids = set()
queries = 0
expressions = []
for panel in dashboard.get("panels", []):
    where = f"panel {panel.get('id')} ({panel.get('title')!r})"
    if panel.get("id") in ids:
        problem(f"{where}: duplicate id")
    ids.add(panel.get("id"))
    grid = panel.get("gridPos", {})
    if not all(isinstance(grid.get(k), int) for k in "hwxy") or grid["x"] + grid["w"] > 24:
        problem(f"{where}: gridPos missing or wider than 24 columns")
    if panel.get("type") == "row":
        continue
    if not panel.get("title"):
        problem(f"{where}: no title")
    check_source(panel.get("datasource"), where)
    targets = panel.get("targets", [])
    if not targets:
        problem(f"{where}: no targets")
    refs = [t.get("refId") for t in targets]
    if len(set(refs)) != len(refs):
        problem(f"{where}: duplicate refId")
    for t in targets:
        check_source(t.get("datasource"), where)
        expr = t.get("expr", "")
        if "logonym_" not in expr and "up{" not in expr:
            problem(f"{where}: query {expr!r} reads no logonym metric")
        check_names(expr, where)
        expressions.append(expr)
        queries += 1

rules = (root / "config/logonym.rules.yml").read_text()
for line_number, line in enumerate(rules.splitlines(), 1):
    if not line.lstrip().startswith("#"):
        check_names(line, f"logonym.rules.yml:{line_number}")

# Every query parses as PromQL: promtool checks them as recording rules, with the variables filled in.
if shutil.which("promtool"):
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as rules_file:
        records = []
        for number, expr in enumerate(expressions):
            expr = expr.replace("$__rate_interval", "5m").replace("$job", "logonym")
            expr = expr.replace("$instance", ".*").replace("$input", ".*")
            records.append({"record": f"dashboard:query{number}", "expr": expr})
        json.dump({"groups": [{"name": "dashboard", "rules": records}]}, rules_file)
        rules_file.flush()
        checked = subprocess.run(["promtool", "check", "rules", rules_file.name], capture_output=True, text=True)
        if checked.returncode != 0:
            problem("dashboard queries: promtool check rules failed:\n" + checked.stdout + checked.stderr)
else:
    print("promtool not found: the dashboard's queries are not parsed")

for message in problems:
    print(message)
if problems:
    sys.exit(1)
print(f"dashboard: {len(ids)} panels, {queries} queries; rules and dashboard use {len(exported)} exported families")

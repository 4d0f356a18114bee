"""Command line: `orderlint check | rules | explain | schema | config`.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (an invalid document is
a finding); 2 usage or configuration error, unreadable path, a plugin that failed to load, or a
check that crashed (OL000). No traceback is ever printed for bad input.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterator, Optional

import click

from orderlint import __version__

FORMAT_CHOICES = ["text", "json", "jsonl", "sarif", "junit", "github"]
FAIL_ON = ["error", "warning", "info", "never"]
RANK = {"error": 3, "warning": 2, "info": 1}

EPILOG = """\b
Examples:
  orderlint check examples/                      lint every regimen in a folder
  orderlint check protocol.yaml --format sarif --output orderlint.sarif
  cat regimens.jsonl | orderlint check - --jsonl --format jsonl
  orderlint check orders/ --select ILD2,ILD3 --fail-on error
  orderlint explain ILD102                       why a rule exists and how to fix it

\b
Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (an invalid
document is a finding); 2 usage or configuration error, unreadable input, a plugin
that failed to load, or a check that crashed (OL000).
"""


def _err(message: str) -> None:
    click.echo(f"orderlint: error: {message}", err=True)


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=EPILOG)
@click.version_option(__version__, "--version", prog_name="orderlint", message="%(prog)s %(version)s")
def cli() -> None:
    """orderlint: a safety linter for proposed SSc-ILD medication regimens.

    It reads regimen documents (JSON, YAML or JSON Lines) for patients or order-set protocols and
    flags what the SSc-ILD guideline advises against: glucocorticoids first-line or above 15 mg/day
    prednisone-equivalent, nintedanib upfront with mycophenolate, non-recommended agents, missing
    Pneumocystis prophylaxis, missing baseline screening, doses out of range.
    """


def _settings(config: Optional[str], **cli_values: Any):
    from orderlint.config import build_settings

    return build_settings(config_path=config, cli=cli_values)


def _make_linter(settings: Any):
    from orderlint.config import ConfigError
    from orderlint.engine import Linter, PluginLoadError

    try:
        return Linter(settings)
    except PluginLoadError as e:
        for m in e.messages:
            _err(m)
        raise _Exit(2) from None
    except ConfigError as e:
        _err(str(e))
        raise _Exit(2) from None


def _guard(fn):
    """Turn configuration errors and unexpected crashes into one line and exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from orderlint.config import ConfigError

        try:
            return fn(*args, **kwargs)
        except _Exit as e:
            sys.exit(e.code)
        except ConfigError as e:
            _err(str(e))
            sys.exit(2)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(2)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(2)
        except Exception as e:  # a bug in orderlint: one clear line, never a traceback
            if os.environ.get("ORDERLINT_DEBUG"):
                raise
            _err(f"internal error: {type(e).__name__}: {e} (set ORDERLINT_DEBUG=1 for a traceback)")
            sys.exit(2)

    return wrapper


def _split(values: tuple) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


@cli.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text", show_default=True,
              help="Report format: text for people, json/jsonl for pipelines, sarif for code scanning, junit for CI dashboards, github for workflow annotations.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file instead of stdout.")
@click.option("--jsonl", "jsonl_stdin", is_flag=True, help="Read standard input ('-') as JSON Lines: one regimen per line.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules: codes, prefixes (ILD2) or names, comma-separated.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules: codes, prefixes or names, comma-separated.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, help="Lowest severity that makes the exit code 1. [default: warning]")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (still 2 on a tool error).")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Evaluation date for look-back windows when a document gives none. [default: today]")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file (.orderlint.toml or pyproject.toml); overrides discovery.")
@click.option("--statistics", is_flag=True, help="Also print how many findings each rule produced.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record every current finding in this baseline file (and exit 0 unless a tool error occurred).")
@click.option("--jobs", "-j", metavar="N|auto", help="Lint in N worker processes (auto: one per core). Output order and content are the same as with 1. [default: 1]")
@_guard
def check(paths, fmt, output, jsonl_stdin, select, ignore, fail_on, exit_zero, as_of, config, statistics, baseline, write_baseline, jobs) -> None:
    """Lint regimen files, folders (recursively: *.json, *.yaml, *.yml, *.jsonl, *.ndjson) or - for stdin.

    With no PATH, the current folder is linted. Findings print as
    `path:line:col: CODE [severity] message`, then a summary line.
    """
    from orderlint.parallel import resolve_jobs

    n_jobs = resolve_jobs(jobs)
    settings = _settings(config, select=_split(select), ignore=_split(ignore), fail_on=fail_on, as_of=as_of)
    linter = _make_linter(settings)
    from orderlint.findings import Summary
    from orderlint.formatters import get_formatter

    base = None
    if baseline:
        from orderlint.baseline import Baseline

        base = Baseline.load(baseline)
    recorder = None
    if write_baseline:
        from orderlint.baseline import BaselineWriter

        recorder = BaselineWriter()

    out_file = None
    try:
        out = sys.stdout
        if output:
            try:
                out_file = open(output, "w", encoding="utf-8", newline="\n")
            except OSError as e:
                _err(f"cannot write {output}: {e.strerror}")
                raise _Exit(2) from None
            out = out_file
        formatter = get_formatter(fmt, out, linter, statistics=statistics)
        summary = Summary()
        tool_error = False
        formatter.start()
        inputs = list(paths) or ["."]
        if n_jobs > 1 and formatter.line_oriented and base is None and recorder is None:
            # Workers render their own lines; the parent only writes text and adds up counts.
            tool_error = _render_in_workers(linter, inputs, jsonl_stdin, n_jobs, fmt, statistics, out, summary, formatter)
        else:
            for result in _results(linter, inputs, jsonl_stdin, n_jobs):
                if isinstance(result, str):  # an unreadable input
                    _err(result)
                    tool_error = True
                    continue
                if recorder is not None:
                    recorder.add(result)
                if base is not None:
                    base.apply(result)
                summary.add(result)
                formatter.result(result)
        formatter.finish(summary)
        out.flush()
        if base is not None and fmt == "text" and base.matched:
            click.echo(f"orderlint: {base.matched} finding(s) already in the baseline were not counted", err=True)
    finally:
        if out_file is not None:
            out_file.close()
    if recorder is not None:
        recorder.write(write_baseline)
        click.echo(f"orderlint: wrote {recorder.count} finding(s) to {write_baseline}", err=True)
    if summary.crashed:
        _err(f"{summary.crashed} check(s) crashed (OL000): the documents concerned were not fully checked")
    if tool_error or summary.crashed:
        raise _Exit(2)
    if summary.documents == 0:
        _err("no regimen documents found (looked for *.json, *.yaml, *.yml, *.jsonl, *.ndjson)")
        raise _Exit(2)
    if exit_zero or recorder is not None or settings.fail_on == "never":
        raise _Exit(0)
    threshold = RANK[settings.fail_on]
    failing = sum(n for sev, n in summary.findings.items() if RANK[sev] >= threshold)
    raise _Exit(1 if failing else 0)


def _render_in_workers(linter, inputs, jsonl_stdin, jobs, fmt, statistics, out, summary, formatter) -> bool:
    """Parallel run of a line-oriented format; returns whether an input could not be read."""
    from orderlint.inputs import units
    from orderlint.parallel import WorkerDied, render_parallel

    unreadable = False
    try:
        for text, part, state, errors in render_parallel(linter, units(inputs, jsonl_stdin), jobs, fmt, statistics):
            for message in errors:
                _err(message)
                unreadable = True
            out.write(text)
            summary.merge(part)
            formatter.merge(state)
    except WorkerDied as e:
        _err(str(e))
        raise _Exit(2) from None
    return unreadable


def _results(linter: Any, paths: list[str], jsonl_stdin: bool, jobs: int) -> Iterator[Any]:
    """Results in input order; a str item is an error message for an unreadable input."""
    from orderlint.inputs import load, units

    if jobs > 1:
        from orderlint.parallel import WorkerDied, lint_parallel

        try:
            yield from lint_parallel(linter, units(paths, jsonl_stdin), jobs)
        except WorkerDied as e:
            _err(str(e))
            raise _Exit(2) from None
        return
    for unit in units(paths, jsonl_stdin):
        doc = load(unit)
        yield doc if isinstance(doc, str) else linter.lint_document(doc)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def rules(fmt: str) -> None:
    """List every rule: code, name, severity, summary and source."""
    linter = _make_linter(_settings(None))
    if fmt == "json":
        import json

        from orderlint.docs import rule_dict

        click.echo(json.dumps([rule_dict(r) for r in linter.rules], indent=2, ensure_ascii=False))
        return
    for r in linter.rules:
        click.echo(f"{r.code}  {r.name:<36} {r.severity:<8} {r.summary}")
        click.echo(f"{'':8}source: {r.source.text()}")


@cli.command()
@click.argument("rule")
@_guard
def explain(rule: str) -> None:
    """Explain a rule (by CODE or NAME): what it checks, why, its source, options and examples."""
    linter = _make_linter(_settings(None))
    from orderlint.config import ConfigError
    from orderlint.docs import explain_text

    try:
        r = linter.resolve(rule)
    except ConfigError as e:
        _err(str(e))
        raise _Exit(2) from None
    click.echo(explain_text(r, linter.options[r.code]))


@cli.command()
@_guard
def schema() -> None:
    """Print the regimen JSON Schema (the input contract)."""
    from importlib.resources import files

    click.echo(files("orderlint.schemas").joinpath("regimen.schema.json").read_text(encoding="utf-8"), nl=False)


@cli.command("config")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file to show instead of the discovered one.")
@_guard
def config_cmd(config: Optional[str]) -> None:
    """Show the effective settings and where each came from."""
    settings = _settings(config)
    linter = _make_linter(settings)
    click.echo(f"configuration file: {settings.config_file or '(none found; defaults)'}")
    sel = ", ".join(settings.select) if settings.select is not None else "ALL"
    click.echo(f"select = {sel}    # {settings.origin('select')}")
    click.echo(f"ignore = {', '.join(settings.ignore) or '(none)'}    # {settings.origin('ignore')}")
    click.echo(f"fail-on = {settings.fail_on}    # {settings.origin('fail-on')}")
    click.echo(f"as-of = {settings.as_of or '(today)'}    # {settings.origin('as-of')}")
    click.echo(f"enabled rules = {', '.join(sorted(linter.enabled))}")
    windows = ", ".join(f"{k}={'any' if v is None else v}" for k, v in settings.lookback_days.items())
    click.echo(f"lookback-days: {windows}    # {settings.origin('lookback-days')}")
    for r in linter.rules:
        opts = linter.options[r.code]
        changed = settings.rules.get(r.code) or settings.rules.get(r.name) or {}
        sev = linter.severity[r.code]
        sev_note = "" if sev == r.severity else f"  (severity {sev}, {settings.origin('severity')})"
        if opts or sev_note:
            click.echo(f"[{r.code}] {r.name}{sev_note}")
            for k, v in opts.items():
                origin = settings.origin("rules") if k in changed else "default"
                click.echo(f"  {k} = {v!r}    # {origin}")


def main() -> None:
    cli(prog_name="orderlint")

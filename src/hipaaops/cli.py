"""The ``hipaaops`` command: one entry point for every operator task.

``hipaaops VERB --help`` explains each verb. The verbs are the management commands of the hipaaops
apps, plus Django's ``migrate``; ``hipaaops manage ...`` reaches any other Django command.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
EXTRA_VERBS = {"migrate": "Apply database migrations (creates or upgrades the schema)."}


def _installed_apps() -> set[str] | None:
    """The hipaaops apps this installation runs, or None when the settings cannot be read yet
    (their error is reported when a verb runs)."""
    try:
        from django.conf import settings

        return {name.split(".apps.")[0] for name in settings.INSTALLED_APPS}
    except Exception:
        return None


def _verbs() -> dict[str, str]:
    verbs = dict(EXTRA_VERBS)
    installed = _installed_apps()
    for path in sorted(PACKAGE_DIR.glob("*/management/commands/*.py")):
        if path.name.startswith("_"):
            continue
        # A module on disk but not installed has no commands to run.
        if installed is not None and f"hipaaops.{path.parents[2].name}" not in installed:
            continue
        summary = ""
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        except SyntaxError:
            doc = None
        if doc:
            summary = doc.strip().splitlines()[0]
        verbs[path.stem] = summary
    return verbs


def _usage() -> str:
    lines = [
        "usage: hipaaops VERB [options]   (hipaaops VERB --help for a verb's options)",
        "",
        "verbs:",
    ]
    verbs = _verbs()
    width = max(len(v) for v in verbs)
    for name, summary in sorted(verbs.items()):
        lines.append(f"  {name.ljust(width)}  {summary}")
    lines.append(f"  {'manage'.ljust(width)}  Run any other Django management command.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hipaaops.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    if args[0] == "--version":
        from hipaaops import __version__

        print(f"hipaaops {__version__}")
        return 0
    verb, rest = args[0], args[1:]
    if verb == "manage":
        command = rest
    elif verb in _verbs():
        command = [verb, *rest]
    else:
        print(f"hipaaops: unknown verb {verb!r}\n\n{_usage()}", file=sys.stderr)
        return 2

    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"hipaaops: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    from hipaaops.core.context import ActorContext, acting

    with acting(ActorContext(via="cli", request_id=f"cli:{verb}")):
        try:
            execute_from_command_line(["hipaaops", *command])
        except SystemExit as exc:
            return int(exc.code or 0) if not isinstance(exc.code, str) else 1
        except BrokenPipeError:
            # The reader went away (`hipaaops catalog list | head`): stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 141  # 128 + SIGPIPE, the shell's figure for a pipe closed under the writer
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

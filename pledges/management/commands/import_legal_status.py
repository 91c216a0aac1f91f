"""``manage.py import_legal_status FILE``: apply a legal-status feed file (docs/legal-status-feed.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pledges.services.register import legal_status_import


class Command(BaseCommand):
    help = (
        "Import a CSV or JSON file of legal-status events. Every row is checked first; if any row is "
        "wrong nothing is applied and the errors are listed with their line numbers (exit code 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the .csv or .json feed file")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror or error}
            ) from None
        result = legal_status_import(content=content, filename=path.name, actor=None)
        if not result.ok:
            for line, reason in result.errors:
                where = _("line %(line)d") % {"line": line} if line else _("file")
                self.stderr.write(f"{path.name}, {where}: {reason}")
            raise CommandError(_("%(count)d error(s); nothing was applied.") % {"count": len(result.errors)})
        self.stdout.write(
            self.style.SUCCESS(
                _("%(applied)d event(s) applied, %(unchanged)d already recorded.")
                % {"applied": result.applied, "unchanged": result.unchanged}
            )
        )

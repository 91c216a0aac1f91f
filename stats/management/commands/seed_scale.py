"""``manage.py seed_scale``: the statistics benchmark's large data set (see ``stats.scale``)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.scale import SeedScaleError, seed_scale


def _count(value: str) -> int:
    number = int(value.replace("_", "").replace(",", ""))
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Build realistic, deterministic scale data on PostgreSQL (loans with their facts, pledge "
        "registrations, the banks, enterprises and commissioners behind them) with set-based SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loans", type=_count, default=1_000_000, help="Loans to create (1,000,000).")
        parser.add_argument(
            "--registrations",
            type=_count,
            default=1_000_000,
            help="Pledge registrations to create (1,000,000); one per disbursed loan first, then standalone.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the scale data of an earlier run first (otherwise the command refuses).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The date the data is built as of, YYYY-MM-DD (default: today in Beijing).",
        )

    def handle(
        self, *args, loans: int, registrations: int, replace: bool, today: date | None, **options
    ) -> None:
        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        log(
            f"seed_scale: {loans:,} loans, {registrations:,} registrations"
            + (" (replacing)" if replace else "")
        )
        try:
            counts = seed_scale(
                loans=loans, registrations=registrations, today=today, log=log, replace=replace
            )
        except SeedScaleError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{number:,} {name.replace('_', ' ')}" for name, number in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Scale data ready: {summary}."))

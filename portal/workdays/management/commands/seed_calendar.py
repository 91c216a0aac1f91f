"""Load holiday calendars from the chinesecalendar package (it knows 2004 to 2026 today).

For a year it does not know, staff enter the State Council notice in the admin instead.
"""

from django.core.management.base import BaseCommand, CommandError

from portal.workdays.services import CalendarDataUnavailable, calendar_year_seed


class Command(BaseCommand):
    help = (
        "Seed the working-day calendar of each YEAR from the chinesecalendar package; safe to run again. "
        "Days of the year that the package does not list are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int, metavar="YEAR")
        parser.add_argument(
            "--official",
            action="store_true",
            help="Mark the years official, so deadlines in them are no longer provisional.",
        )

    def handle(self, *args, years, official, **options):
        unknown = []
        for year in years:
            try:
                result = calendar_year_seed(year=year, official=official)
            except CalendarDataUnavailable as exc:
                unknown.append(str(exc))
                continue
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year}: {result.calendar.get_status_display()}; {result.created} day(s) added, "
                    f"{result.updated} updated, {result.deleted} removed"
                )
            )
        if unknown:
            raise CommandError("\n".join(unknown))

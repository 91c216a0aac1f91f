"""Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

For the zero-setup local run: with REDIS_URL unset Celery uses its filesystem:// transport under var/,
so the worker and beat are real processes without any service running.
"""

import os
import signal
import subprocess  # nosec B404 # starts the portal's own processes
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.management.demo import DEMO_API_CLIENT_ID, DEMO_API_CLIENT_SECRET, DEMO_LOGINS


class Command(BaseCommand):
    help = "Run web (runserver), Celery worker and Celery beat as one command."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("PORTAL_ADDR", "127.0.0.1:8000"))

    def handle(self, *args, addr, **options):
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"],
            "beat": [python, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO"],
        }
        processes = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()}  # noqa: S603  # nosec B603 # fixed argv with our own interpreter, no shell
        self._banner(addr)
        try:
            while True:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"{name} stopped with exit code {process.returncode}; stopping the rest."
                        )
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Portal stopped.")

    def _banner(self, addr):
        url = f"http://{addr}/"
        lines = [
            "",
            f"Portal running at {url}  (web, Celery worker and Celery beat; Ctrl-C stops all three)",
            f"API docs: {url}api/docs/   Admin: {url}admin/",
            f"Demo logins (password for all: {settings.PORTAL_DEMO_PASSWORD}):",
        ]
        lines += [f"  {role:<34} {username}" for role, username in DEMO_LOGINS]
        lines.append(
            f"API client (bank A's branch): client_id={DEMO_API_CLIENT_ID} client_secret={DEMO_API_CLIENT_SECRET}"
        )
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

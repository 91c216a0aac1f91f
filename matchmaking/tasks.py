from celery import shared_task

from matchmaking.services.demands import demand_sweep as _sweep
from portal.locks import single_run


@shared_task(name="matchmaking.tasks.demand_sweep")
@single_run("matchmaking.tasks.demand_sweep")
def demand_sweep() -> dict[str, int]:
    """Hourly (beat entry "matchmaking-demand-sweep"): release unworked claims, expire stale needs."""
    return _sweep()

"""``flask seed demo`` and ``flask seed county``."""
import click
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Load demo or benchmark data.")


@seed_cli.command("demo")
@click.option("--quiet", is_flag=True)
def demo(quiet):
    """The demo community (deterministic); prints the demo logins."""
    from seed.demo import seed_demo

    seed_demo(progress=not quiet)


@seed_cli.command("county")
@click.option("--households", type=int, default=300_000, show_default=True)
@click.option("--visits-per-household", type=int, default=10, show_default=True)
@click.option("--requests", type=int, default=200_000, show_default=True)
@click.option("--seed", "rng_seed", type=int, default=20261122, show_default=True)
def county(households, visits_per_household, requests, rng_seed):
    """The county-scale set for benchmarks (bulk insert, progress bars)."""
    import time

    from seed.county import seed_county

    started = time.perf_counter()
    seed_county(households=households, rng_seed=rng_seed, visits_per_household=visits_per_household,
                requests=requests)
    click.echo(f"in {time.perf_counter() - started:.0f} s")

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
@click.option("--seed", "rng_seed", type=int, default=20261122, show_default=True)
def county(households, rng_seed):
    """The county-scale set for benchmarks (bulk insert, progress bar)."""
    from seed.county import seed_county

    seed_county(households=households, rng_seed=rng_seed)

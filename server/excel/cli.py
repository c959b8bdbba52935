"""``flask import households FILE``."""
from pathlib import Path

import click
from flask.cli import AppGroup

from server.extensions import db

import_cli = AppGroup("import", help="Import from Excel (XLSX) or CSV.")


@import_cli.command("households")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--org-unit-id", type=int, default=None, help="Only micro-grids and members under this unit.")
def import_households_command(path, org_unit_id):
    """Check every row, then save all of them (or none, listing what is wrong)."""
    from server.common.errors import ApiError
    from server.common.i18n import translate
    from server.excel.routes import import_households

    data = Path(path).read_bytes()
    try:
        with click.progressbar(length=max(1, data.count(b"\n")), label="导入 importing") as bar:
            result = import_households(data, path, user_id=None, scope_unit_id=org_unit_id, progress=bar.update)
    except ApiError as exc:
        click.echo(translate(exc.message, "zh-CN"), err=True)
        for e in exc.errors.get("rows", []) + [{"row": "-", "column": "file", "message": m}
                                                 for m in exc.errors.get("file", [])]:
            click.echo(f"  第 {e['row']} 行 [{e['column']}] {translate(e['message'], 'zh-CN')}", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"新增 created {result['created']}, 更新 updated {result['updated']}, 联系 linked {result['linked']}")

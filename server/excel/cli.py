"""``flask import households|org-units|members FILE``."""
from pathlib import Path

import click
from flask.cli import AppGroup

from server.extensions import db

import_cli = AppGroup("import", help="Import from Excel (XLSX) or CSV.")
LABELS = {"created": "新增 created", "updated": "更新 updated", "linked": "联系 linked", "unchanged": "未变 unchanged"}


def _run(kind: str, path: str, org_unit_id: int | None) -> dict:
    from server.common.errors import ApiError
    from server.common.i18n import translate
    from server.excel.routes import import_file

    data = Path(path).read_bytes()
    try:
        with click.progressbar(length=max(1, data.count(b"\n")), label="导入 importing") as bar:
            result = import_file(kind, data, path, user_id=None, scope_unit_id=org_unit_id, progress=bar.update)
    except ApiError as exc:
        click.echo(translate(exc.message, "zh-CN"), err=True)
        for e in exc.errors.get("rows", []) + [{"row": "-", "column": "file", "message": m}
                                                 for m in exc.errors.get("file", [])]:
            click.echo(f"  第 {e['row']} 行 [{e['column']}] {translate(e['message'], 'zh-CN')}", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(", ".join(f"{LABELS[k]} {v}" for k, v in result.items() if k in LABELS))
    return result


def _command(kind: str, help_text: str):
    @import_cli.command(kind, help=help_text)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--org-unit-id", type=int, default=None, help="Only units and members under this unit.")
    @click.option("--passwords", type=click.Path(dir_okay=False), default=None,
                  help="members: where to write new accounts' initial passwords (CSV; default FILE.passwords.csv)")
    def command(path, org_unit_id, passwords):
        result = _run(kind, path, org_unit_id)
        new = result.get("initial_passwords")
        if new:
            from server.excel.tables import write_csv
            out = Path(passwords or f"{path}.passwords.csv")
            out.write_bytes(write_csv(["行 row", "用户名 username", "姓名 name", "初始密码 initial password"],
                                      [[p["row"], p["username"], p["name"], p["initial_password"]] for p in new]))
            out.chmod(0o600)
            click.echo(f"初始密码已写入 initial passwords written to {out} (首次登录须修改; changed at first login)")
    return command


_command("households", "Households: check every row, then save all of them (or none, listing what is wrong).")
_command("org-units", "Org units (parent named by name or path): all rows or none.")
_command("members", "Members with their unit, leader flag and leader: all rows or none.")

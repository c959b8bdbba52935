"""The app as gunicorn serves it in the benchmark, plus a bare Flask JSON endpoint as the baseline."""
from flask import jsonify

from server import create_app

app = create_app()


@app.get("/bench/baseline")
def baseline():
    return jsonify({"ok": True, "items": [{"id": i, "name": "基准"} for i in range(3)]})

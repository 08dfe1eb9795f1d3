"""YARDSTICK ONLY, not part of Lapor Kampus: the seed project's producer (Flask + Redis LPUSH)."""

from __future__ import annotations

import json
import os
import time
import uuid

import redis
from flask import Flask, jsonify, request
from werkzeug.utils import secure_filename

QUEUE = "antrean_laporan"
# No socket timeout, as with the redis-py of its day: BRPOP waits as long as it takes.
REDIS = redis.Redis.from_url(
    os.environ.get("SEED_REDIS_URL", "redis://127.0.0.1:6379/10"), socket_timeout=None
)
UPLOADS = os.environ.get("SEED_UPLOAD_DIR", "/tmp/seed_design/uploads")
DATABASE = os.environ.get("SEED_DATABASE", "/tmp/seed_design/database_laporan.json")

app = Flask(__name__)
os.makedirs(UPLOADS, exist_ok=True)


@app.post("/api/lapor")
def lapor():  # type: ignore[no-untyped-def]
    report_id = str(uuid.uuid4())[:8]
    photo = request.files.get("foto")
    photo_name = None
    if photo and photo.filename:
        photo_name = f"{report_id}_{secure_filename(photo.filename)}"
        photo.save(os.path.join(UPLOADS, photo_name))
    report = {
        "id_laporan": report_id,
        "nama": request.form.get("nama"),
        "lokasi": request.form.get("lokasi"),
        "deskripsi": request.form.get("deskripsi"),
        "prioritas": request.form.get("prioritas", "Biasa"),
        "foto": photo_name,
        "status": "PENDING",
        "waktu": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    REDIS.lpush(QUEUE, json.dumps(report))
    return jsonify({"message": "Laporan berhasil dikirim", "id_laporan": report_id, "status": "PENDING"}), 202


@app.get("/api/lapor/<report_id>")
def status(report_id: str):  # type: ignore[no-untyped-def]
    try:
        with open(DATABASE) as handle:
            reports = json.load(handle)
    except (FileNotFoundError, json.JSONDecodeError):
        reports = []
    for report in reports:
        if report["id_laporan"] == report_id:
            return jsonify(report)
    return jsonify({"status": "PENDING"})


@app.get("/api/antrean")
def antrean():  # type: ignore[no-untyped-def]
    return jsonify({"jumlah_antrean": REDIS.llen(QUEUE)})


@app.get("/hello")
def hello():  # type: ignore[no-untyped-def]
    return jsonify({"hello": "world"})

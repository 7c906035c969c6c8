"""HTTP endpoints for uploads."""

import logging

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.utils import secure_filename

from upload_service.db import Database
from upload_service.models import Upload
from upload_service.storage import Storage

logger = logging.getLogger(__name__)

uploads = Blueprint("uploads", __name__, url_prefix="/uploads")


def _database() -> Database:
    database: Database = current_app.extensions["database"]
    return database


def _storage() -> Storage:
    storage: Storage = current_app.extensions["storage"]
    return storage


@uploads.post("")
def create_upload() -> ResponseReturnValue:
    file = request.files.get("file")
    if file is None or not file.filename:
        return jsonify(error="send the file as multipart field `file`"), 400
    body = file.read()
    if not body:
        return jsonify(error="the file is empty"), 400
    filename = secure_filename(file.filename) or "upload"
    content_type = file.mimetype or "application/octet-stream"
    key = _storage().put(filename, body, content_type)
    upload = Upload(key=key, filename=filename, content_type=content_type, size=len(body))
    with _database().session() as session:
        session.add(upload)
        session.commit()
    logger.info("stored upload %s (%d bytes) at %s", upload.id, upload.size, key)
    return jsonify(upload.to_json()), 201


@uploads.get("/<int:upload_id>")
def get_upload(upload_id: int) -> ResponseReturnValue:
    with _database().session() as session:
        upload = session.get(Upload, upload_id)
    if upload is None:
        return jsonify(error=f"no upload {upload_id}"), 404
    return jsonify(upload.to_json())

"""Upload service: files to S3, metadata to the database."""

from flask import Flask

from upload_service.db import Database
from upload_service.routes import uploads
from upload_service.settings import Settings
from upload_service.storage import S3Client, Storage, boto3_client


def create_app(settings: Settings | None = None, s3: S3Client | None = None) -> Flask:
    """Build the application; tests pass their own settings and S3 client."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    database = Database(settings.database_url)
    database.create_all()
    app.extensions["database"] = database
    app.extensions["storage"] = Storage(s3 or boto3_client(settings.aws_region), settings.bucket)
    app.register_blueprint(uploads)
    return app

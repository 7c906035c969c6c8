from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fakes import FakeS3Client
from upload_service import create_app
from upload_service.settings import Settings


@pytest.fixture
def s3() -> FakeS3Client:
    return FakeS3Client()


@pytest.fixture
def app(s3: FakeS3Client) -> Iterator[Flask]:
    settings = Settings(
        database_url="sqlite://",
        bucket="test-bucket",
        max_upload_bytes=1024,
        aws_region="eu-west-1",
    )
    app = create_app(settings, s3)
    app.config["TESTING"] = True
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

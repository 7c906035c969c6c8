"""Settings read from environment variables, with defaults for local use."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str
    bucket: str
    max_upload_bytes: int
    aws_region: str

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("DATABASE_URL", "sqlite:///uploads.db"),
            bucket=os.environ.get("UPLOAD_BUCKET", "uploads"),
            max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
            aws_region=os.environ.get("AWS_REGION", "eu-west-1"),
        )

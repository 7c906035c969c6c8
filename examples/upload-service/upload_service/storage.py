"""Where file contents go: S3, through a client the application is given."""

import uuid
from typing import Protocol


class S3Client(Protocol):
    """The part of boto3's S3 client the service uses."""

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> object: ...


def boto3_client(region: str) -> S3Client:
    import boto3

    client: S3Client = boto3.client("s3", region_name=region)
    return client


class Storage:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, filename: str, body: bytes, content_type: str) -> str:
        """Store the body under a fresh key and return the key."""
        key = f"uploads/{uuid.uuid4().hex}/{filename}"
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
        return key

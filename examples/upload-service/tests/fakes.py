"""A hand-written stand-in for boto3's S3 client."""

from dataclasses import dataclass, field


@dataclass
class StoredObject:
    body: bytes
    content_type: str


@dataclass
class FakeS3Client:
    objects: dict[tuple[str, str], StoredObject] = field(default_factory=dict)

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> object:
        self.objects[(Bucket, Key)] = StoredObject(Body, ContentType)
        return {"ETag": f'"{len(Body)}"'}

import io

from flask.testing import FlaskClient

from tests.fakes import FakeS3Client


def upload(
    client: FlaskClient, body: bytes, name: str = "report.pdf"
) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/uploads",
        data={"file": (io.BytesIO(body), name, "application/pdf")},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_json()


def test_upload_returns_201_and_stores_in_s3(client: FlaskClient, s3: FakeS3Client) -> None:
    status, payload = upload(client, b"%PDF-1.7 hello")
    assert status == 201
    assert payload["filename"] == "report.pdf"
    assert payload["size"] == 14
    [(bucket, key)] = s3.objects
    assert bucket == "test-bucket"
    assert key == payload["key"]
    assert s3.objects[(bucket, key)].content_type == "application/pdf"


def test_upload_can_be_read_back(client: FlaskClient) -> None:
    _, payload = upload(client, b"data")
    response = client.get(f"/uploads/{payload['id']}")
    assert response.status_code == 200
    assert response.get_json()["key"] == payload["key"]


def test_filename_is_sanitised(client: FlaskClient) -> None:
    status, payload = upload(client, b"data", name="../../etc/passwd")
    assert status == 201
    assert payload["filename"] == "etc_passwd"


def test_empty_file_is_rejected(client: FlaskClient, s3: FakeS3Client) -> None:
    status, payload = upload(client, b"")
    assert status == 400
    assert "empty" in str(payload["error"])
    assert s3.objects == {}


def test_missing_file_field_is_rejected(client: FlaskClient) -> None:
    response = client.post("/uploads", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_too_large_upload_is_rejected(client: FlaskClient) -> None:
    response = client.post(
        "/uploads",
        data={"file": (io.BytesIO(b"x" * 2048), "big.bin")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_unknown_upload_is_404(client: FlaskClient) -> None:
    assert client.get("/uploads/999").status_code == 404

#!/usr/bin/env python3
"""Writes the labelled secrets corpus under tests/fixtures/secrets/corpus/.

Every value is fake: random characters in the shape of the real thing, from a
fixed seed, so the corpus is the same on every run. A line that carries a
secret ends with a marker `#!S rule`; the marker is stripped from the file and
the line is listed in tests/fixtures/secrets/EXPECTED as `path:line rule`.

Usage: scripts/secrets-corpus.py
"""

import base64
import json
import os
import random
import shutil
import string
import textwrap

ROOT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "secrets")
rng = random.Random(20261126)

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
URLSAFE = string.ascii_letters + string.digits + "-_"


def r(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def password():
    # Mixed classes, like a generated password.
    chars = ALNUM + "!#%^*-_=+"
    while True:
        value = r(chars, rng.randint(12, 20))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def jwt():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": r(HEX, 12), "iat": 1760000000}).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{r(URLSAFE, 43)}"


def pem(kind="RSA PRIVATE KEY"):
    body = "\n".join(r(B64, 64) for _ in range(4))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


V = {
    "aws_id": lambda: "AKIA" + r(UPPER_NUM, 16),
    "aws_sts_id": lambda: "ASIA" + r(UPPER_NUM, 16),
    "aws_secret": lambda: r(B64, 40),
    "ghp": lambda: "ghp_" + r(ALNUM, 36),
    "github_pat": lambda: "github_pat_" + r(ALNUM, 22) + "_" + r(ALNUM, 59),
    "glpat": lambda: "glpat-" + r(URLSAFE, 20),
    "slack_bot": lambda: f"xoxb-{r(string.digits, 11)}-{r(string.digits, 12)}-{r(ALNUM, 24)}",
    "slack_hook": lambda: f"https://hooks.slack.com/services/T{r(UPPER_NUM, 8)}/B{r(UPPER_NUM, 10)}/{r(ALNUM, 24)}",
    "stripe": lambda: "sk_live_" + r(ALNUM, 24),
    "stripe_rk": lambda: "rk_live_" + r(ALNUM, 24),
    "stripe_pk": lambda: "pk_live_" + r(ALNUM, 24),
    "google": lambda: "AIza" + r(URLSAFE, 35),
    "openai": lambda: "sk-proj-" + r(URLSAFE, 48),
    "anthropic": lambda: "sk-ant-api03-" + r(URLSAFE, 93) + "AA",
    "hf": lambda: "hf_" + r(ALNUM, 34),
    "sendgrid": lambda: "SG." + r(URLSAFE, 22) + "." + r(URLSAFE, 43),
    "twilio_key": lambda: "SK" + r(HEX, 32),
    "twilio_sid": lambda: "AC" + r(HEX, 32),
    "hex32": lambda: r(HEX, 32),
    "hex64": lambda: r(HEX, 64),
    "vault": lambda: "hvs." + r(URLSAFE, 90),
    "jwt": jwt,
    "pem": pem,
    "pem_pgp": lambda: pem("PGP PRIVATE KEY BLOCK"),
    "pem_ssh": lambda: pem("OPENSSH PRIVATE KEY"),
    "pem_pub": lambda: pem("PUBLIC KEY"),
    "pem_cert": lambda: pem("CERTIFICATE"),
    "fernet": lambda: base64.urlsafe_b64encode(bytes(rng.getrandbits(8) for _ in range(32))).decode(),
    "azure_key": lambda: r(B64, 86) + "==",
    "pw": password,
    "token": lambda: r(URLSAFE, 40),
    "google_secret": lambda: "GOCSPX-" + r(URLSAFE, 28),
    "sha1": lambda: r(HEX, 40),
    "rev": lambda: r(HEX, 12),
    "uuid": lambda: f"{r(HEX, 8)}-{r(HEX, 4)}-4{r(HEX, 3)}-a{r(HEX, 3)}-{r(HEX, 12)}",
    "account": lambda: r(string.digits, 12),
}


def fill(template):
    """Replaces {kind} (a fresh value each time) and {kind:name} (one value per name)."""
    named = {}
    out = []
    i = 0
    while i < len(template):
        if template[i] == "{" and template[i + 1 : i + 2] == "=":
            end = template.index("}", i)
            spec = template[i + 2 : end]
            kind, _, name = spec.partition(":")
            if name:
                named.setdefault(name, V[kind]())
                out.append(named[name])
            else:
                out.append(V[kind]())
            i = end + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


FILES = {}


def add(path, template):
    FILES[path] = textwrap.dedent(template).lstrip("\n")


# ---------------------------------------------------------------- positives
add("app/config.py", '''
    """Flask configuration."""

    import os


    class Config:
        SECRET_KEY = "{=hex64}"  #!S secret-assignment
        SQLALCHEMY_DATABASE_URI = "postgresql://app:{=pw}@db:5432/app"  #!S url-credentials
        SQLALCHEMY_TRACK_MODIFICATIONS = False
        UPLOAD_BUCKET = os.environ.get("UPLOAD_BUCKET", "uploads")
''')
add("app/aws.py", '''
    import boto3


    def s3_client():
        return boto3.client(
            "s3",
            region_name="eu-west-1",
            aws_access_key_id="{=aws_id}",  #!S aws-access-key-id
            aws_secret_access_key="{=aws_secret}",  #!S secret-assignment
        )
''')
add("app/db.py", '''
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    engine = create_engine("mysql+pymysql://root:{=pw}@localhost:3306/shop", pool_pre_ping=True)  #!S url-credentials
    Session = sessionmaker(engine)
''')
add("app/notifications/slack.py", '''
    from slack_sdk import WebClient

    SLACK_WEBHOOK_URL = "{=slack_hook}"  #!S slack-webhook
    client = WebClient(token="{=slack_bot}")  #!S slack-token


    def notify(text: str) -> None:
        client.chat_postMessage(channel="#deploys", text=text)
''')
add("app/payments/stripe_client.py", '''
    import stripe

    stripe.api_key = "{=stripe}"  #!S stripe-secret-key


    def charge(amount: int, customer: str) -> stripe.PaymentIntent:
        return stripe.PaymentIntent.create(amount=amount, currency="eur", customer=customer)
''')
add("app/payments/refunds.py", '''
    import stripe

    RESTRICTED_KEY = "{=stripe_rk}"  #!S stripe-secret-key


    def refund(intent_id: str) -> None:
        stripe.Refund.create(payment_intent=intent_id, api_key=RESTRICTED_KEY)
''')
add("app/auth/jwt_utils.py", '''
    import datetime

    import jwt


    def issue(user_id: int) -> str:
        payload = {"sub": user_id, "exp": datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)}
        return jwt.encode(payload, "{=token}", algorithm="HS256")  #!S secret-argument
''')
add("app/mail.py", '''
    import smtplib
    from email.message import EmailMessage


    def send(message: EmailMessage) -> None:
        with smtplib.SMTP_SSL("smtp.acme-mail.io", 465) as smtp:
            smtp.login("noreply@acme-mail.io", "{=pw}")  #!S secret-argument
            smtp.send_message(message)
''')
add("app/integrations/github.py", '''
    import httpx

    HEADERS = {
        "Accept": "application/vnd.github+json",
        "Authorization": "token {=ghp}",  #!S github-token
    }


    def open_issue(repo: str, title: str) -> dict:
        return httpx.post(f"https://api.github.com/repos/{repo}/issues", headers=HEADERS, json={"title": title}).json()
''')
add("app/integrations/github_app.py", '''
    from github import Github

    gh = Github("{=github_pat}")  #!S github-token
''')
add("app/integrations/gitlab.py", '''
    import gitlab

    GITLAB_TOKEN = "{=glpat}"  #!S gitlab-token
    gl = gitlab.Gitlab("https://gitlab.acme.io", private_token=GITLAB_TOKEN)
''')
add("app/ml/openai_client.py", '''
    from openai import OpenAI

    client = OpenAI(api_key="{=openai}")  #!S openai-api-key


    def summarize(text: str) -> str:
        reply = client.responses.create(model="gpt-4.1-mini", input=text)
        return reply.output_text
''')
add("app/ml/anthropic_client.py", '''
    import anthropic

    client = anthropic.Anthropic(
        api_key="{=anthropic}",  #!S anthropic-api-key
    )
''')
add("app/ml/hub.py", '''
    from huggingface_hub import HfApi

    api = HfApi(token="{=hf}")  #!S huggingface-token
''')
add("app/email/sendgrid_client.py", '''
    from sendgrid import SendGridAPIClient

    sg = SendGridAPIClient("{=sendgrid}")  #!S sendgrid-api-key
''')
add("app/sms.py", '''
    from twilio.rest import Client

    TWILIO_ACCOUNT_SID = "{=twilio_sid}"
    TWILIO_AUTH_TOKEN = "{=hex32}"  #!S secret-assignment
    TWILIO_API_KEY = "{=twilio_key}"  #!S twilio-api-key

    client = Client(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
''')
add("app/vault_client.py", '''
    import hvac

    client = hvac.Client(url="https://vault.acme.internal:8200", token="{=vault}")  #!S vault-token
''')
add("app/crypto.py", '''
    from cryptography.fernet import Fernet

    cipher = Fernet(b"{=fernet}")  #!S secret-argument


    def encrypt(data: bytes) -> bytes:
        return cipher.encrypt(data)
''')
add("app/keys.py", '''
    SERVICE_ACCOUNT_KEY = """{=pem}"""  #!S private-key
''')
add("app/storage/azure_blob.py", '''
    from azure.storage.blob import BlobServiceClient

    CONNECTION = (
        "DefaultEndpointsProtocol=https;AccountName=acmeuploads;"
        "AccountKey={=azure_key};EndpointSuffix=core.windows.net"  #!S azure-storage-key
    )
    service = BlobServiceClient.from_connection_string(CONNECTION)
''')
add("app/celery_app.py", '''
    from celery import Celery

    celery = Celery(
        "tasks",
        broker="amqp://worker:{=pw}@rabbitmq:5672//",  #!S url-credentials
        backend="redis://:{=pw}@redis:6379/0",  #!S url-credentials
    )
''')
add("app/settings.py", '''
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_host: str = "db"
        database_user: str = "app"
        database_password: str = "{=pw}"  #!S password-assignment
        log_level: str = "info"
''')
add("app/cache.py", '''
    import redis

    cache = redis.Redis(host="cache.internal", port=6379, password="{=pw}", db=0)  #!S password-assignment
''')
add("app/clients/partner_api.py", '''
    import requests


    def fetch_orders(since: str) -> list:
        response = requests.get(
            "https://partner.example-shop.io/api/orders",
            params={"since": since},
            auth=("svc-reporting", "{=pw}"),  #!S secret-argument
            timeout=10,
        )
        return response.json()
''')
add("app/clients/geo.py", '''
    import httpx

    client = httpx.Client(headers={"X-API-Key": "{=hex32}"})  #!S secret-assignment
''')
add("app/tasks/reports.py", '''
    import os

    REPORTS_TOKEN = os.getenv("REPORTS_API_TOKEN", "{=token}")  #!S secret-assignment
''')
add("app/legacy_db.py", '''
    import psycopg2


    def connect():
        return psycopg2.connect("host=legacy-db dbname=legacy user=report password={=pw}")  #!S connection-string-password
''')
add("app/mssql.py", '''
    import pyodbc

    DSN = (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql.acme.io,1433;"
        "Database=erp;Uid=erp_app;Pwd={=pw};Encrypt=yes;"  #!S connection-string-password
    )
    connection = pyodbc.connect(DSN)
''')
add("migrations/versions/5b1e2c3d4f6a_reporting_user.py", '''
    """create the reporting role

    Revision ID: {=rev:r}
    Revises: {=rev:d}
    """

    from alembic import op

    revision = "{=rev:r}"
    down_revision = "{=rev:d}"


    def upgrade() -> None:
        op.execute("CREATE USER reporting WITH PASSWORD '{=pw}'")  #!S sql-password


    def downgrade() -> None:
        op.execute("DROP USER reporting")
''')
add("app/auth/oauth.py", '''
    GOOGLE_CLIENT_ID = "{=account}-{=rev}.apps.googleusercontent.com"
    GOOGLE_CLIENT_SECRET = "{=google_secret}"  #!S secret-assignment
    MAPS_KEY = "{=google}"  #!S google-api-key
''')
add("app/factory.py", '''
    from flask import Flask


    def create_app() -> Flask:
        app = Flask(__name__)
        app.config["SECRET_KEY"] = "{=token}"  #!S secret-assignment
        app.config["SESSION_COOKIE_SECURE"] = True
        return app
''')
add("app/api/deps.py", '''
    from fastapi import Header, HTTPException


    def require_key(x_api_key: str = Header(...), expected_api_key: str = "{=hex32}") -> None:  #!S secret-assignment
        if x_api_key != expected_api_key:
            raise HTTPException(status_code=401)
''')
add("app/admin.py", '''
    import os

    os.environ["ADMIN_PASSWORD"] = "{=pw}"  #!S password-assignment
''')
add("app/clients/mongo.py", '''
    from pymongo import MongoClient

    client = MongoClient("mongodb+srv://svc-api:{=pw}@cluster0.k3x9a.mongodb.net/prod")  #!S url-credentials
''')
add("app/jwt_tokens.py", '''
    # A long-lived token for the internal billing service.
    SERVICE_JWT = "{=jwt}"  #!S jwt
''')
add("app/aws_session.py", '''
    import boto3

    session = boto3.Session(
        aws_access_key_id="{=aws_sts_id}",  #!S aws-access-key-id
        aws_secret_access_key="{=aws_secret}",  #!S secret-assignment
        aws_session_token="{=token}{=token}",  #!S secret-assignment
    )
''')
add("scripts/seed_admin.py", '''
    from app.users import create_user

    if __name__ == "__main__":
        create_user(username="admin", email="admin@acme.io", password="{=pw}")  #!S password-assignment
''')
add("app/email_settings.py", '''
    EMAIL_HOST = "smtp.acme-mail.io"
    EMAIL_PORT = 587
    EMAIL_HOST_USER = "notifications@acme-mail.io"
    EMAIL_HOST_PASSWORD = "{=pw}"  #!S password-assignment
''')
add("app/oauth_client.py", '''
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(client_id="acme-dashboard", scope=["read"])
    token = session.fetch_token(
        "https://auth.partner.io/oauth/token",
        client_secret="{=token}",  #!S secret-assignment
    )
''')
add("app/ldap_auth.py", '''
    from ldap3 import Connection, Server

    server = Server("ldaps://ldap.acme.io")
    conn = Connection(server, user="cn=svc-app,dc=acme,dc=io", password="{=pw}")  #!S password-assignment
''')
add("app/utils/signing.py", '''
    import hmac

    SIGNING_KEY = b"{=token}"  #!S secret-assignment


    def sign(body: bytes) -> str:
        return hmac.new(SIGNING_KEY, body, "sha256").hexdigest()
''')
add("app/implicit.py", '''
    API_SECRET = (
        "{=token}"  #!S secret-assignment
        "{=token}"
    )
''')
add("app/fstring_dsn.py", '''
    def dsn(host: str) -> str:
        return f"postgresql://app:{=pw}@{host}:5432/app"  #!S url-credentials
''')
add("tests/test_live_payments.py", '''
    import stripe

    # Runs against the live account on the release pipeline.
    LIVE_KEY = "{=stripe}"  #!S stripe-secret-key


    def test_live_balance() -> None:
        assert stripe.Balance.retrieve(api_key=LIVE_KEY)
''')
add("app/comments.py", '''
    # The old deploy token was {=ghp}, rotated in March.  #!S github-token
    DEPLOY_TOKEN_ENV = "DEPLOY_TOKEN"
''')
add("app/ml/datasets.py", '''
    from datasets import load_dataset

    dataset = load_dataset("acme/support-tickets", token="{=hf}")  #!S huggingface-token
''')
add("app/worker_settings.py", '''
    broker_url = "amqps://celery:{=pw}@mq.acme.io:5671/prod"  #!S url-credentials
    result_backend = "rpc://"
''')
add("app/dicts.py", '''
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "app",
            "USER": "app",
            "PASSWORD": "{=pw}",  #!S password-assignment
            "HOST": "db",
        }
    }
''')
add("app/webhooks.py", '''
    WEBHOOK_SECRET = "whsec_{=token}"  #!S secret-assignment


    def verify(signature: str) -> bool:
        return signature.startswith("t=")
''')
add("app/pgp.py", '''
    PGP_KEY = """{=pem_pgp}"""  #!S private-key
''')
add("app/ssh_deploy.py", '''
    import paramiko

    DEPLOY_KEY = """{=pem_ssh}"""  #!S private-key
''')

# Config files with secrets.
add("config/.env.production", '''
    FLASK_ENV=production
    DATABASE_URL=postgres://app:{=pw}@prod-db.acme.io:5432/app  #!S url-credentials
    SECRET_KEY={=hex64}  #!S secret-assignment
    STRIPE_SECRET_KEY={=stripe}  #!S stripe-secret-key
    SENTRY_DSN=https://{=hex32}@o4505.ingest.sentry.io/4505
    LOG_LEVEL=info
''')
add("deploy/k8s/secret.yaml", '''
    apiVersion: v1
    kind: Secret
    metadata:
      name: app-secrets
    type: Opaque
    stringData:
      DB_PASSWORD: "{=pw}"  #!S password-assignment
      API_TOKEN: "{=token}"  #!S secret-assignment
      DB_HOST: prod-db.acme.io
''')
add("deploy/k8s/deployment.yaml", '''
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          containers:
            - name: api
              image: registry.acme.io/api:1.4.2
              env:
                - name: DB_USER
                  value: app
                - name: DB_PASSWORD
                  value: "{=pw}"  #!S password-assignment
                - name: LOG_LEVEL
                  value: info
''')
add("docker-compose.yml", '''
    services:
      db:
        image: postgres:16
        environment:
          - POSTGRES_USER=app
          - POSTGRES_PASSWORD={=pw}  #!S password-assignment
      cache:
        image: redis:7
        environment:
          REDIS_PASSWORD: "{=pw}"  #!S password-assignment
''')
add("Dockerfile", '''
    FROM python:3.12-slim
    ENV PIP_INDEX_URL=https://ci:{=pw}@pypi.acme.internal/simple  #!S url-credentials
    ARG GITHUB_TOKEN={=ghp}  #!S github-token
    WORKDIR /app
    COPY . .
    RUN pip install -r requirements.txt
''')
add("config/settings.ini", '''
    [database]
    host = db.acme.io
    user = app
    password = {=pw}  #!S password-assignment

    [cache]
    url = redis://cache:6379/0
''')
add("config/app.toml", '''
    [server]
    port = 8080

    [stripe]
    secret_key = "{=stripe}"  #!S stripe-secret-key
    webhook_secret = "whsec_{=token}"  #!S secret-assignment
''')
add("config/credentials.json", '''
    {
      "type": "service_account",
      "project_id": "acme-prod",
      "client_secret": "{=token}",  #!S secret-assignment
      "client_email": "api@acme-prod.iam.gserviceaccount.com"
    }
''')
add("config/alembic.ini", '''
    [alembic]
    script_location = migrations
    sqlalchemy.url = postgresql://alembic:{=pw}@db/app  #!S url-credentials
''')
add(".env", '''
    OPENAI_API_KEY={=openai}  #!S openai-api-key
    AWS_ACCESS_KEY_ID={=aws_id}  #!S aws-access-key-id
    AWS_SECRET_ACCESS_KEY={=aws_secret}  #!S aws-secret-access-key
    AWS_REGION=eu-west-1
''')

# ---------------------------------------------------------------- negatives
add("app/config_env.py", '''
    import os

    SECRET_KEY = os.environ["SECRET_KEY"]
    DB_PASSWORD = os.getenv("DB_PASSWORD")
    STRIPE_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    API_TOKEN = settings.API_TOKEN if (settings := None) else os.environ["API_TOKEN"]
''')
add("app/settings_secret.py", '''
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        database_password: SecretStr
        api_key: str = ""
        jwt_secret: str | None = None
''')
add("app/auth/constants.py", '''
    TOKEN_TYPE = "bearer"
    GRANT_TYPE = "refresh_token"
    PASSWORD_FIELD = "password"
    ACCESS_TOKEN_EXPIRE_MINUTES = 30
    JWT_ALGORITHM = "HS256"
    TOKEN_URL = "/auth/token"
    ACCESS_TOKEN = "access_token"
    CLIENT_SECRET_HEADER = "X-Client-Secret"
''')
add("app/messages.py", '''
    PASSWORD_PROMPT = "Enter your password: "
    INVALID_TOKEN = "Invalid or expired token"
    password_help = "At least 12 characters, one digit"
    token_error = "The token could not be verified"


    def wrong_password() -> str:
        return "Wrong password, try again"
''')
add("migrations/versions/3f2a1b9c8d7e_add_orders.py", '''
    """add orders

    Revision ID: {=rev:r}
    Revises: {=rev:d}
    Create Date: 2026-03-02 10:12:45.123456
    """

    import sqlalchemy as sa
    from alembic import op

    revision = "{=rev:r}"
    down_revision = "{=rev:d}"
    branch_labels = None
    depends_on = None


    def upgrade() -> None:
        op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))


    def downgrade() -> None:
        op.drop_table("orders")
''')
add("app/checksums.py", '''
    WHEEL_SHA256 = {
        "pillow-11.0.0-cp312-cp312-manylinux.whl": "{=hex64}",
        "numpy-2.1.0-cp312-cp312-manylinux.whl": "{=hex64}",
    }
    BUILD_COMMIT = "{=sha1}"
    MIGRATION_HEAD = "{=rev}"
    TENANT_ID = "{=uuid}"
    etag = "{=hex32}"
''')
add("app/aws_arns.py", '''
    ROLE_ARN = "arn:aws:iam::{=account}:role/app-task"
    SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:{=account}:secret:prod/db-AbC12d"
    KMS_KEY_ID = "{=uuid}"
    BUCKET = "acme-prod-uploads"
''')
add("app/placeholders.py", '''
    API_KEY = "YOUR_API_KEY"
    DEFAULT_PASSWORD = "changeme"
    GITHUB_TOKEN = "<your-github-token>"
    STRIPE_KEY = "REPLACE_ME"
    SLACK_TOKEN = "xxxxxxxxxxxxxxxx"
    SECRET_KEY = "********"
''')
add("app/docs_examples.py", '''
    """Database helpers.

    Configure the URL as ``postgresql://user:password@localhost:5432/app``,
    or ``mysql://root:secret@127.0.0.1/shop`` for the MySQL build.
    """

    DEFAULT_URL = "sqlite:///local.db"
''')
add("app/public_keys.py", '''
    PUBLIC_KEY = """{=pem_pub}"""
    CA_CERT = """{=pem_cert}"""
''')
add("app/stripe_frontend.py", '''
    STRIPE_PUBLISHABLE_KEY = "{=stripe_pk}"


    def checkout_config() -> dict:
        return {"publishableKey": STRIPE_PUBLISHABLE_KEY}
''')
add("tests/test_auth.py", '''
    from app.auth import login


    def test_login_rejects_a_wrong_password(client) -> None:
        response = login(client, username="alice", password="fake-password-123")
        assert response.status_code == 401


    def test_token_is_checked(client) -> None:
        headers = {"Authorization": "Bearer test-token-abc123"}
        assert client.get("/me", headers=headers).status_code == 401
''')
add("tests/conftest.py", '''
    import pytest


    @pytest.fixture
    def settings():
        return {
            "SECRET_KEY": "test-secret-key-123",
            "STRIPE_KEY": "sk_test_fakefakefakefakefake1234",
            "API_TOKEN": "dummy-token-xyz789",
        }
''')
add("config/.env.example", '''
    SECRET_KEY=changeme
    DATABASE_URL=postgresql://user:password@localhost:5432/app
    STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    AWS_SECRET_ACCESS_KEY=<your-secret-access-key>
''')
add("deploy/k8s/configmap.yaml", '''
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: api-config
    data:
      LOG_LEVEL: info
      DB_HOST: prod-db.acme.io
      TOKEN_TTL_SECONDS: "3600"
''')
add("deploy/k8s/api.yaml", '''
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          containers:
            - name: api
              env:
                - name: DB_PASSWORD
                  valueFrom:
                    secretKeyRef:
                      name: app-secrets
                      key: DB_PASSWORD
''')
add("deploy/helm/values.yaml", '''
    database:
      host: db
      password: "{{ .Values.db.password }}"
      existingSecret: db-credentials
    auth:
      secretName: api-auth
''')
add("docker-compose.dev.yml", '''
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: postgres
          POSTGRES_USER: postgres
      api:
        environment:
          - DATABASE_PASSWORD=${DATABASE_PASSWORD}
          - SECRET_KEY=${SECRET_KEY:?set SECRET_KEY}
''')
add("Dockerfile.dev", '''
    FROM python:3.12-slim
    ARG GITHUB_TOKEN
    RUN --mount=type=secret,id=pip_token pip install -r requirements.txt
    ENV PYTHONUNBUFFERED=1
''')
add("app/forms.py", '''
    from flask_wtf import FlaskForm
    from wtforms import PasswordField, StringField
    from wtforms.validators import DataRequired, Length


    class LoginForm(FlaskForm):
        username = StringField("Username", validators=[DataRequired()])
        password = PasswordField("Password", validators=[DataRequired(), Length(min=12)])
''')
add("app/schemas.py", '''
    from pydantic import BaseModel


    class LoginRequest(BaseModel):
        username: str
        password: str


    class TokenResponse(BaseModel):
        access_token: str
        token_type: str = "bearer"
''')
add("app/routes/auth.py", '''
    from flask import Blueprint, request
    from flask_jwt_extended import create_access_token
    from werkzeug.security import check_password_hash

    from app.models import User

    auth = Blueprint("auth", __name__)


    @auth.post("/login")
    def login():
        user = User.query.filter_by(email=request.json["email"]).first()
        if user is None or not check_password_hash(user.password_hash, request.json["password"]):
            return {"error": "invalid credentials"}, 401
        token = create_access_token(identity=user.id)
        return {"access_token": token}
''')
add("app/hashing.py", '''
    PASSWORD_HASH_ALGORITHM = "argon2id"
    ADMIN_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4${=token}"
''')
add("app/cache_keys.py", '''
    CACHE_KEY_PREFIX = "user:"
    SESSION_KEY = "session_id"
    RATE_LIMIT_KEY = "rl:{user_id}"
    IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
''')
add("app/i18n.py", '''
    MESSAGES = {
        "password_reset": "Your password was reset",
        "token_expired": "Your session expired, please sign in again",
        "secret_question": "What was the name of your first pet?",
    }
''')
add("app/http_headers.py", '''
    AUTH_HEADER = "Authorization"
    AUTH_SCHEME = "Bearer"
    CSRF_TOKEN_HEADER = "X-CSRFToken"
    API_KEY_HEADER = "X-API-Key"
''')
add("config/feature_flags.json", '''
    {
      "enable_password_reset": true,
      "token_ttl_seconds": 3600,
      "secret_rotation_days": 90,
      "auth_provider": "oidc"
    }
''')
add("pyproject.toml", '''
    [project]
    name = "acme-api"
    version = "1.4.2"
    dependencies = ["flask>=3", "sqlalchemy>=2", "boto3"]

    [tool.mypy]
    strict = true
''')
add("setup.cfg", '''
    [flake8]
    max-line-length = 100

    [tool:pytest]
    testpaths = tests
''')
add("app/secret_manager.py", '''
    import boto3

    secrets = boto3.client("secretsmanager")


    def db_password() -> str:
        return secrets.get_secret_value(SecretId="prod/db/password")["SecretString"]


    secret_name = "prod/app/api-key"
''')
add("app/vault_read.py", '''
    import hvac
    import os

    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
    password = client.secrets.kv.read_secret_version(path="app/db")["data"]["data"]["password"]
''')
add("app/oauth_urls.py", '''
    TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
    AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
    TOKEN_ENDPOINT_AUTH_METHOD = "client_secret_post"
''')
add("app/models/api_key.py", '''
    from sqlalchemy import String
    from sqlalchemy.orm import Mapped, mapped_column

    from app.db import Base


    class ApiKey(Base):
        __tablename__ = "api_keys"

        id: Mapped[int] = mapped_column(primary_key=True)
        key_prefix: Mapped[str] = mapped_column(String(8), default="ak_")
        hashed_key: Mapped[str] = mapped_column(String(128))
''')
add("app/logging_filters.py", '''
    import logging

    SENSITIVE_KEYS = ("password", "token", "secret", "authorization")


    class RedactFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return True
''')
add("app/celery_config.py", '''
    import os

    broker_url = os.environ.get("BROKER_URL", "redis://localhost:6379/0")
    result_backend = os.environ.get("RESULT_BACKEND", "redis://localhost:6379/1")
    task_serializer = "json"
''')
add("app/db_local.py", '''
    SQLALCHEMY_DATABASE_URI = "sqlite:///app.db"
    REPLICA_URL = "postgresql://localhost/app_replica"
''')
add("tests/fixtures/users.json", '''
    [
      {"email": "alice@example.com", "password": "fake-pass-alice-1"},
      {"email": "bob@example.com", "password": "fake-pass-bob-2"}
    ]
''')
add("app/crypto_params.py", '''
    SALT_LENGTH = 16
    KEY_SIZE = 32
    TOKEN_BYTES = 48
    SECRET_ROTATION = "P90D"
''')
add("app/enums.py", '''
    from enum import Enum


    class TokenKind(str, Enum):
        ACCESS = "access_token"
        REFRESH = "refresh_token"
        ID = "id_token"
''')
add("app/ids.py", '''
    REQUEST_ID = "{=uuid}"
    TRACE_PARENT = "00-{=hex32}-{=rev}f0e1-01"
    ORDER_NUMBER = "ORD-{=account}"
''')
add(".github/workflows/ci.yml", '''
    name: ci
    on: [push]
    jobs:
      test:
        runs-on: ubuntu-latest
        services:
          postgres:
            image: postgres:16
            env:
              POSTGRES_PASSWORD: ${{ secrets.DB_PASSWORD }}
        steps:
          - uses: actions/checkout@v4
''')
add("app/sentry_setup.py", '''
    import sentry_sdk

    sentry_sdk.init(dsn="https://{=hex32}@o4505.ingest.sentry.io/4505", traces_sample_rate=0.1)
''')
add("app/password_policy.py", '''
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*[0-9]).{12,}$"
    PASSWORD_MAX_AGE_DAYS = 90
''')
add("app/html.py", '''
    LOGIN_FORM = """
    <form method="post">
      <input type="password" name="password" autocomplete="current-password">
    </form>
    """
''')
add("app/openapi_examples.py", '''
    SECURITY_SCHEMES = {
        "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    EXAMPLE_REQUEST = {"api_key": "YOUR_API_KEY", "password": "<password>"}
''')
add("config/logging.yaml", '''
    version: 1
    handlers:
      console:
        class: logging.StreamHandler
        level: INFO
    root:
      handlers: [console]
''')
add("app/jwt_decode.py", '''
    import jwt

    from app.config import settings


    def decode(token: str) -> dict:
        return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])
''')
add("app/sessions.py", '''
    SESSION_COOKIE_NAME = "session"
    REMEMBER_COOKIE_NAME = "remember_token"
    SESSION_TYPE = "redis"
''')
add("app/fernet_runtime.py", '''
    import os

    from cryptography.fernet import Fernet

    cipher = Fernet(os.environ["FERNET_KEY"].encode())
''')
add("app/login_client.py", '''
    import imaplib
    import os


    def mailbox() -> imaplib.IMAP4_SSL:
        box = imaplib.IMAP4_SSL("imap.acme-mail.io")
        box.login(os.environ["IMAP_USER"], os.environ["IMAP_PASSWORD"])
        return box
''')
add("config/tox.ini", '''
    [tox]
    envlist = py312

    [testenv]
    passenv = DATABASE_URL, SECRET_KEY
    deps = pytest
''')
add("app/constants_misc.py", '''
    AUTH_BACKEND = "app.auth.backends.TokenBackend"
    PASSWORD_HASHER = "argon2"
    DEFAULT_AUTH = "session"
    SECRETS_DIR = "/run/secrets"
''')


def main():
    corpus = os.path.join(ROOT, "corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    expected = []
    positives = 0
    for path, template in sorted(FILES.items()):
        text = fill(template)
        lines = []
        marked = False
        for number, line in enumerate(text.split("\n"), start=1):
            if "#!S " in line:
                line, _, rule = line.partition("  #!S ")
                at = number
                if "-----END" in line:
                    # A PEM block: the secret begins at its BEGIN line.
                    at = max(i for i, seen in enumerate(lines, start=1) if "-----BEGIN" in seen)
                expected.append(f"{path}:{at} {rule.strip()}")
                marked = True
            lines.append(line)
        positives += marked
        full = os.path.join(corpus, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write("\n".join(lines))
    with open(os.path.join(ROOT, "EXPECTED"), "w") as f:
        f.write("# path:line rule, one per expected finding; written by scripts/secrets-corpus.py\n")
        f.write("\n".join(expected) + "\n")
    print(f"{len(FILES)} files, {positives} with secrets, {len(expected)} expected findings")


main()

"""Serves settlement certificates from the Rasa server: /webhooks/certificates/...

    GET /webhooks/certificates/download/<token>  the PDF (404 for any unknown token)
    GET /webhooks/certificates/verify/<code>     JSON: what the certificate with this code states

A download token is unguessable and opens exactly one certificate; there is no
listing and no lookup by customer. The verification answer shows only what is
printed on the certificate (masked name, product, limit, dates). Registered in
credentials.yml; it receives no chat messages.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.certificates.eligibility import IssuedCertificate
from bot.certificates.pdf import render_certificate
from bot.config import Settings
from bot.db.queries import certificate_by_code, certificate_by_token
from bot.db.session import run_in_session, session_factory

# Anything else is answered 404 without touching the database.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CODE = re.compile(r"^[A-Z0-9-]{6,24}$")


def _not_found() -> HTTPResponse:
    return response.json({"error": "not found"}, status=404)


class CertificateChannel(InputChannel):
    """Download and verification of settlement certificates (no chat input)."""

    @classmethod
    def name(cls) -> str:
        """URL prefix: /webhooks/certificates."""
        return "certificates"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for download and verification; `on_new_message` is unused (no chat input)."""
        settings = Settings.from_env()
        bp = Blueprint("certificates_webhook", __name__)

        @bp.route("/download/<token>", methods=["GET"])
        async def download(request: Request, token: str) -> HTTPResponse:
            if not _TOKEN.match(token):
                return _not_found()
            issued = await run_in_session(session_factory(settings.database_url), certificate_by_token, token)
            if issued is None:
                return _not_found()
            rendered = await asyncio.to_thread(
                render_certificate, issued, public_url=settings.public_url, font_path=settings.certificate_font
            )
            return response.raw(
                rendered.pdf,
                content_type="application/pdf",
                headers={
                    "Content-Disposition": _disposition(rendered.filename, issued),
                    "Cache-Control": "private, no-store",
                },
            )

        @bp.route("/verify/<code>", methods=["GET"])
        async def verify(request: Request, code: str) -> HTTPResponse:
            code = code.strip().upper()
            if not _CODE.match(code):
                return _not_found()
            issued = await run_in_session(session_factory(settings.database_url), certificate_by_code, code)
            if issued is None:
                return _not_found()
            content = issued.content
            return response.json(
                {
                    "valid": True,
                    "verification_code": issued.verification_code,
                    "customer": content.masked_name,
                    "product": content.product_name,
                    "credit_limit": str(content.credit_limit),
                    "state": content.state,
                    "settled_on": content.settled_on.isoformat(),
                    "issued_on": issued.issued_on.isoformat(),
                },
                ensure_ascii=False,
            )

        return bp


def _disposition(ascii_name: str, issued: IssuedCertificate) -> str:
    """Save as 花呗结清证明-<code>.pdf (RFC 6266 filename*), with an ASCII name for old clients."""
    chinese = f"{issued.content.product_name}结清证明-{issued.verification_code}.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese)}"

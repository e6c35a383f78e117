"""The certificate PDF: Chinese text embedded and extractable, every fact printed."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from bot.certificates.eligibility import CLOSED, SETTLED, CertificateContent, IssuedCertificate
from bot.certificates.pdf import CertificateFontMissing, render_certificate
from bot.config import Settings


def issued(state: str = CLOSED, settled_on: date = date(2024, 2, 29)) -> IssuedCertificate:
    return IssuedCertificate(
        content=CertificateContent("王*明", "huabei", "花呗", "消费信用额度", Decimal("8000"), state, settled_on),
        verification_code="JQ-7K4M-9XQ2-HP",
        download_token="t" * 32,
        issued_on=date(2026, 11, 22),
        issued_at=datetime(2026, 11, 22, 2, tzinfo=timezone.utc),
    )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def compact(text: str) -> str:
    return "".join(text.split())


def test_closed_certificate_states_every_fact_in_chinese() -> None:
    rendered = render_certificate(issued(), public_url="https://bot.example", font_path=Settings().certificate_font)
    assert rendered.pdf.startswith(b"%PDF")
    assert rendered.filename == "huabei-settlement-JQ-7K4M-9XQ2-HP.pdf"
    text = compact(pdf_text(rendered.pdf))
    for fact in [
        "结清证明",
        "王*明",
        "花呗",
        "¥8,000.00",
        "2024年2月29日",
        "2026年11月22日",
        "已结清并关闭",
        "JQ-7K4M-9XQ2-HP",
        "https://bot.example/webhooks/certificates/verify/JQ-7K4M-9XQ2-HP",
    ]:
        assert fact in text, fact
    assert "王小明" not in text
    assert "核验码JQ-7K4M-9XQ2-HP" in text and "验证码" not in text  # a share code, not a one-time code


def test_open_line_certificate_says_settled_as_of() -> None:
    rendered = render_certificate(
        issued(SETTLED, date(2026, 11, 22)), public_url="http://x", font_path=Settings().certificate_font
    )
    text = compact(pdf_text(rendered.pdf))
    assert "截至2026年11月22日已结清全部欠款" in text and "额度仍可使用" in text


def test_the_cjk_font_is_embedded() -> None:
    pdf = render_certificate(issued(), public_url="http://x", font_path=Settings().certificate_font).pdf
    resources = cast(DictionaryObject, PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"])
    fonts = [f.get_object() for f in cast(DictionaryObject, resources["/Font"]).values()]
    embedded = [f for f in fonts if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"]]
    assert embedded, "the CJK TrueType font must be embedded, not left to the viewer"
    assert all("/ToUnicode" in f for f in embedded)  # what makes the text extractable


def test_missing_font_fails_with_a_clear_message(tmp_path) -> None:
    with pytest.raises(CertificateFontMissing, match="fonts-wqy-zenhei"):
        render_certificate(issued(), public_url="http://x", font_path=str(tmp_path / "none.ttc"))

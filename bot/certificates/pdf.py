"""The settlement certificate as a PDF, with a real CJK font embedded.

Chinese must render on any viewer and be extractable as text (a bank's
systems read it), so a TrueType CJK font is embedded (as a subset, with a
ToUnicode map) rather than relying on the viewer's fonts. reportlab embeds
TrueType outlines only, hence a .ttf/.ttc font (see Settings.certificate_font).
The wording is in bot/certificates/templates/settlement_certificate.yml.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bot.certificates.eligibility import IssuedCertificate, verify_url
from bot.core.formatting import cn_date, yuan

TEMPLATE = Path(__file__).with_name("templates") / "settlement_certificate.yml"
FONT_NAME = "CertificateCJK"


class CertificateFontMissing(RuntimeError):
    """The configured CJK font is not installed: certificates cannot be rendered."""


@dataclass(frozen=True)
class RenderedCertificate:
    """The PDF bytes and the file name to offer for download."""

    pdf: bytes
    filename: str


@lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    with TEMPLATE.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


@lru_cache(maxsize=4)
def register_font(path: str) -> str:
    """Register the CJK font once per process; fails clearly when it is missing or unusable."""
    if not Path(path).is_file():
        raise CertificateFontMissing(
            f"CJK font not found at {path}: install the Debian package fonts-wqy-zenhei "
            "(scripts/setup.sh does) or point BOT_CERTIFICATE_FONT at a TrueType CJK font"
        )
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    except Exception as exc:  # reportlab raises its own TTFError for CFF/OTF fonts
        raise CertificateFontMissing(f"{path} cannot be embedded ({exc}); use a TrueType-outline CJK font") from exc
    return FONT_NAME


def render_certificate(issued: IssuedCertificate, *, public_url: str, font_path: str) -> RenderedCertificate:
    """Render one stored certificate as an A4 PDF."""
    font = register_font(font_path)
    values = _values(issued, public_url)
    template = _template()
    styles = _styles(font)
    story: list[Any] = [
        Paragraph(template["title"], styles["title"]),
        Spacer(1, 8 * mm),
        Paragraph(template["body"][issued.content.state].format(**values), styles["body"]),
        Spacer(1, 8 * mm),
        _fields_table(template["fields"], values, font),
        Spacer(1, 8 * mm),
        Paragraph(template["verify"].format(**values), styles["small"]),
        Spacer(1, 4 * mm),
        Paragraph(template["footer"].format(**values), styles["small"]),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=template["title"],
        author="",
        subject=issued.verification_code,
    )
    doc.build(story)
    return RenderedCertificate(buffer.getvalue(), template["filename"].format(**values))


def _values(issued: IssuedCertificate, public_url: str) -> dict[str, str]:
    content = issued.content
    return {
        "masked_name": content.masked_name,
        "product_id": content.product_id,
        "product_name": content.product_name,
        "product_description": content.product_description,
        "credit_limit": yuan(content.credit_limit),
        "state": _template()["states"][content.state],
        "settled_on": cn_date(content.settled_on),
        "issued_on": cn_date(issued.issued_on),
        "verification_code": issued.verification_code,
        "verify_url": verify_url(public_url, issued.verification_code),
    }


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # wordWrap="CJK" breaks lines between any two Chinese characters.
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=22, leading=28, alignment=1),
        "body": ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=14, wordWrap="CJK"),
    }


def _fields_table(fields: list[list[str]], values: dict[str, str], font: str) -> Table:
    rows = [[label, value.format(**values)] for label, value in fields]
    table = Table(rows, colWidths=[35 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 11),
                ("GRID", (0, 0), (-1, -1), 0.5, "#888888"),
                ("BACKGROUND", (0, 0), (0, -1), "#f2f2f2"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table

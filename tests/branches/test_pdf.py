"""branches.pdf: the vendored CJK font is embedded, the page furniture prints, responses are inline PDFs."""
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from branches import pdf

BASE_CONTEXT = {"title": "测试文档标题", "unit_name": "测试党委", "period": "2025年度"}


def pdffonts(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]  # skip the two header lines


def pdftext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def embedded_vendored_font(lines: list[str]) -> bool:
    """A pdffonts row for the vendored face with emb = yes (columns: name type encoding emb sub uni id gen)."""
    for line in lines:
        cols = line.split()
        if "DroidSansFallback" in cols[0] and cols[-5] == "yes":
            return True
    return False


def test_pdf_bytes_embeds_the_vendored_cjk_font(tmp_path):
    data = pdf.pdf_bytes("pdf/base.html", BASE_CONTEXT)
    assert data.startswith(b"%PDF-")
    lines = pdffonts(data, tmp_path)
    assert embedded_vendored_font(lines), lines
    # The @font-face name, not a system copy of Droid Sans Fallback ("Droid-Sans-Fallback").
    assert any(f"+{pdf.FONT_FAMILY.replace(' ', '-')}" in line for line in lines), lines


def test_page_furniture(tmp_path):
    text = pdftext(pdf.pdf_bytes("pdf/base.html", BASE_CONTEXT), tmp_path)
    for expected in ("测试文档标题", "填报单位：测试党委", "2025年度", "第 1 页 共 1 页",
                     f"打印日期：{timezone.localdate():%Y-%m-%d}", "填表人", "审核人", "党组织（盖章）", "日期："):
        assert expected in text, expected


def test_cjk_font_is_embedded_without_any_system_font(tmp_path):
    """Simulate a server with no fonts at all (empty fontconfig): the Chinese text still embeds."""
    (tmp_path / "nofonts").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(textwrap.dedent(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
        <fontconfig><dir>{tmp_path / 'nofonts'}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>
    """))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    fc_list = subprocess.run(["fc-list"], env=env, capture_output=True, text=True)
    assert fc_list.stdout.strip() == "", "fontconfig isolation did not work"
    script = (
        "import sys, django; django.setup()\n"
        "from branches.pdf import pdf_bytes\n"
        "sys.stdout.buffer.write(pdf_bytes('pdf/base.html', {'title': '无字体环境测试', 'unit_name': '测试党委'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert embedded_vendored_font(pdffonts(result.stdout, tmp_path))
    assert "无字体环境测试" in pdftext(result.stdout, tmp_path)


def test_font_configuration_is_cached():
    first = pdf._fonts()
    assert pdf._fonts()[0] is first[0]
    assert pdf._fonts()[1] is first[1]


def test_render_pdf_response_headers():
    response = pdf.render_pdf("pdf/base.html", BASE_CONTEXT, filename="党员花名册-20250101.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''%E5%85%9A%E5%91%98%E8%8A%B1%E5%90%8D%E5%86%8C-20250101.pdf" in disposition
    assert 'filename="document-20250101.pdf"' in disposition
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("name, fallback", [
    ("roll.pdf", "roll.pdf"),
    ("党员信息卡.pdf", "document.pdf"),
    ('a"b\\c;d\r\n.pdf', "abcd.pdf"),
    ("", "document.pdf"),
])
def test_content_disposition_fallback(name, fallback):
    header = pdf.content_disposition(name)
    assert f'filename="{fallback}"' in header
    assert "\r" not in header and "\n" not in header
    assert "filename*=UTF-8''" in header


def test_url_fetcher_allows_only_local_assets_and_data():
    fetcher = pdf._url_fetcher()
    response = fetcher(pdf.font_path().as_uri())
    assert response.read(4)
    response.close()
    response = fetcher("data:text/plain;base64,aGk=")
    assert response.read() == b"hi"
    response.close()
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/x.png", "https://example.org/x.png",
                (Path(settings.BASE_DIR) / "manage.py").as_uri()):
        with pytest.raises(ValueError):
            fetcher(url)


def test_image_data_url(tmp_path):
    from django.core.files.storage import FileSystemStorage
    from django.db.models.fields.files import FieldFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    storage = FileSystemStorage(location=tmp_path)
    storage.save("p.png", io.BytesIO(buf.getvalue()))

    class Field:  # the bits of an ImageField a FieldFile needs
        def __init__(self):
            self.storage = storage

    assert pdf.image_data_url(FieldFile(None, Field(), "p.png")).startswith("data:image/png;base64,")
    assert pdf.image_data_url(FieldFile(None, Field(), "missing.png")) is None
    assert pdf.image_data_url(FieldFile(None, Field(), "")) is None
    assert pdf.image_data_url(None) is None

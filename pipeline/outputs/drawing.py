"""What a chart drawn with Pillow needs (the public summary's rating chart; the Word documents'
charts are Word's own): the font, text as FreeType writes it, and the PNG; and how figures are written.

A point (pt) is DPI/72 pixels, as in matplotlib, and positions are in pixels of the final
image, x from the left and y from the top. Lines and shapes are drawn on a canvas SCALE
times the size and shrunk, for anti-aliasing; text is written at the final size with
FreeType's own anti-aliasing. Pillow is imported inside the functions, so `pipeline --help`
stays fast.
"""

from __future__ import annotations

import functools
import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DPI = 120  # sharp enough on paper at 150 mm wide
PT = DPI / 72
SCALE = 3  # lines and shapes are drawn three times the size and shrunk: anti-aliased edges
TICK = round(3.5 * PT)  # tick length, outside the axes
PAD = round(3.5 * PT)  # from a tick to its label
# DejaVu Sans ships with the package (fonts/, free licence in fonts/LICENSE): the same files,
# so the same pixels, on every machine, with no font search and nothing else installed.
_FONTS = Path(__file__).with_name("fonts")
_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
_FONT_VERSION = "DejaVu Sans 2.35, bundled"


def number(value: Decimal | None) -> str:
    """A figure as people write it: 1,234.5 (no trailing zeros), or 'no figure'. The chart's
    latest figure and the alt text both say it this way."""
    if value is None:
        return "no figure"
    text = format(value.normalize(), ",f")
    if len(text) > 24:  # no figure a return can hold; 1e-322 in 330 digits would run off the chart
        return format(value, ".6g")
    return "0" if text in ("-0", "") else text


def clip_to_length(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def package_version(package: str) -> str:
    """The installed version of `package`, or "none"."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def font_source() -> str:
    """Which font files draw the text (for the cache key: other files may draw other pixels)."""
    return _FONT_VERSION


@functools.cache
def font_at(size: float, bold: bool = False):
    """DejaVu Sans at `size` points. The basic layout engine, not raqm: the same glyph
    positions whether or not libraqm is installed."""
    from PIL import ImageFont

    return ImageFont.truetype(str(_FONTS / _FONT_FILES[bold]), size * PT, layout_engine=ImageFont.Layout.BASIC)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide `text` is in pixels at `size` points."""
    return font_at(size, bold).getlength(text)


@dataclass(frozen=True)
class Label:
    """A piece of text on the chart, at (x, y) by Pillow's text anchor ("ls": left, baseline)."""

    text: str
    x: int
    y: int
    anchor: str
    size: float
    bold: bool = False
    colour: str = "black"

    def box(self) -> tuple[float, float, float, float]:
        """Left, top, right and bottom of the ink, in pixels of the image."""
        left, top, right, bottom = font_at(self.size, self.bold).getbbox(self.text, anchor=self.anchor)
        return self.x + left, self.y + top, self.x + right, self.y + bottom


def write(image, label: Label) -> None:
    if not label.text:
        return
    mask, left, top = _ink(label.text, label.size, label.bold, label.anchor)
    image.paste(label.colour, (label.x + left, label.y + top), mask)


@functools.lru_cache(maxsize=4096)
def _ink(text: str, size: float, bold: bool, anchor: str):
    """A label's shape as a mask, and where its top-left corner goes from the label's (x, y). Rendered
    once a run: labels (the ratings, tick values, the legend) recur."""
    from PIL import Image, ImageDraw

    font = font_at(size, bold)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, left, top


def png(image) -> bytes:
    """An RGB image as PNG bytes: the pixels and nothing else (no date, no software).

    Written here rather than by Pillow, whose encoder tries every PNG row filter on every
    row: two thirds of a chart's drawing time. A chart is mostly flat colour, which zlib
    compresses well unfiltered, in a quarter of the time and to a smaller file.
    """
    width, height = image.size
    pixels = image.tobytes()
    stride = 3 * width
    rows = b"".join(b"\0" + pixels[at : at + stride] for at in range(0, len(pixels), stride))  # filter 0: none

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 3)) + chunk(b"IEND", b"")

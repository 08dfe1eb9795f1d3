"""How much the report form's in-browser shrinking (src/lapor/web/static/js/photo.js) saves on a
typical phone photo: `python -m bench.photo_shrink`. Sizes only (no timings: they depend on the phone).

The photo: 4032×3024 (a 12 MP phone camera), a scene made with Pillow — a sky gradient, a textured
wall with a door and a window, a floor — plus sensor noise, saved as JPEG quality 92 with an EXIF
block holding a GPS position, as a camera writes it. Debian's Chromium runs photo.js on it (the
page and the module are served from memory, no server needed).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from playwright.async_api import Route, async_playwright

STATIC = Path(__file__).resolve().parents[1] / "src" / "lapor" / "web" / "static"
CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://lapor.test"


def phone_photo(size: tuple[int, int] = (4032, 3024), quality: int = 92) -> bytes:
    """A real-looking scene with sensor noise and GPS EXIF, encoded the way a phone does."""
    width, height = size
    sky = Image.linear_gradient("L").resize((width, height // 3)).point(lambda v: 150 + v // 3)
    image = Image.new("RGB", size, (196, 188, 172))
    image.paste(Image.merge("RGB", (sky.point(lambda v: v - 60), sky.point(lambda v: v - 20), sky)), (0, 0))
    wall = Image.effect_noise((width, height // 2), 60).filter(ImageFilter.GaussianBlur(0.8))
    image.paste(
        Image.merge(
            "RGB",
            (
                wall.point(lambda v: 120 + v // 3),
                wall.point(lambda v: 110 + v // 3),
                wall.point(lambda v: 95 + v // 3),
            ),
        ),
        (0, height // 3),
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle([width // 8, height // 3 + 200, width // 8 + 700, height - 400], fill=(92, 64, 44))
    draw.rectangle(
        [width // 2, height // 3 + 300, width // 2 + 1200, height // 3 + 1000], fill=(170, 200, 220)
    )
    draw.line(
        [(width // 2 + 600, height // 3 + 300), (width // 2 + 600, height // 3 + 1000)],
        fill=(60, 60, 60),
        width=24,
    )
    draw.rectangle([0, height * 5 // 6, width, height], fill=(120, 118, 112))
    noise = Image.effect_noise(size, 48).convert("RGB")
    image = Image.blend(image, noise, 0.18)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 21.0, 46.08), 3: "E", 4: (106.0, 49.0, 36.84)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


async def shrink_in_chromium(photo: bytes) -> bytes:
    async def serve(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path.startswith("/static/"):
            await route.fulfill(path=STATIC / path.removeprefix("/static/"), content_type="text/javascript")
        else:
            await route.fulfill(body="<!doctype html><title>shrink</title>", content_type="text/html")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
        )
        try:
            page = await browser.new_page()
            await page.route(f"{ORIGIN}/**", serve)
            await page.goto(f"{ORIGIN}/")
            encoded: str = await page.evaluate(
                """async (data) => {
                  const { shrinkPhoto } = await import("/static/js/photo.js");
                  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                  const { blob } = await shrinkPhoto(new File([bytes], "foto.jpg", { type: "image/jpeg" }));
                  const out = new Uint8Array(await blob.arrayBuffer());
                  let text = "";
                  for (const byte of out) text += String.fromCharCode(byte);
                  return btoa(text);
                }""",
                base64.b64encode(photo).decode(),
            )
        finally:
            await browser.close()
    return base64.b64decode(encoded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=4032)
    parser.add_argument("--height", type=int, default=3024)
    args = parser.parse_args()
    before = phone_photo((args.width, args.height))
    after = asyncio.run(shrink_in_chromium(before))
    with Image.open(io.BytesIO(before)) as image:
        size_before, exif_before = image.size, len(image.getexif())
    with Image.open(io.BytesIO(after)) as image:
        size_after, exif_after = image.size, len(image.getexif())
    print(f"before: {size_before[0]}×{size_before[1]}, {len(before):,} bytes, {exif_before} EXIF tags")
    print(f"after:  {size_after[0]}×{size_after[1]}, {len(after):,} bytes, {exif_after} EXIF tags")
    print(f"ratio:  {len(after) / len(before):.1%}")


if __name__ == "__main__":
    main()

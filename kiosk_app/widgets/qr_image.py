"""A QR code as a Kivy image, drawn module by module from the order's QR content (the `qrcode`
package, which python-escpos brings) into a texture: no image file in between."""

from __future__ import annotations

from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.image import Image


def qr_matrix(content: str) -> list[list[bool]]:
    """The modules of the QR (True: dark), with a quiet zone of two."""
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(content)
    code.make(fit=True)
    return code.get_matrix()


class QrImage(Image):
    content = StringProperty("")

    def on_content(self, _instance, content: str) -> None:
        if not content:
            self.texture = None
            return
        matrix = qr_matrix(content)
        size = len(matrix)
        # Rows bottom-up: a texture's origin is its lower left corner.
        # RGBA: four bytes a pixel keep every row aligned for GL, whatever the QR's size.
        pixels = b"".join((b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff")
                          for row in reversed(matrix) for dark in row)
        texture = Texture.create(size=(size, size), colorfmt="rgba")
        texture.mag_filter = texture.min_filter = "nearest"  # sharp modules for the phone's camera
        texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
        self.texture = texture

"""Real photographs for the video tests: the ones scikit-image ships in ``skimage/data``
(a dev dependency), read as RGB without importing scikit-image itself."""

from __future__ import annotations

import importlib.resources
from functools import lru_cache

import cv2
import numpy as np

#: the colour photographs, each a different kind of picture
COLOUR = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
          "hubble_deep_field.jpg", "retina.jpg", "ihc.png")
#: the grey ones (textures and scenes)
GREY = ("camera.png", "grass.png", "gravel.png", "brick.png", "coins.png", "moon.png")


@lru_cache(maxsize=32)
def _read(name: str) -> np.ndarray:
    path = importlib.resources.files("skimage") / "data" / name
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)  # grey ones come as three equal planes
    if picture is None:
        raise FileNotFoundError(f"no photograph {name!r} in scikit-image's data")
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)


def photo(name: str, width: int | None = None, height: int | None = None) -> np.ndarray:
    """The photograph ``name`` as an H x W x 3 RGB uint8 array, resized (area-averaged) to
    ``width`` x ``height`` when given (one of them alone keeps the aspect ratio)."""
    picture = _read(name)
    if width is None and height is None:
        return picture.copy()
    h, w = picture.shape[:2]
    if width is None:
        width = round(w * height / h)
    if height is None:
        height = round(h * width / w)
    return cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)

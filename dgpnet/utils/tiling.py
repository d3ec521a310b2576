"""Whole-image or tiled forward of an SR network on a float NCHW tensor."""

__all__ = ["run"]


def _tiled(model, x, scale, tile, overlap):
    _, _, h, w = x.shape
    out = None
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(y0 - overlap, 0), max(x0 - overlap, 0)
            yb, xb = min(y1 + overlap, h), min(x1 + overlap, w)
            y = model(x[:, :, ya:yb, xa:xb])
            if out is None:
                out = y.new_zeros(y.shape[0], y.shape[1], h * scale, w * scale)
            out[:, :, y0 * scale:y1 * scale, x0 * scale:x1 * scale] = \
                y[:, :, (y0 - ya) * scale:(y1 - ya) * scale, (x0 - xa) * scale:(x1 - xa) * scale]
    return out


def run(model, x, tile=None, tile_overlap=32):
    """Model output for a float NCHW tensor, whole-image or over ``tile`` x ``tile`` LR tiles."""
    if tile is None:
        return model(x)
    if tile < 1 or tile_overlap < 0:
        raise ValueError(f"tile must be >= 1 and tile_overlap >= 0, got {tile}, {tile_overlap}")
    return _tiled(model, x, model.upscale, int(tile), int(tile_overlap))

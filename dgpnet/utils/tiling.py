"""Whole-image or tiled forward of an SR network on a float NCHW tensor.

Two tiled paths:

- Overlap tiling (any network; DGPNet with ``att='none'``): each tile is cropped with
  ``tile_overlap`` LR pixels of context and run through the whole network; the result is exact
  when the overlap is at least the network's receptive radius.
- Stage-wise tiling (DGPNet with channel attention): each AIIBlock's channel attention pools over
  the whole feature map, so a tile alone cannot compute it. The network runs stage by stage (head,
  each block, reconstruction), each stage over tiles with just the halo that stage needs, and keeps
  one full-size LR feature map between stages. Every block takes two passes over the tiles:
  pass 1 sums its attention inputs over each tile's own pixels (giving the global channel means,
  hence the gates), pass 2 recomputes the block with those gates and overwrites the map band by
  band. The result equals the whole-image forward up to float rounding, fused or unfused, for
  about twice the block compute; memory is one C x H x W map, one band of tile rows, the tile
  temporaries and the output.
"""
import torch

from dgpnet.archs.dgpnet_arch import DGPNet

__all__ = ["run"]

BLOCK_HALO = 2   # an AIIBlock's receptive radius: stat/struct conv, then dg_a..dg_d (3x3 each; 1x1 fusion)
TAIL_HALO = 3    # reconstruct(): body_tail, up and refine convs (1 LR px each; the skip interpolation needs less)
STAGE_TILE = 128  # largest stage-wise tile: its ~11 C x tile^2 temporaries then stay small next to the C x H x W map


def _tiles(h, w, tile):
    """(y0, y1, x0, x1) of the tile x tile grid covering an h x w image."""
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            yield y0, min(y0 + tile, h), x0, min(x0 + tile, w)


def _crops(h, w, tile, halo):
    """Per tile: its bounds, the bounds of the crop with ``halo`` pixels of context (clipped at the
    image border, where the network's own zero padding applies) and the tile's offset in the crop."""
    for y0, y1, x0, x1 in _tiles(h, w, tile):
        ya, yb, xa, xb = max(y0 - halo, 0), min(y1 + halo, h), max(x0 - halo, 0), min(x1 + halo, w)
        yield (y0, y1, x0, x1), (ya, yb, xa, xb), (y0 - ya, x0 - xa)


def _map(fn, srcs, tile, halo, scale=1):
    """``fn(*crops of srcs)`` assembled tile by tile; the result is ``scale`` times larger than srcs."""
    n, _, h, w = srcs[0].shape
    s, out = scale, None
    for (y0, y1, x0, x1), (ya, yb, xa, xb), (oy, ox) in _crops(h, w, tile, halo):
        y = fn(*[t[:, :, ya:yb, xa:xb] for t in srcs])
        if out is None:
            out = y.new_empty(n, y.shape[1], h * s, w * s)
        out[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = y[:, :, oy * s:(oy + y1 - y0) * s, ox * s:(ox + x1 - x0) * s]
    return out


def _map_inplace(fn, f, tile, halo):
    """Overwrite ``f`` with ``fn(f)`` (same shape, receptive radius ``halo``) computed over tiles.

    Needs one band of tile rows instead of a second full-size map: a band's results wait in
    ``band`` until the band is done, and ``above`` keeps the old rows above the next band.
    """
    n, c, h, w = f.shape
    above = f[:, :, :0].clone()                                  # old rows [max(y0 - halo, 0), y0)
    for y0 in range(0, h, tile):
        y1 = min(y0 + tile, h)
        yb = min(y1 + halo, h)
        band = f.new_empty(n, c, y1 - y0, w)
        for x0 in range(0, w, tile):
            x1 = min(x0 + tile, w)
            xa, xb = max(x0 - halo, 0), min(x1 + halo, w)
            y = fn(torch.cat([above[:, :, :, xa:xb], f[:, :, y0:yb, xa:xb]], dim=2))
            oy = above.shape[2]
            band[:, :, :, x0:x1] = y[:, :, oy:oy + y1 - y0, x0 - xa:x1 - xa]
        above = torch.cat([above, f[:, :, max(y1 - halo, y0):y1]], dim=2)[:, :, -halo:]
        f[:, :, y0:y1] = band
    return f


def _gates(block, f, tile):
    """Channel gates (g1, g2) of ``block`` on the full map ``f``: pass 1 of the stage-wise tiling."""
    n, _, h, w = f.shape
    sums = [0.0, 0.0]
    for (y0, y1, x0, x1), (ya, yb, xa, xb), (oy, ox) in _crops(h, w, tile, BLOCK_HALO):
        ys = block.attention_inputs(f[:, :, ya:yb, xa:xb])
        for i, y in enumerate(ys):
            own = y[:, :, oy:oy + y1 - y0, ox:ox + x1 - x0]
            sums[i] = sums[i] + own.sum(dim=(2, 3), dtype=torch.float64)
    means = [(s_ / (h * w)).to(f.dtype).view(n, -1, 1, 1) for s_ in sums]
    return block.att1.gate_from_mean(means[0]), block.att2.gate_from_mean(means[1])


def _stagewise(net, x, tile):
    """DGPNet with channel attention, exactly as the whole-image forward, over LR tiles."""
    tile = min(tile, STAGE_TILE)
    f = _map(net.head, [x], tile, 1)
    for block in net.body:
        gates = _gates(block, f, tile)
        _map_inplace(lambda t: block(t, gates), f, tile, BLOCK_HALO)
    return _map(lambda xt, ft: net.reconstruct(xt, ft, net.head(xt) if net.feat_skip else None),
                [x, f], tile, TAIL_HALO, net.upscale)


def _has_channel_attention(model):
    return isinstance(model, DGPNet) and any(b.att1.att == "ca" for b in model.body)


def run(model, x, tile=None, tile_overlap=32):
    """Model output for a float NCHW tensor, whole-image or over ``tile`` x ``tile`` LR tiles.

    A DGPNet with channel attention is tiled stage-wise (exact; tiles of at most ``STAGE_TILE``;
    ``tile_overlap`` is not used); any other model gets overlap tiling with ``tile_overlap`` LR
    pixels of context per side.
    """
    if tile is None:
        return model(x)
    if tile < 1 or tile_overlap < 0:
        raise ValueError(f"tile must be >= 1 and tile_overlap >= 0, got {tile}, {tile_overlap}")
    if _has_channel_attention(model):
        return _stagewise(model, x, int(tile))
    return _map(model, [x], int(tile), int(tile_overlap), model.upscale)

"""Option presets (EDSR's --template)."""


def set_template(args):
    if args.template == ".":
        return
    if args.template.startswith("JTF"):
        args.model = "model"
        if args.template == "JTF_small":             # the preview weights' size
            args.n_resblocks, args.n_feats, args.n_stages = 8, 32, 4
        elif args.template == "JTF_large":
            args.n_resblocks, args.n_feats = 32, 128
    elif args.template == "EDSR_paper":
        args.model = "EDSR"
        args.n_resblocks, args.n_feats, args.res_scale = 32, 256, 0.1
    else:
        raise ValueError(f"unknown --template {args.template!r} (JTF_small, JTF_large, EDSR_paper)")

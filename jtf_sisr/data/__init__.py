"""Data loaders, EDSR style: ``Data(args)`` gives ``loader_train`` and a list ``loader_test``."""
import os

from torch.utils.data import DataLoader, DistributedSampler

from common.io import scan_images
from jtf_sisr.data.locate import div2k_files, find_hr
from jtf_sisr.data.srdata import TestSet, TrainSet, demo_files


class Data:
    def __init__(self, args, rank=0, world_size=1):
        self.loader_train = None
        if not args.test_only:
            sets = []
            for name in args.data_train:
                if name == "DIV2K":
                    files = div2k_files(args.dir_data, args.data_range.split("/")[0])
                    sets.append((os.path.dirname(files[0]), files))
                else:
                    folder = find_hr(args.dir_data, name)
                    sets.append((folder, scan_images(folder)))
            per_epoch = args.batch_size * args.test_every * world_size
            self.train_set = TrainSet(sets, args, args.scale[0], per_epoch)
            if self.train_set.skipped and rank == 0:
                print(f"{len(self.train_set.skipped)} training images are smaller than the patch and are "
                      f"skipped, e.g. {self.train_set.skipped[0]}")
            self.sampler = DistributedSampler(self.train_set, num_replicas=world_size, rank=rank,
                                              shuffle=True, seed=args.seed, drop_last=True)
            self.loader_train = DataLoader(self.train_set, batch_size=args.batch_size, sampler=self.sampler,
                                           num_workers=args.n_threads if not args.cpu else min(args.n_threads, 2),
                                           drop_last=True, pin_memory=False)
        self.loader_test = []
        for name in args.data_test:
            for scale in args.scale:
                if name == "Demo":
                    ds = TestSet("Demo", demo_files(args.dir_demo), None, args, scale)
                elif name == "DIV2K":
                    files = div2k_files(args.dir_data, args.data_range.split("/")[-1])
                    ds = TestSet("DIV2K", files, os.path.dirname(files[0]), args, scale)
                else:
                    folder = find_hr(args.dir_data, name)
                    ds = TestSet(name, scan_images(folder), folder, args, scale)
                self.loader_test.append(DataLoader(ds, batch_size=1, shuffle=False, num_workers=0))

    def set_epoch(self, epoch):
        self.sampler.set_epoch(epoch)
        self.train_set.set_epoch(epoch)

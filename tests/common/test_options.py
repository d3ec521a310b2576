"""common.options: comments, unknown keys with a suggestion, types, ranges, defaults, one-line errors."""
import json

import pytest

from common.cli import UsageError
from common.options import (REQUIRED, Bool, Entries, Int, List, Num, OptionError, Section, Str, check, parse,
                            strip_comments)

SCHEMA = {
    "name": Str(REQUIRED),
    "scale": Int(4, choices=(2, 3, 4)),
    "datasets": Entries([("train", {"batch_size": Int(16, min=1), "n_workers": Int(0, min=0),
                                    "root": Str(None)}), (r"val(_\w+)?", {"root": Str(REQUIRED)})],
                        "'train' or 'val_<n>'"),
    "train": {"lr": Num(1e-4, positive=True), "steps": List([], item=Int(min=0)), "ema": Bool(False)},
    "extra": Section({"k": Int(1)}, optional=True),
}


def _parse(tmp_path, text):
    p = tmp_path / "o.json"
    p.write_text(text)
    return parse(str(p), SCHEMA)


def test_comments_defaults_and_integral_floats(tmp_path):
    o = _parse(tmp_path, '// head\n{"name": "a//b", // tail "quoted"\n "datasets": {"train": {"batch_size": 5e1}},'
                         '\n "train": {"steps": [1e3, 2]}}')
    assert o["name"] == "a//b" and o["scale"] == 4 and o["train"] == {"lr": 1e-4, "steps": [1000, 2], "ema": False}
    assert o["datasets"]["train"] == {"batch_size": 50, "n_workers": 0, "root": None}
    assert isinstance(o["datasets"]["train"]["batch_size"], int) and "extra" not in o
    assert json.loads(strip_comments('{"u": "http://x", "q": "a \\" // b"} // c')) == {"u": "http://x", "q": 'a " // b'}


@pytest.mark.parametrize("data,message", [
    ({"datasets": {"train": {"batchsize": 2}}}, "unknown key 'batchsize' in datasets.train (did you mean 'batch_size'?)"),
    ({"nmae": "x"}, "unknown key 'nmae' (did you mean 'name'?)"),
    ({"datasets": {"test": {}}}, "unknown key 'test' in datasets (use 'train' or 'val_<n>')"),
    ({"datasets": {"train": {"batch_size": "2"}}}, "'datasets.train.batch_size' must be a positive integer, got \"2\""),
    ({"datasets": {"train": {"batch_size": -2}}}, "'datasets.train.batch_size' must be a positive integer, got -2"),
    ({"datasets": {"train": {"batch_size": True}}}, "'datasets.train.batch_size' must be a positive integer, got true"),
    ({"datasets": {"train": {"batch_size": 2.5}}}, "'datasets.train.batch_size' must be a positive integer, got 2.5"),
    ({"datasets": {"train": {"n_workers": -1}}}, "'datasets.train.n_workers' must be an integer >= 0, got -1"),
    ({"datasets": {"val_1": {}}}, "missing required key 'datasets.val_1.root'"),
    ({"train": {"lr": "fast"}}, "'train.lr' must be a number > 0, got \"fast\""),
    ({"train": {"lr": 0}}, "'train.lr' must be a number > 0, got 0"),
    ({"train": {"steps": [1, "2"]}}, "'train.steps[1]' must be an integer >= 0, got \"2\""),
    ({"train": {"ema": 1}}, "'train.ema' must be true or false, got 1"),
    ({"train": {"lr": None}}, "'train.lr' may not be null"),
    ({"scale": 5}, "'scale' must be one of 2, 3, 4, got 5"),
    ({"train": []}, "'train' must be an object, got []"),
])
def test_errors_name_the_dotted_key(data, message):
    with pytest.raises(OptionError) as info:
        check(dict({"name": "x"}, **data), SCHEMA, "o.json")
    assert str(info.value) == f"o.json: {message}"
    assert isinstance(info.value, UsageError) and "\n" not in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(OptionError, match=r"o\.json: invalid JSON at line 2 column"):
        _parse(tmp_path, '{"name": "x",\n ,}')
    with pytest.raises(OptionError, match="key 'name' appears twice"):
        _parse(tmp_path, '{"name": "x", "name": "y"}')
    with pytest.raises(OptionError, match="top level must be a JSON object"):
        _parse(tmp_path, "[1]")
    with pytest.raises(OptionError, match="missing required key 'name'"):
        _parse(tmp_path, "{}")
    with pytest.raises(OptionError, match="none.json: no such option file"):
        parse(str(tmp_path / "none.json"), SCHEMA)


def test_folders_field_takes_one_folder_or_a_list():
    from common.options import Folders, check
    schema = {"root": Folders()}
    assert check({"root": "a"}, schema, "x.json")["root"] == "a"
    assert check({"root": ["a", "b"]}, schema, "x.json")["root"] == ["a", "b"]
    for bad in ([], [""], ["a", 3], 5, ""):
        with pytest.raises(OptionError, match="a folder or a non-empty list of folders"):
            check({"root": bad}, schema, "x.json")

"""The ``noahperm`` command line: help, version, sub-command dispatch and error reporting."""

from __future__ import annotations

import argparse
import sys
import types

import pytest

import noahperm
from noahperm import cli
from noahperm.errors import InputError, TableError


def test_help_lists_subcommands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: noahperm")
    for cmd in cli.COMMANDS:
        assert cmd.name in out


def test_point_help_shows_stable_interface(capsys):
    assert cli.main(["point", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("INPUT", "--out", "--tables", "--mode", "--quiet", "reference", "consistent"):
        assert flag in out


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"noahperm {noahperm.__version__}"


def test_usage_error_exit_2(capsys):
    assert cli.main([]) == 2  # a sub-command is required
    assert cli.main(["point", "in.txt"]) == 2  # --out is required
    assert "--out" in capsys.readouterr().err


def _fake_module(monkeypatch, name: str, main) -> None:
    monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(main=main))


def test_point_dispatch(monkeypatch, tmp_path):
    seen = {}

    def fake_main(args: argparse.Namespace) -> int:
        seen.update(vars(args))
        return 0

    _fake_module(monkeypatch, "noahperm.point", fake_main)
    argv = ["point", "in.txt", "--out", str(tmp_path / "o.nc"), "--mode", "consistent", "--quiet"]
    assert cli.main(argv) == 0
    assert seen["input"].name == "in.txt"
    assert seen["out"] == tmp_path / "o.nc"
    assert seen["tables"] is None
    assert seen["mode"] == "consistent"
    assert seen["quiet"] is True


def test_none_return_is_success(monkeypatch):
    _fake_module(monkeypatch, "noahperm.demo", lambda args: None)
    assert cli.main(["demo", "--out", "x"]) == 0


@pytest.mark.parametrize("exc_type", [InputError, TableError])
def test_input_error_exit_2(monkeypatch, capsys, exc_type):
    def fake_main(args):
        raise exc_type("non-numeric value 'x'", path="forcing.txt", line=12, field="SFCTMP")

    _fake_module(monkeypatch, "noahperm.point", fake_main)
    assert cli.main(["point", "forcing.txt", "--out", "o.nc"]) == 2
    err = capsys.readouterr().err
    assert err == "noahperm: error: forcing.txt:12: SFCTMP: non-numeric value 'x'\n"


def test_other_exceptions_propagate(monkeypatch):
    def fake_main(args):
        raise RuntimeError("bug")

    _fake_module(monkeypatch, "noahperm.demo", fake_main)
    with pytest.raises(RuntimeError, match="bug"):
        cli.main(["demo", "--out", "x"])


def test_missing_stage_module(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, cli.Command(
        "nothing", "absent stage", lambda p: None, "noahperm._no_such_module:main")])
    assert cli.main(["nothing"]) == 1
    assert "noahperm._no_such_module is not available" in capsys.readouterr().err


def test_input_error_format_and_pickle():
    import pickle

    err = InputError("bad", path="a.txt", line=3, field="K")
    assert str(err) == "a.txt:3: K: bad"
    assert isinstance(err, ValueError)
    assert str(InputError("bad")) == "bad"
    assert str(InputError("bad", line=4)) == "line 4: bad"
    assert str(InputError("bad", path="a.txt", field="K")) == "a.txt: K: bad"
    back = pickle.loads(pickle.dumps(TableError("bad", path="a.txt", line=3, field="K")))
    assert type(back) is TableError
    assert (back.path, back.line, back.field, str(back)) == ("a.txt", 3, "K", "a.txt:3: K: bad")

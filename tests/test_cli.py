"""The ``noahperm`` command line: help, version, sub-command dispatch and error reporting."""

from __future__ import annotations

import argparse
import sys

import pytest

import noahperm
from noahperm import cli
from noahperm.core.errors import InputError, TableError


def test_help_lists_subcommands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: noahperm")
    for cmd in cli.COMMANDS:
        assert cmd.name in out


def test_point_help_shows_stable_interface(capsys):
    assert cli.main(["point", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("INPUT", "--out", "--tables", "--mode", "--quiet", "reference", "consistent",
                 "--timings"):
        assert flag in out


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"noahperm {noahperm.__version__}"


def test_usage_error_exit_2(capsys):
    assert cli.main([]) == 2  # a sub-command is required
    assert cli.main(["point", "in.txt"]) == 2  # --out is required
    assert "--out" in capsys.readouterr().err


def _fake_run(monkeypatch, command: str, run) -> None:
    """Replace ``run_<command>`` of the command's module (arguments stay the real ones)."""
    module = __import__(cli._find(command).module, fromlist=["x"])
    monkeypatch.setattr(module, f"run_{command}", run)


def test_point_dispatch(monkeypatch, tmp_path):
    seen = {}

    def fake_run(args: argparse.Namespace) -> int:
        seen.update(vars(args))
        return 0

    _fake_run(monkeypatch, "point", fake_run)
    argv = ["point", "in.txt", "--out", str(tmp_path / "o.nc"), "--mode", "consistent", "--quiet"]
    assert cli.main(argv) == 0
    assert seen["input"].name == "in.txt"
    assert seen["out"] == tmp_path / "o.nc"
    assert seen["tables"] is None
    assert seen["mode"] == "consistent"
    assert seen["quiet"] is True


def test_rule_names_and_hyphen_aliases(monkeypatch):
    seen = []
    _fake_run(monkeypatch, "prepare_observations", lambda args: seen.append(args.out_dir))
    assert cli.main(["prepare_observations", "--raw-dir", "r", "--out-dir", "a"]) == 0
    assert cli.main(["prepare-observations", "--raw-dir", "r", "--out-dir", "b"]) == 0
    assert [str(p) for p in seen] == ["a", "b"]


def test_every_rule_has_its_command():
    """Rule ``foo`` runs ``noahperm foo``: every rule of the workflow is a sub-command whose
    module defines add_foo and run_foo."""
    import re
    from pathlib import Path

    rules = set()
    for smk in (Path(__file__).parents[1] / "workflow/rules").glob("*.smk"):
        rules.update(re.findall(r"^\s*rule (\w+):", smk.read_text(), flags=re.M))
    assert rules, "no rules found"
    names = {c.name for c in cli.COMMANDS}
    assert rules <= names, f"rules without a sub-command: {sorted(rules - names)}"
    for cmd in cli.COMMANDS:
        module = __import__(cmd.module, fromlist=["x"])
        assert callable(getattr(module, f"add_{cmd.name}"))
        assert callable(getattr(module, f"run_{cmd.name}"))


def test_help_imports_no_stage_module():
    code = ("import sys; from noahperm import cli; cli.main(['--help']); "
            "print(sorted(m for m in sys.modules if m.startswith('noahperm.') and "
            "m.split('.')[1] not in ('cli', 'core')))")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "[]"


def test_point_help_imports_only_the_point_commands_module():
    """``noahperm point --help`` loads no numpy, Numba or run module: only argument set-up."""
    code = ("import sys; from noahperm import cli; cli.main(['point', '--help']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'numba', 'netCDF4', 'xarray') or m.startswith('noahperm.point.')))")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "['noahperm.point.commands']"


def test_none_return_is_success(monkeypatch):
    _fake_run(monkeypatch, "demo", lambda args: None)
    assert cli.main(["demo", "--out", "x"]) == 0


@pytest.mark.parametrize("exc_type", [InputError, TableError])
def test_input_error_exit_2(monkeypatch, capsys, exc_type):
    def fake_run(args):
        raise exc_type("non-numeric value 'x'", path="forcing.txt", line=12, field="SFCTMP")

    _fake_run(monkeypatch, "point", fake_run)
    assert cli.main(["point", "forcing.txt", "--out", "o.nc"]) == 2
    err = capsys.readouterr().err
    assert err == "noahperm point: error: forcing.txt:12: SFCTMP: non-numeric value 'x'\n"


def test_os_error_one_line(monkeypatch, capsys, tmp_path):
    def fake_run(args):
        open(tmp_path / "missing" / "x.nc")  # noqa: SIM115

    _fake_run(monkeypatch, "point", fake_run)
    assert cli.main(["point", "forcing.txt", "--out", "o.nc"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing/x.nc: No such file or directory" in err


def test_other_exceptions_propagate(monkeypatch):
    def fake_run(args):
        raise RuntimeError("bug")

    _fake_run(monkeypatch, "demo", fake_run)
    with pytest.raises(RuntimeError, match="bug"):
        cli.main(["demo", "--out", "x"])


def test_missing_stage_module(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, cli.Command(
        "nothing", "absent stage", "noahperm._no_such_module")])
    assert cli.main(["nothing"]) == 1
    assert "noahperm._no_such_module is not available" in capsys.readouterr().err


def test_threads_option(monkeypatch):
    import numba

    seen = []
    _fake_run(monkeypatch, "point", lambda args: seen.append(numba.get_num_threads()))
    before = numba.get_num_threads()
    try:
        assert cli.main(["point", "in.txt", "--out", "o.nc", "--threads", "1"]) == 0
        assert seen == [1]
        assert cli.main(["point", "in.txt", "--out", "o.nc", "--threads", "0"]) == 2
    finally:
        numba.set_num_threads(before)


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


@pytest.mark.parametrize("name", ["trends", "table3", "observed_variables", "validate",
                                  "plot_validation_ranking", "plot_validation_scatter"])
def test_result_stage_commands_build_their_parsers(name):
    """The trends, validation and validation-figure sub-commands wire their arguments."""
    parser = cli.build_parser(name)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args([name, "--help"])
    assert exc.value.code == 0

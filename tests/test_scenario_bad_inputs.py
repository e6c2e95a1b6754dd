"""Bad input: every malformed scenario file and command line gives exit code 2, one clear
message naming the file (or option) and the field, no traceback, and no output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.params import Params
from sim.scenario import dumps_toml

OK_ARMS = '[arms.core]\nseeding = "core"\n[arms.blast]\nseeding = "blast"\n'

#: (label, file content, text the message must contain besides the file name)
BAD_FILES: list[tuple[str, bytes | str, str]] = [
    ("empty", "", "is empty"),
    ("whitespace only", "  \n\t\n", "is empty"),
    ("binary", b"\x00\x01\x02PK\x03\x04", "binary"),
    ("not utf-8", b"[arms.a]\nseeding = \"\xff\xfe\"\n", "UTF-8"),
    ("prose", "run the core arm please", "not valid TOML"),
    ("json", '{"arms": {"a": {}}}', "not valid TOML"),
    ("yaml", "arms:\n  core:\n    seeding: core\n", "not valid TOML"),
    ("unknown top-level table", "[scenarios]\ndays = 5\n" + OK_ARMS, "did you mean 'scenario'"),
    ("top-level key not a table", "scenario = 5\n" + OK_ARMS, "scenario = 5"),
    ("unknown scenario key", "[scenario]\nreplicate = 3\n" + OK_ARMS, "scenario.replicate"),
    ("replicates as text", '[scenario]\nreplicates = "ten"\n' + OK_ARMS, "scenario.replicates"),
    ("negative replicates", "[scenario]\nreplicates = -1\n" + OK_ARMS, "scenario.replicates = -1"),
    ("zero replicates", "[scenario]\nreplicates = 0\n" + OK_ARMS, "scenario.replicates = 0"),
    ("huge replicates", "[scenario]\nreplicates = 1000000000\n" + OK_ARMS, "scenario.replicates"),
    ("fractional replicates", "[scenario]\nreplicates = 2.5\n" + OK_ARMS, "scenario.replicates = 2.5"),
    ("nan replicates", "[scenario]\nreplicates = nan\n" + OK_ARMS, "scenario.replicates = nan"),
    ("boolean replicates", "[scenario]\nreplicates = true\n" + OK_ARMS, "scenario.replicates = True"),
    ("infinite days", "[scenario]\ndays = inf\n" + OK_ARMS, "scenario.days = inf"),
    ("negative days", "[scenario]\ndays = -5\n" + OK_ARMS, "scenario.days = -5"),
    ("negative seed", "[scenario]\nseed = -1\n" + OK_ARMS, "scenario.seed = -1"),
    ("seed beyond 64 bits", "[scenario]\nseed = 18446744073709551616\n" + OK_ARMS, "scenario.seed"),
    ("seed as a date", "[scenario]\nseed = 1979-05-27\n" + OK_ARMS, "scenario.seed"),
    ("empty outcomes", "[scenario]\noutcomes = []\n" + OK_ARMS, "scenario.outcomes"),
    ("unknown outcome", '[scenario]\noutcomes = ["revenue"]\n' + OK_ARMS, "did you mean 'revenue_total'"),
    ("outcomes not a list", '[scenario]\noutcomes = "revenue_total"\n' + OK_ARMS, "scenario.outcomes"),
    ("duplicate outcome", '[scenario]\noutcomes = ["revenue_total", "revenue_total"]\n' + OK_ARMS,
     "listed twice"),
    ("empty name", '[scenario]\nname = ""\n' + OK_ARMS, "scenario.name"),
    ("name not text", "[scenario]\nname = 5\n" + OK_ARMS, "scenario.name = 5"),
    ("no arms", "[scenario]\ndays = 5\n", "arms: missing"),
    ("arms not a table", "arms = 5\n", "arms = 5"),
    ("arm not a table", "[arms]\ncore = 5\n", "arms.core = 5"),
    ("arm with unknown parameter", "[arms.a]\ninvite_rat = 1\n", "arms.a.invite_rat"),
    ("arm with unknown section", "[arms.a.grwoth]\ninvite_rate = 1\n", "did you mean 'growth'"),
    ("arm with unknown dotted key", "[arms.a]\ngrowth.invite_rat = 1\n", "arms.a.growth.invite_rat"),
    ("arm policy of wrong type", "[arms.a]\nseeding = 3\n", "arms.a.acquisition.seeding = 3"),
    ("arm with unknown policy", '[arms.a]\nseeding = "blats"\n', "did you mean 'blast'"),
    ("arm negative rate", "[arms.a]\ninvite_rate = -1\n", "arms.a.growth.invite_rate = -1"),
    ("arm huge population", "[arms.a]\nn_persons = 1e12\n", "arms.a.population.n_persons"),
    ("arm nan", "[arms.a]\ninvite_rate = nan\n", "arms.a.growth.invite_rate = nan"),
    ("arm inf", "[arms.a]\nprice = inf\n", "arms.a.conversion.price = inf"),
    ("arm fractional integer", "[arms.a]\ncapacity = 10.5\n", "arms.a.group.capacity = 10.5"),
    ("arm list where number", "[arms.a]\ncapacity = [1, 2]\n", "arms.a.group.capacity"),
    ("arm table where number", "[arms.a.invite_rate]\nx = 1\n", "arms.a.growth.invite_rate"),
    ("arm shares not summing to 1", "[arms.a]\nsegment_shares = [0.5, 0.5, 0.5]\n",
     "arms.a.population.segment_shares"),
    ("duplicate arm names", "[arms.core]\nseeding = 'core'\n[arms.core]\nseeding = 'blast'\n",
     "duplicate arm name"),
    ("duplicate key in an arm", "[arms.core]\nseeding = 'core'\nseeding = 'blast'\n", "arms.core.seeding"),
    ("bad arm name", '[arms."two words!"]\nseeding = "core"\n', "arms.two words!"),
    ("arm description not text", "[arms.a]\ndescription = 3\n", "arms.a.description = 3"),
    ("base unknown parameter", "[base]\nn_person = 100\n" + OK_ARMS, "did you mean 'n_persons'"),
    ("base wrong type", '[base]\nn_persons = "many"\n' + OK_ARMS, "base.population.n_persons"),
    ("edgelist without a path", '[base]\ngraph = "edgelist"\n' + OK_ARMS, "base.network.edgelist_path"),
    ("edgelist file missing", '[base]\ngraph = "edgelist"\nedgelist_path = "nope.csv"\n' + OK_ARMS,
     "base.network.edgelist_path"),
    ("too many arms", "".join(f"[arms.a{i}]\n" for i in range(101)), "at most 100"),
    ("file too large", "# " + "x" * 1_100_000 + "\n" + OK_ARMS, "must be under"),
]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_failure(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, (code, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one message, got: {err!r}"
    assert "Traceback" not in err and "Traceback" not in out
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"


def test_there_are_at_least_30_bad_files():
    assert len(BAD_FILES) >= 30


@pytest.mark.parametrize("label, content, needle", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_scenario_file(tmp_path, capsys, label, content, needle):
    f = tmp_path / "bad.toml"
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    out_dir = tmp_path / "out"
    for argv in (["run", str(f), "--out", str(out_dir)], ["validate", str(f)]):
        code, out, err = run_cli(argv, capsys)
        assert_clean_failure(code, out, err, str(f), needle)
    assert not out_dir.exists()


def _scenario(tmp_path) -> Path:
    f = tmp_path / "ok.toml"
    f.write_text("[scenario]\nreplicates = 1\ndays = 2\n[base]\nn_persons = 200\n" + OK_ARMS)
    return f


BAD_COMMANDS: list[tuple[str, list[str], str]] = [
    ("days negative", ["--days", "-3"], "--days = -3"),
    ("days zero", ["--days", "0"], "--days = 0"),
    ("days huge", ["--days", "99999999"], "--days = 99999999"),
    ("days not a number", ["--days", "ten"], "--days"),
    ("replicates zero", ["--replicates", "0"], "--replicates = 0"),
    ("replicates huge", ["--replicates", "1000000000"], "--replicates"),
    ("replicates fractional", ["--replicates", "1.5"], "--replicates"),
    ("seed negative", ["--seed", "-1"], "--seed = -1"),
    ("seed too large", ["--seed", str(2**64)], "--seed"),
    ("jobs zero", ["--jobs", "0"], "--jobs = 0"),
    ("jobs negative", ["--jobs", "-2"], "--jobs = -2"),
    ("unknown option", ["--dayz", "3"], "--dayz"),
    ("set unknown parameter", ["--set", "invite_rat=1"], "did you mean 'invite_rate'"),
    ("set without value", ["--set", "invite_rate"], "KEY=VALUE"),
    ("set out of range", ["--set", "n_persons=-5"], "population.n_persons = -5"),
    ("set nan", ["--set", "price=nan"], "conversion.price = nan"),
]


@pytest.mark.parametrize("label, extra, needle", BAD_COMMANDS, ids=[b[0] for b in BAD_COMMANDS])
def test_bad_run_options(tmp_path, capsys, label, extra, needle):
    out_dir = tmp_path / "out"
    code, out, err = run_cli(["run", str(_scenario(tmp_path)), "--out", str(out_dir), *extra], capsys)
    assert_clean_failure(code, out, err, needle)
    assert not out_dir.exists()


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    code, out, err = run_cli(["run", str(missing), "--out", str(tmp_path / "out")], capsys)
    assert_clean_failure(code, out, err, str(missing), "file not found")
    assert not (tmp_path / "out").exists()


def test_folder_instead_of_file(tmp_path, capsys):
    code, out, err = run_cli(["validate", str(tmp_path)], capsys)
    assert_clean_failure(code, out, err, str(tmp_path), "is a folder")


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    f = _scenario(tmp_path)
    if os.geteuid() == 0:  # root reads any file whatever its mode: simulate the refusal
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes",
                            lambda self: (_ for _ in ()).throw(PermissionError(13, "denied"))
                            if self == f else real(self))
    else:
        f.chmod(0)
    code, out, err = run_cli(["run", str(f), "--out", str(tmp_path / "out")], capsys)
    assert_clean_failure(code, out, err, str(f), "permission denied")
    assert not (tmp_path / "out").exists()


def test_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    code, out, err = run_cli(["run", str(_scenario(tmp_path)), "--out", str(target)], capsys)
    assert_clean_failure(code, out, err, "--out", "not a folder")


def test_out_is_a_foreign_folder(tmp_path, capsys):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.tex").write_text("x")
    code, out, err = run_cli(["run", str(_scenario(tmp_path)), "--out", str(target)], capsys)
    assert_clean_failure(code, out, err, "--out", "not a community-sim run folder")
    assert sorted(p.name for p in target.iterdir()) == ["thesis.tex"]


@pytest.mark.parametrize("argv, needle", [
    ([], "required"),
    (["rnu", "x.toml"], "invalid choice"),
    (["run"], "FILE"),
    (["validate"], "FILE"),
    (["list", "everything"], "invalid choice"),
    (["report", "/nonexistent/run"], "not a results folder"),
    (["dashboard", "--port", "70000"], "--port = 70000"),
    (["dashboard", "--port", "http"], "--port"),
])
def test_bad_command_lines(capsys, argv, needle):
    code, out, err = run_cli(argv, capsys)
    assert_clean_failure(code, out, err, needle)


def test_validate_reports_each_bad_file_and_passes_good_ones(tmp_path, capsys):
    good = _scenario(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[arms.a]\nprice = -1\n")
    code = main(["validate", str(good), str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"ok: {good}" in out
    assert f"{bad}: arms.a.conversion.price = -1" in err


# --------------------------------------------------------------------------- random documents
LEAVES = [path.split(".")[1] for path, _, _ in Params.specs()]
KEYS = st.sampled_from(LEAVES + ["growth.invite_rate", "population", "growth", "description", "name",
                                 "replicates", "days", "seed", "outcomes", "x", ""]) | st.text(max_size=6)
SCALARS = (st.integers(-2**70, 2**70) | st.floats() | st.booleans()
           | st.sampled_from(["core", "blast", "hybrid", "open", "", "nan", "revenue_total"]) | st.text(max_size=8))
VALUES = st.recursive(SCALARS | st.lists(SCALARS, max_size=3), lambda v: st.dictionaries(KEYS, v, max_size=3),
                      max_leaves=8)
SETTINGS = st.fixed_dictionaries({}, optional={
    "replicates": SCALARS, "days": SCALARS, "seed": SCALARS, "name": SCALARS,
    "outcomes": st.lists(st.sampled_from(["revenue_total", "members_final", "nope"]) | SCALARS, max_size=3)})
DOCS = st.fixed_dictionaries({}, optional={
    "scenario": SETTINGS | VALUES,
    "base": st.dictionaries(KEYS, VALUES, max_size=4),
    "arms": st.dictionaries(st.sampled_from(["core", "blast", "a b", "x"]) | st.text(max_size=5),
                            st.dictionaries(KEYS, VALUES, max_size=4) | SCALARS, max_size=3),
    "extra": VALUES,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DOCS)
def test_random_scenario_documents_never_give_a_traceback(tmp_path, capsys, doc):
    f = tmp_path / "random.toml"
    f.write_text(dumps_toml(doc), encoding="utf-8")
    code, out, err = run_cli(["validate", str(f)], capsys)
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert len([line for line in err.splitlines() if line.strip()]) == 1
        assert str(f) in err


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_bytes_never_give_a_traceback(tmp_path, capsys, data):
    f = tmp_path / "random.toml"
    f.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    code, out, err = run_cli(["validate", str(f)], capsys)
    assert code in (0, 2) and "Traceback" not in err and "internal error" not in err

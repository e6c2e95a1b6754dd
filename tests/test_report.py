"""report.html: parses, embeds every image, names every outcome and arm, words match summary.csv."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_plots import make_run_folder

from sim import plots, report
from sim.compare import verdict_sentence, verdicts
from sim.htmlpage import num
from sim.metrics import OUTCOMES
from sim.params import Params


class _Page(HTMLParser):
    """Collects images, list items with their outcome, and checks tags are balanced."""

    VOID = {"meta", "img", "br", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[dict[str, str]] = []
        self.verdicts: dict[str, str] = {}
        self._li: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "li" and "data-outcome" in attrs:
            self._li = attrs["data-outcome"]
            self.verdicts[self._li] = ""

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> after {self.stack[-3:]}"
        self.stack.pop()
        if tag == "li":
            self._li = None

    def handle_data(self, data):
        self.text.append(data)
        if self._li is not None:
            self.verdicts[self._li] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], f"unclosed tags {page.stack}"
    return page


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    run = make_run_folder(tmp_path_factory.mktemp("report"), {"core": {"seeding": "core"},
                                                              "blast": {"seeding": "blast"}},
                          replicates=3, days=21)
    plots.plot_run(run)
    return run


def test_report_is_self_contained_and_embeds_every_figure(run_dir):
    path = report.write_report(run_dir)
    assert path == run_dir / "report.html"
    page = _parse(path)
    pngs = sorted((run_dir / "figures").glob("*.png"))
    assert len(page.images) == len(pngs) > 0
    for img in page.images:
        assert img["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(img["src"].split(",", 1)[1])[:4] == b"\x89PNG"
        assert img["alt"]
    text = path.read_text()
    assert not re.search(r"(src|href)=['\"]https?://", text), "the report must not need the network"
    assert "<script" not in text


def test_every_outcome_and_arm_is_mentioned(run_dir):
    text = " ".join(_parse(report.write_report(run_dir)).text)
    for outcome in OUTCOMES:
        assert outcome in text
    for arm in ("core", "blast"):
        assert arm in text
    assert "Does a small value-aligned core beat a blast?" in text
    assert "seeding = blast" in text  # how the arms differ


def test_verdict_wording_matches_summary_csv(run_dir):
    page = _parse(report.write_report(run_dir))
    summary = pd.read_csv(run_dir / "summary.csv")
    v = verdicts(summary, list(OUTCOMES))
    assert set(page.verdicts) == set(OUTCOMES)
    for _, row in v.iterrows():
        assert page.verdicts[row["outcome"]].startswith(verdict_sentence(row))
    # and the sentence itself carries the numbers: leader, runner-up and the relative difference
    rev = v.set_index("outcome").loc["revenue_total"]
    if rev["leader"] is not None and rev["runner_up"] is not None and pd.notna(rev["rel"]):
        assert f"{100 * rev['rel']:+.0f} %" in page.verdicts["revenue_total"]


def test_the_why_section_shows_the_event_logs_flows_per_arm(run_dir):
    """Its numbers are the event log's: the mean per replicate of each arm's departures for dissatisfaction."""
    html = report.render_report(run_dir)
    why = html[html.index("<h2>Why: where the members came from and where they went</h2>"):]
    why = why[: why.index("<h2>", 5)]
    ev = pd.read_parquet(run_dir / "events.parquet")
    left = ev[(ev["kind"].astype(str) == "leave") & (ev["cause"].astype(str) == "dissatisfied")]
    runs = pd.read_csv(run_dir / "summary.csv")[["arm", "replicate"]]
    per_run = runs.merge(left.groupby(["arm", "replicate"], observed=True).size().rename("n").reset_index(),
                         how="left").fillna({"n": 0})
    row = why[why.index("<td>left (dissatisfied)</td>"):]
    row = row[: row.index("</tr>")]
    for arm in ("core", "blast"):
        assert f"<td class='num'>{num(per_run[per_run.arm == arm]['n'].mean())} [" in row
    assert "Besides the seeding itself, the flows that differ most between the arms: <b>" in why
    assert "joined (core)</b>" not in why and "joined (blast)</b>" not in why


def test_parameters_listed_with_units_and_sources(run_dir):
    text = (run_dir / "report.html").read_text() if (run_dir / "report.html").exists() \
        else report.render_report(run_dir)
    for path, _, spec in Params.specs():
        assert f"<td>{path}</td>" in text
    assert "[000-2]" in text and "guess" in text
    assert "Caveats" in text


def test_one_arm_report_and_missing_scenario(tmp_path):
    run = make_run_folder(tmp_path / "one", {"solo": {}}, replicates=1, days=5, n_persons=200, members=False)
    (run / "scenario.resolved.toml").unlink()
    html = report.render_report(run)
    assert "Only one arm was run" in html and "solo" in html
    assert "Only 1 replicate(s)" in html
    assert "No figures were found" in html


def test_missing_summary_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="summary.csv"):
        report.write_report(tmp_path)


def test_relative_interval_of_a_nonnegative_outcome_stops_at_minus_100_percent():
    """Few noisy pairs: the t-interval of the difference reaches past the runner-up's mean."""
    b = [30.0, 90.0, 40.0, 80.0]
    summary = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "replicate": list(range(4)) * 2,
                            "days_to_150": [1.0] * 4 + b})
    v = verdicts(summary, ["days_to_150"]).iloc[0]
    assert v["leader"] == "a" and v["diff_lo"] / 60.0 < -1.0  # the raw interval goes past -100 %
    assert v["rel_lo"] == -1.0 and -1.0 < v["rel"] < 0
    summary["days_to_150"] -= 50.0  # now negative values occur: no cut
    v = verdicts(summary, ["days_to_150"]).iloc[0]
    assert v["rel_lo"] < -1.0

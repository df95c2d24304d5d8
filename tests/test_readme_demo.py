"""The README's demo figures are what `make demo` prints (the demo is deterministic on CPU)."""

import contextlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_figures():
    text = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^(restyled|digits-M) .*?(\d\.\d{3}\s+\d\.\d{3}\s+\d\.\d{3})$",
                           text, flags=re.M))
    table = {k.lower(): tuple(float(v) for v in vals.split()) for k, vals in rows.items()}
    cycle = float(re.search(r"cycle error \((\d\.\d+)\s", text).group(1))
    on_translations = float(re.search(r"accuracy on translations \((\d\.\d{3});", text).group(1))
    return table, cycle, on_translations


def demo_figures(tmp_path):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import demo
    finally:
        sys.path.pop(0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        demo.main(["--out", str(tmp_path)])
    text = out.getvalue()
    table = {}
    for target, block in re.findall(r"\[(digits-m|restyled)\](.*?)saved", text, flags=re.S):
        table[target] = tuple(float(v) for v in re.findall(r":\s+(\d\.\d{3})", block))
    cycle = float(re.search(r"cycle error .*?: (\d\.\d+)", text).group(1))
    on_translations = float(re.search(r"translated to B: (\d\.\d{3})", text).group(1))
    return table, cycle, on_translations


# The demo is bitwise deterministic for one thread count (it sets two) on one
# kind of CPU; adversarial training amplifies any rounding difference (seen:
# digits-M, seed 0, 0.598 with one thread and 0.464 with two, earlier code; with
# this code 0.753 on an earlier host and 0.700 on an AMD EPYC host, CI's, where
# seeds 1 and 2 give 0.758 and 0.727). The classifiers without a GAN (source-only,
# oracle) match exactly; the trained figures within this tolerance, which covers
# the two hosts seen.
TRAINED_TOLERANCE = 0.06
# the adapted classifier beats source-only by at least this much (seen over seeds
# 0-2 and both hosts: digits-M +0.09 to +0.17, restyled +0.90 or more)
MARGIN = 0.06


def test_readme_shows_what_the_demo_prints(tmp_path):
    (table, cycle, on_translations) = readme_figures()
    (printed, printed_cycle, printed_translations) = demo_figures(tmp_path)
    assert set(table) == set(printed) == {"restyled", "digits-m"}
    for target, (source_only, adapted, oracle) in printed.items():
        readme = table[target]
        assert (readme[0], readme[2]) == (source_only, oracle), (target, readme, printed[target])
        assert abs(readme[1] - adapted) <= TRAINED_TOLERANCE, (target, readme, printed[target])
        # the demo shows skgan winning, by a clear margin
        assert adapted >= source_only + MARGIN, (target, printed[target])
    assert abs(cycle - printed_cycle) <= 0.1 * cycle
    assert abs(on_translations - printed_translations) <= TRAINED_TOLERANCE
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "adapt_digits-m.png", "adapt_restyled.png", "cyclegan_digits.png"]

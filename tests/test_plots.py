"""Figures read well: the grids' labels fit the room they have and never run into each other."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from lora_course.widgets import plots  # noqa: E402

FULL = "weiwei, 1girl, white hair, long hair, blue eyes, pink dress, fox ears, open mouth, standing"


def _boxes(fig, texts):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)      # the grids come detached from pyplot: give them a canvas to draw on
    canvas.draw()
    r = canvas.get_renderer()
    return [t.get_window_extent(r) for t in texts if t.get_text()]


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


def check_labels(fig):
    """Every column title and row label lies inside the figure and overlaps no other label."""
    texts = [ax.title for ax in fig.axes] + [ax.yaxis.label for ax in fig.axes]
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    boxes = _boxes(fig, texts)
    W, H = fig.bbox.width, fig.bbox.height
    for b in boxes:
        assert b.x0 >= -0.5 and b.x1 <= W + 0.5 and b.y0 >= -0.5 and b.y1 <= H + 0.5, (b, W, H)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b), (a, b)


def test_long_captions_as_column_labels_are_wrapped_to_their_cells():
    """A full-tag caption (notebook 09's training sets) above each of four pictures."""
    fig = plots.image_grid(np.zeros((1, 4, 8, 8, 3)), col_labels=[FULL] * 4, cell=1.6)
    check_labels(fig)
    assert all("\n" in ax.get_title() for ax in fig.axes)


def test_long_row_labels_and_a_title_fit():
    labels = ["C2 · `1girl` w=0.6\nher 0.47 [0.31, 0.64]", "T · `" + FULL + "` w=1\nher 0.00 [0.00, 0.11]"]
    fig = plots.image_grid(np.zeros((2, 8, 8, 8, 3)), row_labels=labels,
                           col_labels=[f"seed {i}" for i in range(8)], cell=0.9, title="the first 8 seeds")
    check_labels(fig)


def test_the_checker_sees_an_overlap():
    """The check can fail: two long unwrapped titles side by side run into each other."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(2, 1))
    for ax in axes:
        ax.set_title(FULL, fontsize=8)
    a, b = _boxes(fig, [ax.title for ax in axes])
    assert _overlap(a, b)
    plt.close(fig)


def test_verdict_figure_draws_every_part_where_it_was_measured():
    """One row per measured number, its interval drawn from lo to hi in its outcome's colour, the
    bar at its threshold; a difference (below 0) widens the axis to −1; a verdict read back from
    a printed line (no checks) is refused with the fix."""
    import pytest

    from lora_course.measure import stats, verdicts

    share = verdicts.Part("her on `weiwei`", stats.Estimate(0.81, 0.65, 0.94, 32), 0.5)
    lead = verdicts.Part("the lead", stats.Estimate(0.41, -0.15, 0.65, 32), 0.4)
    other = verdicts.Check(parts=(verdicts.Part("the lead", stats.Estimate(0.6, 0.5, 0.7, 32), 0.4),))
    v = verdicts.Verdict("C9", verdicts.Status("UNDECIDED"), "s",
                         checks=[verdicts.Check(parts=(share,)), verdicts.Check(parts=(lead,), other_way=other)])
    fig = plots.verdict_figure(v)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["the lead", "her on `weiwei`"]
    assert ax.get_xlim()[0] < -0.9
    spans = {tuple(np.round(line.get_xdata(), 2)): line.get_color() for line in ax.lines if len(line.get_xdata()) == 2}
    assert spans[(0.65, 0.94)] == plots.OUTCOME_COLORS["pass"]
    assert spans[(-0.15, 0.65)] == plots.OUTCOME_COLORS["undecided"]
    assert (0.5, 0.7) in spans                                   # the other reading, beneath
    with pytest.raises(ValueError, match="Fix"):
        plots.verdict_figure(verdicts.Verdict.parse("VERDICT C2 | UNDECIDED | x"))

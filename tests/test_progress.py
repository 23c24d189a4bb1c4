"""Progress bars are drawn for people and switched off in headless runs that save outputs."""
from lora_course.core import progress


def test_bars_follow_the_caller_and_tqdm_disable(monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    assert not progress.disabled(True) and progress.disabled(False)
    for off in ("1", "true", "True"):
        monkeypatch.setenv(progress.ENV, off)
        assert progress.disabled(True)
    for on in ("", "0", "false"):
        monkeypatch.setenv(progress.ENV, on)
        assert not progress.disabled(True)

"""One vocabulary per language: the Chinese prose uses exactly the terms of docs/glossary.md.

The glossary is a table ``| concept | 中文 | variants not to use |``; this test reads it and looks
for every variant in the Chinese prose: the markdown cells of ``notebooks/*.py`` (their ``# > ``
blockquote lines and any other line with Chinese in it) and README.zh-CN.md. A variant written in
Chinese characters counts anywhere on such a line. A variant in Latin letters (``seed``,
``prompt``) counts only in Chinese text: a ``# > `` line; a line of README.zh-CN.md, but of a
heading only its Chinese half (``## 中文 · English``); on any other notebook line (English prose
with a Chinese word in it, a heading ``English · 中文``, the navigation) only a part between
`` · ``, `` / `` or ``|`` with at least as many Chinese characters as Latin letters. Code spans,
link targets, HTML comments and URLs are never searched: `seeds=range(96)` and
``notebooks/02_trigger_word.ipynb`` are code and paths.

No torch, no lora_course: these tests read text files only.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: What is never prose: code spans, link targets, HTML comments, URLs.
NOT_PROSE = re.compile(r"`[^`]*`|\]\([^)]*\)|<!--.*?-->|https?://\S+")
CHUNK_SEP = re.compile(r" · | / |\|")


def glossary_rows(path: Path = GLOSSARY) -> list[tuple[str, str, list[str]]]:
    """The table's rows: (concept, Chinese term, [variants]). The header row and the ``|---|``
    rule are skipped; an empty variants cell, or ``—``, means none."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or set(cells[0]) <= set("-: ") or cells[0] == "concept":
            continue
        concept, term, variants = cells
        rows.append((concept, term, [v.strip() for v in variants.split(",") if v.strip() not in ("", "—")]))
    return rows


def _is_latin(variant: str) -> bool:
    return not CJK.search(variant) and bool(LATIN.search(variant))


def _chinese_chunks(text: str) -> list[str]:
    """The parts of a mixed line with at least as many Chinese characters as Latin letters."""
    return [c for c in CHUNK_SEP.split(text) if CJK.search(c) and len(CJK.findall(c)) >= len(LATIN.findall(c))]


def prose_lines(path: Path):
    """``(line number, the whole line, [its Chinese text])`` for every line of Chinese prose in
    ``path``: a ``notebooks/*.py`` file (markdown cells only) or a markdown file (fenced code left
    out). Code spans, link targets, HTML comments and URLs are blanked out of both."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".py":
        in_markdown = False
        for i, line in enumerate(lines, 1):
            if line.startswith("# %%"):
                in_markdown = "[markdown]" in line
                continue
            if not in_markdown or not line.startswith("#"):
                continue
            text = NOT_PROSE.sub(" ", line[2:] if line.startswith("# ") else line[1:])
            if text.startswith("> "):
                yield i, text, [text]
            elif CJK.search(text):
                yield i, text, _chinese_chunks(text)
    else:
        fenced = False
        for i, line in enumerate(lines, 1):
            if line.startswith("```"):
                fenced = not fenced
                continue
            if fenced or not CJK.search(line):
                continue
            text = NOT_PROSE.sub(" ", line)
            yield i, text, [text.split(" · ")[0] if text.startswith("#") else text]


def find_variants(paths, rows=None) -> list[str]:
    """Every variant of the glossary found in the Chinese prose of ``paths``, as
    ``"file:line: 'variant' (use 'term' for concept)"``."""
    rows = glossary_rows() if rows is None else rows
    found = []
    for path in paths:
        path = Path(path)
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for n, prose, chinese in prose_lines(path):
            for concept, term, variants in rows:
                for v in variants:
                    if _is_latin(v):
                        pattern = re.compile(r"(?<![A-Za-z_])" + re.escape(v), re.IGNORECASE)
                        hit = any(pattern.search(c) for c in chinese)
                    else:
                        hit = v in prose
                    if hit:
                        found.append(f"{name}:{n}: {v!r} (use {term!r} for {concept})")
    return found


def chinese_prose_files() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.py")) + [ROOT / "README.zh-CN.md"]


def test_the_glossary_has_the_concepts_the_course_needs():
    rows = glossary_rows()
    terms = {term for _, term, _ in rows}
    for term in ("门派", "门派成员", "傀儡", "施术者", "功力", "夺舍", "触发词", "权重", "底模", "模棱两可",
                 "种子", "区间", "复现", "部分复现", "未复现", "未定", "先验保留", "身份还原度", "训练集",
                 "标注", "标签", "标注器"):
        assert term in terms, f"docs/glossary.md has no row for {term}"


def test_no_word_is_both_a_term_and_a_variant():
    rows = glossary_rows()
    terms = {term for _, term, _ in rows}
    both = sorted({v for _, _, variants in rows for v in variants} & terms)
    assert both == [], f"listed both as a term and as a variant: {both}"


def test_no_variant_is_part_of_a_term():
    """A variant inside a term (两可 in 模棱两可) would flag every correct use of the term."""
    rows = glossary_rows()
    clash = [(v, term) for _, _, variants in rows for v in variants for _, term, _ in rows
             if not _is_latin(v) and v in term]
    assert clash == [], f"variants that are part of a term: {clash}"


def test_the_chinese_prose_uses_only_the_glossary_terms():
    found = find_variants(chinese_prose_files())
    assert found == [], "variants the glossary rules out:\n" + "\n".join(found)


def test_a_variant_is_reported_with_its_file_and_line(tmp_path):
    """The scanner does fail: a copy of a notebook with a forbidden variant put back in is caught."""
    source = ROOT / "notebooks" / "03_1girl_hijack.py"
    lines = source.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("# > ") and "夺舍" in line)
    lines[n] = lines[n].replace("夺舍", "劫持", 1)
    lines.append("# %% [markdown]")
    lines.append("# The same seeds and prompts at every weight (功力).")   # English, one Chinese word
    lines.append("# > 每个 seed 都画一遍，prompt 也不变。")
    lines.append("# %%")
    lines.append("# > 代码单元格里的注释不是课文：看不清")
    bad = tmp_path / "03_copy.py"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = find_variants([bad])
    assert any(f.startswith(f"{bad}:{n + 1}: '劫持'") for f in found), found
    last_md = len(lines) - 2
    assert any(f.startswith(f"{bad}:{last_md}: 'seed'") for f in found), found
    assert any(f.startswith(f"{bad}:{last_md}: 'prompt'") for f in found), found
    assert not any("看不清" in f for f in found), "a code cell was read as prose"
    assert not any(f.startswith(f"{bad}:{last_md - 1}:") for f in found), "an English line was read as Chinese"


def test_latin_variants_count_only_in_chinese_text(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("\n".join([
        "## 结论 · The verdicts, on 32 seeds",           # the English half of a heading
        "用 `seeds=range(96)` 多画一些。",                   # code
        "见 [第 14 课](notebooks/14_prompt_seed.ipynb)。",   # a link target
        "```",
        "在 32 个 seed 上",                                 # fenced code
        "```",
        "在 32 个 seed 上画出她。",                          # Chinese prose: reported
    ]) + "\n", encoding="utf-8")
    found = find_variants([page])
    assert [f.split(": ")[0] for f in found] == [f"{page}:7"], found

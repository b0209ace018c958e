"""The register's optional Public name column: the plain-English name the public summary uses."""

from __future__ import annotations

from registers import demo_book, write_register

from pipeline.register.workbook import read_register


def read(tmp_path, book, name="register.xlsx"):
    register, findings = read_register(write_register(tmp_path / name, book))
    assert findings == []
    return register


def without_public_names():
    """The demo register as it was before it had a Public name column."""
    book = demo_book()
    book["Indicators"].drop_column("Public name")
    return book


def with_public_name_column(book, names: dict[str, str]):
    sheet = book["Indicators"]
    sheet.headers.append("Public name")
    for row in sheet.rows:
        row.append(None)
    for code, name in names.items():
        sheet.set(code, "Public name", name)
    return book


def test_a_register_without_a_public_name_column_reads_as_before_with_the_title_as_the_public_name(tmp_path):
    register = read(tmp_path, without_public_names())
    assert all(i.public_name == "" and i.plain_name == i.title for i in register.indicators)


def test_a_public_name_is_read_and_a_blank_one_falls_back_to_the_title(tmp_path):
    book = with_public_name_column(without_public_names(), {"CYP-02": "  Young people  learning or training after 16 "})
    register = read(tmp_path, book)
    assert register.by_code["CYP-02"].plain_name == "Young people learning or training after 16"
    others = [i for i in register.indicators if i.code != "CYP-02"]
    assert others and all(i.plain_name == i.title for i in others)


def test_giving_public_names_does_not_make_the_partnerships_returns_out_of_date(tmp_path):
    before = read(tmp_path, without_public_names(), "before.xlsx")
    after = read(
        tmp_path, with_public_name_column(without_public_names(), {"CYP-02": "Young people learning"}), "after.xlsx"
    )
    # No return template shows the public name, so the hash its returns carry stays the same.
    assert [after.rows_hash(p.short_name) for p in after.partnerships] == [
        before.rows_hash(p.short_name) for p in before.partnerships
    ]


def test_the_demo_register_gives_plain_names_for_its_jargon_and_keeps_its_returns_hashes(tmp_path, register):
    assert (
        register.by_code["CYP-01"].plain_name == "Young people aged 16 to 18 not in education, employment or training"
    )
    assert register.by_code["CSP-05"].public_name and "MARAC" not in register.by_code["CSP-05"].plain_name
    assert register.by_code["CYP-03"].public_name == "", "a plain title needs no public name"
    before = read(tmp_path, without_public_names())
    assert [register.rows_hash(p.short_name) for p in register.partnerships] == [
        before.rows_hash(p.short_name) for p in before.partnerships
    ]

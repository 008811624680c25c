from pathlib import Path

import pytest

from search.ingest.language import guess_language

DATA = Path(__file__).parent / "data" / "encodings"


@pytest.mark.parametrize("name,code", [("ru.txt", "ru"), ("ja.txt", "ja"), ("zh.txt", "zh")])
def test_script_decides_non_latin(name, code):
    assert guess_language((DATA / name).read_text("utf-8"))[0] == code


def test_arabic():
    text = "أعلنت وزارة الصحة السعودية اليوم عن تسجيل حالات جديدة في عدد من مناطق المملكة"
    assert guess_language(text)[0] == "ar"


def test_english_claimed_only_for_english():
    english = "The Kremlin said on Monday that the expansion of the alliance would cross a red line."
    assert guess_language(english)[0] == "en"
    code, how = guess_language((DATA / "fr.txt").read_text("utf-8"))
    assert code is None and "not recognisably English" in how


def test_too_little_text():
    assert guess_language("Hi")[0] is None

"""The `palettes extract` command, and how the client prints listed stills."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from palettes_cli.main import main
from palettes_cli.stills import print_records
from tests.unit.images import encode, solid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stills(tmp_path) -> list[Path]:
    paths = []
    for name, rgb in (("blue.png", (20, 60, 200)), ("red.jpg", (200, 30, 40))):
        path = tmp_path / name
        path.write_bytes(encode(solid(rgb, (40, 30)), "PNG" if name.endswith("png") else "JPEG"))
        paths.append(path)
    return paths


def test_one_image_prints_the_document(stills, capsysbinary) -> None:
    assert main(["extract", str(stills[0]), "--json", "--k", "4"]) == 0
    document = json.loads(capsysbinary.readouterr().out)
    assert document["colors"][0]["hex"] == "#143cc8"
    assert document["source"]["key"] == "blue.png"
    assert document["params"]["k"] == 4


@pytest.mark.parametrize(
    ("fmt", "start"), [("css", b"/*"), ("gpl", b"GIMP Palette"), ("ase", b"ASEF"), ("text", b"#")]
)
def test_formats(stills, capsysbinary, fmt, start) -> None:
    assert main(["extract", str(stills[1]), "--format", fmt]) == 0
    assert capsysbinary.readouterr().out.startswith(start)


def test_many_images_with_a_bad_one(stills, tmp_path, capsys) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    out = tmp_path / "out"
    code = main(["extract", *map(str, stills), str(bad), "--swatch", "--out", str(out), "--jobs", "2"])
    assert code == 1
    err = capsys.readouterr().err
    assert "notes.jpg: not an image in a supported format" in err
    assert "2 of 3 palettes written" in err
    assert sorted(path.name for path in out.iterdir()) == ["blue.json", "blue.png", "red.json", "red.png"]
    red = json.loads((out / "red.json").read_text())["colors"][0]["rgb"]
    assert max(abs(a - b) for a, b in zip(red, [200, 30, 40])) <= 3  # JPEG


def test_bad_option_is_a_usage_error(stills, capsys) -> None:
    assert main(["extract", str(stills[0]), "--k", "40"]) == 2
    assert "k must be a whole number from 1 to 32" in capsys.readouterr().err


def test_installed_command_runs(stills) -> None:
    command = Path(sys.executable).with_name("palettes")
    result = subprocess.run(
        [str(command), "extract", str(stills[0]), "--format", "text"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("#143cc8")


def test_import_is_light_and_first_palette_works_in_a_fresh_process(stills) -> None:
    code = (
        "import sys, palettes\n"
        "assert 'numpy' not in sys.modules and 'sklearn' not in sys.modules\n"
        "from palettes.exports import export_document\n"
        "assert 'numpy' not in sys.modules\n"
        f"palette = palettes.extract({str(stills[0])!r})\n"
        "assert 'sklearn' not in sys.modules, 'the default method must not import scikit-learn'\n"
        "print(palette.colors[0].hex)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "layers" / "palettes")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "#143cc8"


def test_a_listed_still_says_when_a_newer_upload_is_unfinished(capsys) -> None:
    print_records(
        [
            {"key": "stills/f/a.jpg", "status": "DONE", "colors": ["#112233"], "processing_since": "T1"},
            {
                "key": "stills/f/b.jpg",
                "status": "FAILED",
                "reason": "not an image",
                "error": "unsupported_format",
            },
        ]
    )
    assert capsys.readouterr().out.splitlines() == [
        "stills/f/a.jpg\tDONE\t#112233 (a newer upload is being processed since T1)",
        "stills/f/b.jpg\tFAILED\tnot an image [unsupported_format]",
    ]

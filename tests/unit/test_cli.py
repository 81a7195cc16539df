"""The `palettes` command without a service: extract, the client's settings, help, events and output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from palettes import ROLE_NAMES
from palettes_cli.commands import get as get_command
from palettes_cli.commands.backfill import BACKFILL_SEQUENCER, StoredObject, backfill_event
from palettes_cli.errors import ClientError
from palettes_cli.main import build_parser, main
from palettes_cli.settings import BUCKET, Settings
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


def test_text_shows_roles_names_and_text_colours(stills, capsysbinary) -> None:
    assert main(["extract", str(stills[1]), "--format", "text"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    first = lines[0].split()
    assert first[0].startswith("#")
    assert first[2] == "red"  # the basic term
    assert "(CSS" in lines[0]
    assert "text #" in lines[0]
    assert lines[lines.index("roles") + 1].startswith("dominant ")
    assert [line.split()[0] for line in lines[lines.index("roles") + 1 :]] == list(ROLE_NAMES)


def test_roles_alone(stills, capsysbinary) -> None:
    assert main(["extract", str(stills[0]), "--roles"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    assert [line.split()[0] for line in lines] == list(ROLE_NAMES)
    assert lines[0].split()[1] == "#143cc8"
    assert main(["extract", str(stills[0]), "--roles", "--json"]) == 0
    roles = json.loads(capsysbinary.readouterr().out)["roles"]
    assert list(roles) == list(ROLE_NAMES)
    assert roles["dominant"]["hex"] == "#143cc8"
    assert roles["dominant"]["in_palette"] is True


def test_roles_to_a_folder(stills, tmp_path) -> None:
    out = tmp_path / "out"
    assert main(["extract", *map(str, stills), "--roles", "--out", str(out), "--swatch"]) == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "blue.roles.txt",
        "blue.swatch.png",
        "red.roles.txt",
        "red.swatch.png",
    ]


@pytest.mark.parametrize("command", [["extract", "still.jpg"], ["get", "film/still.jpg"]])
def test_roles_come_as_text_or_json_only(command, capsys) -> None:
    assert main([*command, "--roles", "--format", "css"]) == 2
    assert "--roles prints text or json, not css" in capsys.readouterr().err


def test_get_roles_reads_v1_and_v2_documents() -> None:
    v2 = {"schema_version": 2, "colors": [], "roles": dict.fromkeys(ROLE_NAMES)}
    assert get_command._roles(v2, "text", "film/a.jpg").decode().split() == [
        word for name in ROLE_NAMES for word in (name, "none")
    ]
    with pytest.raises(
        ClientError, match="schema version 1, which has no roles; upload the still again to make them"
    ):
        get_command._roles({"schema_version": 1, "colors": []}, "text", "film/a.jpg")


def test_many_images_with_a_bad_one(stills, tmp_path, capsys) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    out = tmp_path / "out"
    code = main(["extract", *map(str, stills), str(bad), "--swatch", "--out", str(out), "--jobs", "2"])
    assert code == 1
    err = capsys.readouterr().err
    assert "notes.jpg: not an image in a supported format" in err
    assert "2 of 3 palettes written" in err
    assert sorted(path.name for path in out.iterdir()) == [
        "blue.json",
        "blue.swatch.png",
        "red.json",
        "red.swatch.png",
    ]
    red = json.loads((out / "red.json").read_text())["colors"][0]["rgb"]
    assert max(abs(a - b) for a, b in zip(red, [200, 30, 40])) <= 3  # JPEG


def test_swatch_into_the_stills_own_folder_keeps_the_still(stills, capsys) -> None:
    folder = stills[0].parent
    original = stills[0].read_bytes()
    assert main(["extract", str(stills[0]), "--swatch", "--out", str(folder)]) == 0
    assert stills[0].read_bytes() == original
    assert (folder / "blue.swatch.png").read_bytes().startswith(b"\x89PNG")
    assert "1 of 1 palettes written" in capsys.readouterr().err


def test_an_output_that_would_overwrite_an_input_is_refused(stills, capsys) -> None:
    # blue.png's swatch is blue.swatch.png: here that name is an input, so nothing may run.
    other = stills[0].with_name("blue.swatch.png")
    other.write_bytes(stills[0].read_bytes())
    code = main(["extract", str(stills[0]), str(other), "--swatch", "--out", str(stills[0].parent)])
    assert code == 2
    assert f"would write {other}, which is the input {other}" in capsys.readouterr().err
    assert other.read_bytes() == stills[0].read_bytes()
    assert not (stills[0].parent / "blue.json").exists()


def test_images_sharing_a_stem_are_refused_before_any_work(stills, tmp_path, capsys) -> None:
    copy = tmp_path / "elsewhere" / "blue.png"
    copy.parent.mkdir()
    copy.write_bytes(stills[0].read_bytes())
    out = tmp_path / "out"
    code = main(["extract", *map(str, stills), str(copy), "--swatch", "--out", str(out), "--jobs", "2"])
    assert code == 2
    assert f"{stills[0]} and {copy} would both write {out / 'blue.json'}" in capsys.readouterr().err
    assert not out.exists()


def test_one_folder_two_formats_of_a_still_are_refused(stills, tmp_path, capsys) -> None:
    jpeg = stills[0].with_suffix(".jpg")
    jpeg.write_bytes(stills[1].read_bytes())
    assert main(["extract", str(stills[0]), str(jpeg), "--out", str(tmp_path / "out")]) == 2
    assert "would both write" in capsys.readouterr().err


def test_a_folder_or_a_missing_file_is_named_as_such(stills, tmp_path, capsys) -> None:
    missing = tmp_path / "gone.jpg"
    folder = tmp_path / "a-folder.jpg"
    folder.mkdir()
    out = tmp_path / "out"
    assert main(["extract", str(stills[0]), str(missing), str(folder), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{missing}: no such file" in err
    assert f"{folder}: a folder, not a file" in err
    assert "corrupt_image" not in err
    assert "1 of 3 palettes written" in err


def test_swatch_without_out_goes_where_the_help_says(stills, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["extract", str(stills[0]), "--swatch"]) == 0
    assert (tmp_path / "palettes-out" / "blue.swatch.png").is_file()
    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "<stem>.swatch.png in --out (default palettes-out/)" in help_text


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
        "from palettes.exports import export_document, export_roles\n"
        "from palettes.basic_colors import basic_color_term\n"
        "from palettes.contrast import contrast_ratio\n"
        "assert 'numpy' not in sys.modules, 'exports, basic terms and contrast serve the API: no numpy'\n"
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


def test_backfill_help_says_it_needs_a_function(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["backfill", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--function FUNCTION the extract function's name or ARN" in help_text
    assert "needed unless --dry-run (env PALETTES_EXTRACT_FUNCTION)" in help_text


def test_a_flag_beats_its_variable_and_a_missing_setting_names_both() -> None:
    args = build_parser().parse_args(["upload", "x.jpg", "--api-url", "http://flag/v1/"])
    environ = {"PALETTES_API_URL": "http://env", "PALETTES_API_KEY": "key", "PALETTES_BUCKET": ""}
    settings = Settings.from_args(args, environ)
    assert (settings.api_url, settings.api_key, settings.bucket) == ("http://flag/v1", "key", None)
    with pytest.raises(ClientError, match="pass --bucket or set PALETTES_BUCKET"):
        BUCKET.required(settings.bucket)


def test_a_backfill_event_is_the_one_an_upload_would_have_sent() -> None:
    stored = StoredObject("stills/my film/Shot é+1.jpg", "abc", 12)
    (record,) = backfill_event("bucket", stored, region="eu-west-1")["Records"]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "eu-west-1"
    assert record["eventTime"].endswith("Z")
    assert record["s3"]["bucket"] == {
        "name": "bucket",
        "ownerIdentity": {"principalId": "palettes-backfill"},
        "arn": "arn:aws:s3:::bucket",
    }
    assert record["s3"]["object"] == {
        "key": "stills/my+film/Shot+%C3%A9%2B1.jpg",
        "size": 12,
        "eTag": "abc",
        "sequencer": BACKFILL_SEQUENCER,
    }


def test_the_help_imports_no_heavy_module() -> None:
    """Asking for help (or any parser) loads neither numpy, boto3 nor the service's runtime."""
    code = (
        "import contextlib, io, sys\n"
        "from palettes_cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['backfill', '--help'])\n"
        "heavy = {'numpy', 'PIL', 'boto3', 'botocore', 'tqdm', 'pydantic', 'aws_lambda_powertools'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

"""Configuration: a TOML file plus STATION_* variables, bad keys named."""

import pytest

from station import config


def test_toml_file_with_hot_folders_and_env_override(tmp_path):
    cfg = tmp_path / "station.toml"
    cfg.write_text(
        f'''
organisation = "Sở Nội vụ tỉnh Lạng Sơn"
auto_approve = 0.8
settle_seconds = 2.5

[[hot_folders]]
path = "{tmp_path / "scans"}"
profile = "incoming"

[[hot_folders]]
path = "{tmp_path / "share"}"
profile = "archive"
polling = true
''',
        encoding="utf-8",
    )
    env = {"STATION_CONFIG": str(cfg), "STATION_DATA_DIR": str(tmp_path / "data"), "STATION_AUTO_APPROVE": "0.95"}
    s = config.service(env)
    assert s.signing.organisation == "Sở Nội vụ tỉnh Lạng Sơn"
    assert s.auto_approve_above == 0.95 and s.settle_s == 2.5  # the variable wins over the file
    assert [(f.path.name, f.profile, f.polling) for f in s.folders] == [
        ("scans", "incoming", False),
        ("share", "archive", True),
    ]


@pytest.mark.parametrize(
    "text,key",
    [
        ("unknown_thing = 1", "unknown_thing"),
        ('settle_seconds = "soon"', "STATION_SETTLE_SECONDS"),
        ('[[hot_folders]]\nprofile = "archive"', "hot_folders[1]"),
        ('[[hot_folders]]\npath = "/x"\nprofile = "box"', "hot_folders[1].profile"),
        ('signing_level = "B-Q"', "STATION_SIGNING_LEVEL"),
    ],
)
def test_bad_setting_is_named(tmp_path, text, key):
    cfg = tmp_path / "station.toml"
    cfg.write_text(text)
    with pytest.raises(config.ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        config.service({"STATION_CONFIG": str(cfg), "STATION_DATA_DIR": str(tmp_path / "d")})


def test_admin_commands_make_no_signing_key_and_ignore_signing_settings(tmp_path):
    """`station status` needs the data folder only: no development certificate is made,
    and a broken signing setting does not stop it."""
    from tests.conftest import run_station

    env = {"STATION_DATA_DIR": str(tmp_path), "STATION_SIGNING_PKCS12": str(tmp_path / "missing.p12")}
    out = run_station("status", env=env)
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "signing").exists()
    assert config.data_dir({"STATION_DATA_DIR": str(tmp_path)}) == tmp_path

"""`supportgraph serve` refuses a configuration it cannot serve with one `error:` line and exit status 2."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from supportgraph.cli import main
from supportgraph.server.keys import KEYS_ENV

PG = "postgresql://postgres@127.0.0.1:5432/never_opened"


def _serve(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["supportgraph", "serve", *args])
    monkeypatch.delenv(KEYS_ENV, raising=False)
    monkeypatch.delenv("SUPPORTGRAPH_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.parametrize(("keys", "reason"), [
    (None, "serve needs API keys"),
    ("missing.yaml", "cannot read API key file"),
    ("keys: [1, 2", "is not valid YAML"),
    ("keys:\n  - {name: maya, role: customer, sha256: " + "a" * 64 + "}", "needs a customer_id"),
    ("keys:\n  - {name: sam, role: reviewer, queues: [refunds], sha256: " + "a" * 64 + "}", "keys.0.queues.0"),
    ("keys:\n  - {name: ops, role: root, sha256: " + "a" * 64 + "}", "keys.0.role"),
    ("keys:\n  - {name: ops, role: admin, sha256: not-a-hash}", "keys.0.sha256"),
], ids=["no-keys", "missing-file", "bad-yaml", "customer-without-id", "unknown-queue", "unknown-role", "bad-hash"])
def test_a_bad_key_file_is_one_error_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, keys: str | None, reason: str) -> None:
    args = ["--database-url", PG]
    if keys is not None:
        path = tmp_path / "keys.yaml"
        if keys != "missing.yaml":
            path.write_text(keys, encoding="utf-8")
        args += ["--api-keys", str(path)]
    code, _, err = _serve(monkeypatch, capsys, *args)
    assert code == 2 and err.startswith("error: ") and reason in err and err.count("\n") == 1, err


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://db/x", ""])
def test_serve_needs_postgres(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, _, err = _serve(monkeypatch, capsys, "--database-url", url) if url else _serve(monkeypatch, capsys)
    assert code == 2 and err.startswith("error: serve needs a Postgres database"), err


def test_hash_key_prints_what_the_key_file_stores(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _serve(monkeypatch, capsys, "--hash-key", "sg-secret")
    assert code == 0 and out.strip() == hashlib.sha256(b"sg-secret").hexdigest(), out

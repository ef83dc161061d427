"""SQLite URLs and their files: which file a URL names (also in SQLite's URI form, such as
`sqlite:///file:deals.db?mode=ro&uri=true`), whether it opens the database read-only, and,
when SQLite refuses a file, why in the user's words (a folder, a missing folder, a file
this user may not read or write) and what to do."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dealflow._messages import N_, _
from dealflow.errors import StoreError

__all__ = ["cannot_open", "check_sqlite_url", "read_only_opening", "read_only_writing",
           "shown_url", "sqlite_file", "url_reads_only"]

_URI_PARAMETERS = frozenset({"mode", "immutable", "cache", "vfs", "nolock", "psow", "modeof"})
"""Parameters SQLite reads only from a URI filename (https://www.sqlite.org/uri.html)."""

Kind = tuple[str, str]
"""What went wrong, in the user's words, and what to do."""


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreError(_("{url} is not a database URL; use for example "
                           "sqlite:///dealflow.db or postgresql://user@host/dealflow",
                           url=repr(url))) from None


def _value(parsed: URL, key: str) -> str:
    value = parsed.query.get(key, "")
    return str(value[-1] if isinstance(value, tuple) else value)


def _flag(parsed: URL, key: str) -> str:
    return _value(parsed, key).lower()


def _uri(parsed: URL) -> bool:
    return _flag(parsed, "uri") in ("1", "true", "yes", "on")


def check_sqlite_url(url: str) -> None:
    """Refuse a SQLite URL whose URI parameters (`mode=ro`, `immutable=1`, ...) would be
    ignored because it lacks `uri=true`, or a `file:` name without it (SQLite would take
    `file:deals.db` for the name of a file): a `StoreError` saying how to write it."""
    parsed = _parsed(url)
    if parsed.get_backend_name() != "sqlite" or _uri(parsed):
        return
    database = parsed.database or ""
    given = sorted(_URI_PARAMETERS & set(parsed.query))
    if given or database.startswith("file:"):
        query = "&".join(f"{key}={_value(parsed, key)}" for key in given)
        what = query or database
        name = database if database.startswith("file:") else f"file:{database}"
        written = f"sqlite:///{name}?{query + '&' if query else ''}uri=true"
        raise StoreError(_("{what}: SQLite reads this only from a URI, which needs uri=true "
                           "in the URL: {url}", what=what, url=written))


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, also in SQLite's URI form (`sqlite:///file:PATH?...&uri=true`);
    None for other databases and in-memory SQLite. A text that is not a database URL is a
    `StoreError`."""
    check_sqlite_url(url)
    parsed = _parsed(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    assert database is not None
    if not (_uri(parsed) and database.startswith("file:")):
        return Path(database)
    if _flag(parsed, "mode") == "memory":
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(database).path)
    return None if path in ("", ":memory:") else Path(path)


def url_reads_only(url: str) -> str | None:
    """How a SQLite URL opens its database read-only (`mode=ro` or `immutable=1`); None
    when it does not."""
    try:
        parsed = _parsed(url)
    except StoreError:
        return None
    if parsed.get_backend_name() != "sqlite" or not _uri(parsed):
        return None
    for key, value in (("mode", "ro"), ("immutable", "1"), ("immutable", "true")):
        if _flag(parsed, key) == value:
            return f"{key}={_value(parsed, key)}"
    return None


def shown_url(url: URL) -> str:
    """`url` as messages show it: the password hidden, a SQLite file name as written
    (SQLAlchemy writes `file:` as `file%3A`)."""
    shown = url.render_as_string(hide_password=True)
    return urllib.parse.unquote(shown) if url.get_backend_name() == "sqlite" else shown


_READ_ONLY = N_("the database is read-only")
_CANNOT_READ = N_("cannot open the database: it is read-only")
_CANNOT_OPEN = N_("cannot open the database")


def read_only_writing(url: str) -> Kind:
    """A write refused because the database is read-only: which part is, and what to do."""
    return _(_READ_ONLY), _("nothing was written; reading still works; {what}",
                            what=_writable(url))


def _writable(url: str) -> str:
    path = _file_of(url)
    if path is None and not url.startswith("sqlite"):  # PostgreSQL: a read-only transaction
        return _("to write, use a server and a user that may write (not a standby, not "
                 "default_transaction_read_only)")
    if (how := url_reads_only(url)) is not None:
        return _("the URL opens it read-only ({how}): to write, drop {how}", how=how)
    if path is not None and path.exists() and not os.access(path, os.W_OK):
        return _("this user may not write the file {path}: to write, make it writable, or "
                 "run as a user who may write it", path=path)
    if path is not None and not os.access(path.parent, os.W_OK):
        return _("this user may not write its folder {folder}, where SQLite keeps its "
                 "journal: to write, make the folder writable", folder=_folder(path))
    return _("to write, make the database file and its folder writable (and drop mode=ro "
             "from the URL)")


def read_only_opening(url: str) -> Kind:
    """A database that cannot even be read: its folder is read-only (SQLite cannot make
    its -shm file), or the file is, and is not yet in WAL mode."""
    path = _file_of(url)
    if path is None:
        return read_only_writing(url)
    if os.access(path.parent, os.W_OK) and not url_reads_only(url):
        return _(_CANNOT_READ), _(
            "this user may not write the file {path}, and SQLite must write it once to put "
            "it in WAL mode: make it writable once, or open it read-only: {url}", path=path,
            url=_sqlite_uri(path, "mode=ro"))
    return _(_CANNOT_READ), _(
        "so is its folder {folder}, and SQLite writes a -shm file next to the database even "
        "to read it: make the folder writable, or copy the file to a writable folder; or, if "
        "nothing writes the database any more (a backup, a read-only mount), open it as "
        "immutable: {url}", folder=_folder(path), url=_sqlite_uri(path, "immutable=1"))


def cannot_open(url: str) -> Kind | None:
    """Why SQLite cannot open the file of `url` ("unable to open database file"), when the
    file system says; None when it does not."""
    path = _file_of(url)
    if path is None:
        return None
    if path.is_dir():
        return _(_CANNOT_OPEN), _("{path} is a folder, not a database file: give the path "
                                  "of a file, for example {url}", path=path,
                                  url="sqlite:///" + str(path / "dealflow.db"))
    if not path.parent.is_dir():
        return _(_CANNOT_OPEN), _("the folder {folder} does not exist: create it first, or "
                                  "give a database in an existing folder", folder=_folder(path))
    if not path.exists():
        if (how := url_reads_only(url)) is not None:
            return _(_CANNOT_OPEN), _("there is no file {path}, and a read-only URL ({how}) "
                                      "does not create one: check the path", path=path, how=how)
        if not os.access(path.parent, os.W_OK):
            return _(_CANNOT_OPEN), _("this user may not write the folder {folder}, so {path} "
                                      "cannot be created there: create the database in a "
                                      "folder you may write", folder=_folder(path), path=path)
        return None
    if not os.access(path, os.R_OK):
        return _(_CANNOT_OPEN), _("this user may not read the file {path}: make it readable "
                                  "(chmod a+r), or run as a user who may read it", path=path)
    return None


def _file_of(url: str) -> Path | None:
    try:
        return sqlite_file(url)
    except StoreError:
        return None


def _sqlite_uri(path: Path, query: str) -> str:
    return f"sqlite:///file:{path}?{query}&uri=true"


def _folder(path: Path) -> str:
    return str(path.parent) if str(path.parent) != "." else _("(the current folder)")

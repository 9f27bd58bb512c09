"""Compile every locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed).

Django's compilemessages shells out to msgfmt, which a fresh machine or a slim Docker
image may lack. A catalogue is rebuilt only when its .po is newer than its .mo.
Usage: python scripts/compile_translations.py [--force] [LOCALE_DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogues(locale_dir: Path, *, force: bool = False) -> list[Path]:
    """Write a .mo beside each outdated .po; returns the .mo files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # polib writes translated entries only: fuzzy and obsolete ones are left out, as
        # msgfmt does, so an unconfirmed guess never reaches a citizen.
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locale_dir", nargs="?", type=Path, default=ROOT / "locale")
    parser.add_argument("--force", action="store_true", help="rebuild every .mo")
    args = parser.parse_args(argv)
    if not args.locale_dir.is_dir():
        print(f"No {args.locale_dir}; nothing to compile.")
        return 0
    for mo_path in compile_catalogues(args.locale_dir, force=args.force):
        print(f"compiled {mo_path.relative_to(args.locale_dir.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

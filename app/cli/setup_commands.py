"""`copydesk completion` and `copydesk install-desktop`: fitting Copydesk into a
shell and a desktop."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE_LINE, add_command, printable_path


def register(subparsers: Any) -> None:
    completion = add_command(
        subparsers, "completion", help="print the shell completion script for bash or zsh",
        description="Print a completion script for SHELL, generated from Copydesk's own options (so it "
                    "always matches this version).",
        exit_codes=f"  {EXIT_OK}    printed\n{EXIT_USAGE_LINE}",
        examples="  source <(copydesk completion bash)            # this shell only\n"
                 "  copydesk completion bash > ~/.local/share/bash-completion/completions/copydesk\n"
                 "  copydesk completion zsh > ~/.zfunc/_copydesk   # with ~/.zfunc on $fpath")
    completion.add_argument("shell", choices=("bash", "zsh"), metavar="SHELL", help="bash or zsh")
    completion.set_defaults(handler=_cmd_completion)

    desktop = add_command(
        subparsers, "install-desktop", help="add Copydesk to the desktop's application menu",
        description="Install the desktop entry and the icon into your XDG data folder "
                    "($XDG_DATA_HOME, else ~/.local/share: applications/ and icons/hicolor/scalable/apps/), "
                    "so Copydesk appears in the application menu. The entry starts this copydesk by its "
                    "full path. --uninstall removes them again.",
        exit_codes=f"  {EXIT_OK}    installed (or removed)\n"
                   f"  {EXIT_FAILED}    a file could not be written or removed (the message says which)\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk install-desktop\n  copydesk install-desktop --uninstall")
    desktop.add_argument("--uninstall", action="store_true", help="remove the entry and the icon")
    desktop.set_defaults(handler=_cmd_install_desktop)


def _cmd_completion(args: argparse.Namespace) -> int:
    from app.cli.completion import bash_script, zsh_script

    parser = args.root_parser  # set by app.cli.entry: the whole parser, every subcommand in it
    sys.stdout.write(bash_script(parser) if args.shell == "bash" else zsh_script(parser))
    return EXIT_OK


def _cmd_install_desktop(args: argparse.Namespace) -> int:
    from app.cli import desktop

    try:
        if args.uninstall:
            removed = desktop.uninstall()
            for path in removed:
                print(f"removed {printable_path(str(path))}")
            if not removed:
                print("nothing to remove: Copydesk's desktop entry is not installed")
            return EXIT_OK
        installed = desktop.install()
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"copydesk install-desktop: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"installed {printable_path(str(installed.desktop_file))}")
    print(f"installed {printable_path(str(installed.icon_file))}")
    problems = desktop.validate(installed.desktop_file)
    if problems:
        print(f"copydesk install-desktop: desktop-file-validate says:\n{problems}", file=sys.stderr)
    return EXIT_OK

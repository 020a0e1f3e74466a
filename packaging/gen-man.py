#!/usr/bin/env python3
"""gen-man.py - write a man page (roff) for a program from its own --help:
hirocli's page holds the top-level help and every command's help (groups
walked recursively), so the page cannot say anything the program does not.

Usage: gen-man.py PROGRAM VERSION OUTPUT.1
       gen-man.py --synopsis PROGRAM   (the usage lines of every command, as
                                        README.md's CLI synopsis shows them)
"""
import os
import re
import subprocess
import sys


def help_text(program, *words):
    p = subprocess.run([program, *words, "--help"], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, LANG="C", LC_ALL="C"))
    # hiro-channel-demo prints its usage and exits 0 too; anything else is a bug.
    if p.returncode != 0:
        sys.exit(f"gen-man: {program} {' '.join(words)} --help failed ({p.returncode}): "
                 f"{p.stderr}")
    return p.stdout


def commands(text):
    """The words listed under "Commands:" of a group's help."""
    m = re.search(r"^Commands:\n((?:  \S.*\n)+)", text, re.M)
    return re.findall(r"^  (\S+)\s", m.group(1), re.M) if m else []


def roff(text):
    """Preformatted text, escaped for roff."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e").replace("-", "\\-")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return ".nf\n" + "\n".join(out) + "\n.fi\n"


def usage_lines(text):
    """The usage part at the top of a help text, without "usage: " (and its
    width taken off the continuation lines)."""
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            break
        if not lines:
            line = re.sub(r"^(usage|Usage): ", "", line)
        else:
            line = line[min(7, len(line) - len(line.lstrip(" "))):]
        lines.append(line)
    return "\n".join(lines)


def after_usage(text):
    """A help text without its usage paragraph."""
    return text.split("\n\n", 1)[1] if "\n\n" in text else text


def walk(program, words, sections):
    text = help_text(program, *words)
    sections.append((words, text))
    for sub in commands(text):
        walk(program, [*words, sub], sections)


def description(text):
    """The first sentence of the paragraph after the usage lines."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return "a hirocli program"
    first = " ".join(paragraphs[1].split())
    first = re.sub(r"^\S+ - ", "", first)          # "hirocli - a workspace server ..."
    first = re.split(r"[.:] ", first)[0].rstrip(".")  # the first sentence or clause
    return first[:1].lower() + first[1:].replace("-", "\\-")


def synopsis(sections):
    """Usage lines of the program and of every command (not of the groups in
    between, whose commands are listed anyway)."""
    return "\n".join(usage_lines(t) for w, t in sections if not commands(t) or not w)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--synopsis":
        sections = []
        walk(sys.argv[2], [], sections)
        print(synopsis(sections))
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    program, version, output = sys.argv[1:]
    name = os.path.basename(program)
    sections = []
    walk(program, [], sections)
    top = sections[0][1]
    page = [f'.TH {name.upper()} 1 "" "{name} {version}" "User Commands"',
            ".SH NAME", f"{name} \\- {description(top)}",
            ".SH SYNOPSIS", roff(synopsis(sections)),
            ".SH DESCRIPTION", roff(after_usage(top))]
    if len(sections) > 1:
        page.append(".SH COMMANDS")
        for words, text in sections[1:]:
            page.append(f'.SS "{name} {" ".join(words)}"')
            page.append(roff(text))
    page.append(".SH SEE ALSO")
    others = [p for p in ("hirocli", "hiro-metrics-export", "hiro-channel-demo") if p != name]
    page.append(", ".join(f"\\fB{p}\\fR(1)" for p in others))
    with open(output + ".tmp", "w") as f:
        f.write("\n".join(page) + "\n")
    os.replace(output + ".tmp", output)


if __name__ == "__main__":
    main()

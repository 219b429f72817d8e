#!/usr/bin/env python3
"""Checks that the code and output quoted in docs/ and README.md are what the examples are.

Usage: check_docs.py REPO_ROOT EXAMPLES_BIN_DIR

A quoted block is announced by a marker line right before its fence:
  <!-- snippet: examples/FILE.cpp NAME -->  the block must equal the lines of FILE between
                                            `// [snippet: NAME]` and `// [snippet-end]`
                                            (common indentation removed); in a CMake file
                                            the markers are `# [snippet: NAME]`, `# [snippet-end]`;
  <!-- output: EXAMPLE -->                  the block's lines must appear, in order and
                                            contiguously, in what running EXAMPLE prints.
Exits 1 and names every mismatch. Prints 'N passed, M failed'.
"""
import pathlib, re, subprocess, sys, textwrap

MARK = re.compile(r"<!--\s*(snippet|output):\s*(\S+)(?:\s+(\S+))?\s*-->")


def blocks(md_text):
    lines = md_text.splitlines()
    for i, line in enumerate(lines):
        m = MARK.search(line)
        if not m:
            continue
        j = i + 1
        if j >= len(lines) or not lines[j].startswith("```"):
            yield m, None, i + 1
            continue
        k = j + 1
        while k < len(lines) and not lines[k].startswith("```"):
            k += 1
        yield m, "\n".join(lines[j + 1:k]), i + 1


def snippet(root, file, name):
    text = (root / file).read_text().splitlines()
    comment = "#" if file.endswith((".cmake", "CMakeLists.txt")) else "//"
    try:
        start = next(i for i, l in enumerate(text) if l.strip() == f"{comment} [snippet: {name}]")
    except StopIteration:
        return None
    end = next(i for i in range(start + 1, len(text)) if text[i].strip() == f"{comment} [snippet-end]")
    return textwrap.dedent("\n".join(text[start + 1:end]))


def main():
    root, bindir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    outputs, passed, failed = {}, 0, []
    docs = sorted((root / "docs").rglob("*.md")) + [root / "README.md"]
    for md in docs:
        if not md.exists():
            continue
        for m, block, line in blocks(md.read_text()):
            where = f"{md.relative_to(root)}:{line}"
            if block is None:
                failed.append(f"{where}: marker not followed by a code block")
                continue
            if not block.strip():  # an empty block would match anything
                failed.append(f"{where}: empty code block")
                continue
            kind, target, name = m.group(1), m.group(2), m.group(3)
            if kind == "snippet":
                expected = snippet(root, target, name)
                if expected is None:
                    failed.append(f"{where}: no snippet '{name}' in {target}")
                elif expected.strip() != textwrap.dedent(block).strip():
                    failed.append(f"{where}: block differs from snippet '{name}' of {target}")
                else:
                    passed += 1
            else:
                if target not in outputs:
                    run = subprocess.run([str(bindir / target)], capture_output=True, text=True, cwd=root)
                    outputs[target] = run.stdout.splitlines()
                out, want = outputs[target], block.splitlines()
                if any(out[i:i + len(want)] == want for i in range(len(out) - len(want) + 1)):
                    passed += 1
                else:
                    failed.append(f"{where}: block is not in the output of {target}")
    for f in failed:
        print("FAIL", f)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that docs/reference.md has an entry for every public name of ctgrad's headers.

Usage: check_reference.py REPO_ROOT [--list]

Public names are read from include/ctgrad/**/*.hpp by a small scanner (comments, strings and
preprocessor lines removed; braces, parentheses and namespaces tracked):
  - every declaration at namespace scope inside `namespace ctgrad` (and its sub-namespaces,
    inline ones included) that is not inside a namespace named `detail` or `literal_parsing`:
    classes, structs, enums, aliases (`using N =`), concepts, functions (operators included),
    variables and variable templates, namespace aliases and using-declarations. Explicit and
    partial specializations (`struct derivative_rule<exp_fn>`) are not new names.
  - the public members of those classes (data members, member functions, member types,
    hidden friends), constructors and destructors excepted.
A name is qualified by its namespace below `ctgrad`: `grad`, `reference::evaluate`,
`io::format_tensor`, `literals::operator""_c`; a member by its class: `program::try_evaluate`.

docs/reference.md must have, for each public name, a `###` heading that holds the name in a
code span (`### \\`grad\\``; one heading may document a family: `### \\`exp\\`, \\`log\\``), and
for each public member, a code span naming it (`ok()`, `status::ok`) in the section of its
class, i.e. between the class's heading and the next `##`/`###` heading. Headings that name
nothing public are reported too (a removed name must leave the reference).

Prints every missing or stale entry and 'N names documented, M missing'; exits 1 if any.
With --list, prints the public names found and exits 0.
"""
import pathlib
import re
import sys

INTERNAL_NAMESPACES = {"detail", "literal_parsing"}
TOKEN = re.compile(r'operator\s*""\s*\w+|operator\s*(?:\(\)|\[\]|<=>|<<=|>>=|->\*|->|&&|\|\||<<|>>|'
                   r'[-+*/%^&|~!=<>]=?|,)|::|\.\.\.|&&|\|\||[A-Za-z_]\w*|\d[\w.\']*|\S')
KEYWORDS = {"constexpr", "consteval", "constinit", "inline", "static", "extern", "friend", "virtual", "explicit",
            "typename", "const", "volatile", "noexcept", "auto", "decltype", "sizeof", "requires", "template",
            "return", "mutable", "final", "override", "default", "delete", "unsigned", "signed", "void", "bool",
            "char", "int", "long", "short", "float", "double"}


def strip_source(text):
    """The source without comments, string and character literals, and preprocessor lines."""
    text = re.sub(r"\\\n", " ", text)
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2) + 2
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i)
            out.append('""')
            i = end + len(m.group(1)) + 2
        elif c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):  # 1'000 is a digit separator
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append('""' if c == '"' else "'x'")
            i = j + 1
        else:
            out.append(c)
            i += 1
    lines = [l for l in "".join(out).splitlines() if not l.lstrip().startswith("#")]
    return "\n".join(lines)


def skip_balanced(tokens, i, open_, close):
    """Index after the group that opens at tokens[i]."""
    depth = 0
    while i < len(tokens):
        if tokens[i] == open_:
            depth += 1
        elif tokens[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        elif tokens[i] == ">>" and open_ == "<":
            depth -= 2
            if depth <= 0:
                return i + 1
        i += 1
    return i


def skip_template_and_requires(head):
    """The declaration without its `template <...>` clauses and `requires` clauses."""
    i = 0
    while i < len(head):
        if head[i] == "template" and i + 1 < len(head) and head[i + 1] == "<":
            j, depth = i + 1, 0
            while j < len(head):  # angle brackets, not counting those inside parentheses
                t = head[j]
                if t == "(":
                    j = skip_balanced(head, j, "(", ")")
                    continue
                depth += {"<": 1, ">": -1, ">>": -2}.get(t, 0)
                j += 1
                if depth <= 0:
                    break
            i = j
        elif head[i] == "requires":
            i += 1
            while i < len(head):
                if head[i] == "(":
                    i = skip_balanced(head, i, "(", ")")
                else:
                    while i < len(head) and (re.match(r"\w", head[i]) or head[i] == "::"):
                        i += 1
                    if i < len(head) and head[i] == "<":
                        i = skip_balanced(head, i, "<", ">")
                if i < len(head) and head[i] in ("&&", "||"):
                    i += 1
                    continue
                break
        else:
            return head[i:]
    return []


def declared_name(head):
    """(kind, name) declared by a declaration head, or None (specializations, static_assert...)."""
    toks = skip_template_and_requires(head)
    if not toks or toks[0] in ("static_assert", "public", "private", "protected", "typedef"):
        return None
    if toks[0] in ("struct", "class", "union", "enum"):
        rest = toks[2:] if toks[0] == "enum" and len(toks) > 1 and toks[1] in ("class", "struct") else toks[1:]
        if not rest or not re.match(r"[A-Za-z_]", rest[0]):
            return None
        if len(rest) > 1 and rest[1] == "<":
            return None  # a specialization
        if len(rest) > 1 and rest[1] not in (":", "final"):
            return None  # `struct X y;`: a variable of an elaborated type, not a class
        return ("type", rest[0])
    if toks[0] == "using":
        if len(toks) > 1 and toks[1] == "namespace":
            return None
        if len(toks) > 2 and toks[2] == "=":
            return ("alias", toks[1])
        return ("using", toks[-1])  # using a::b;
    if toks[0] == "namespace" and len(toks) > 2 and toks[2] == "=":
        return ("namespace alias", toks[1])
    if toks[0] == "concept" or (len(toks) > 1 and toks[1] == "concept"):
        return ("concept", toks[toks.index("concept") + 1])
    if toks[0] == "friend":
        toks = toks[1:]
    depth_angle = 0
    for k, t in enumerate(toks):
        if t == "<":
            depth_angle += 1
        elif t in (">", ">>"):
            depth_angle -= 1 if t == ">" else 2
        elif depth_angle > 0:
            continue
        elif t == "=" or t == "{":
            return ("variable", toks[k - 1]) if k else None
        elif t == "(":
            if k == 0:
                return None
            if "operator" in toks[:k]:  # a conversion: operator bool, operator std::string_view
                return ("function", "operator " + "".join(toks[toks.index("operator") + 1:k]))
            name = toks[k - 1]
            if name in KEYWORDS or name == ">":
                return None
            return ("function", re.sub(r"\s+", "", name))
        elif t == "[":  # an array member, char chars[N]: the name is before the brackets
            return ("variable", toks[k - 1]) if k else None
    ids = [t for t in toks if re.match(r"[A-Za-z_]\w*$", t) and t not in KEYWORDS]
    return ("variable", ids[-1]) if ids else None


def scan(text):
    """Yields (qualified name, kind, class or None) for the public declarations of one header."""
    tokens = TOKEN.findall(strip_source(text))
    # scope stack entries: ("namespace", name) | ("class", name, access, public) | ("block",)
    stack, head, i = [], [], 0

    def public_namespace():
        names = [s[1] for s in stack if s[0] == "namespace"]
        return (all(s[0] in ("namespace", "end") for s in stack) and names[:1] == ["ctgrad"] and
                not INTERNAL_NAMESPACES & set(names))

    def qualified(name):
        parts = [s[1] for s in stack if s[0] == "namespace" and s[1] and not s[1].startswith(("CTGRAD_", "isa_"))]
        return "::".join(parts[1:] + [name])

    while i < len(tokens):
        t = tokens[i]
        if t == "namespace" and not head:  # namespace a::b {  /  inline namespace X {  /  namespace a = b;
            j = i + 1
            names = []
            while j < len(tokens) and tokens[j] not in ("{", "=", ";"):
                if tokens[j] != "::":
                    names.append(tokens[j])
                j += 1
            if j < len(tokens) and tokens[j] == "{":
                for nm in names or [""]:
                    stack.append(("namespace", nm))
                stack.append(("end", len(names) or 1))
                i = j + 1
                continue
        if t == "inline" and not head and i + 1 < len(tokens) and tokens[i + 1] == "namespace":
            i += 1
            continue
        if t in ("public", "private", "protected") and i + 1 < len(tokens) and tokens[i + 1] == ":" and stack and \
                stack[-1][0] == "class":
            stack[-1] = ("class", stack[-1][1], t, stack[-1][3])
            i += 2
            head = []
            continue
        if t == "(":
            j = skip_balanced(tokens, i, "(", ")")
            head += tokens[i:j]
            i = j
            continue
        if t in ("{", ";"):
            decl = declared_name(head) if head else None
            in_class = stack and stack[-1][0] == "class"
            if decl and not in_class and public_namespace():
                yield qualified(decl[1]), decl[0], None
            if decl and in_class and stack[-1][3] and stack[-1][2] == "public":
                cls = stack[-1][1]
                if decl[1] not in (cls, "~" + cls) and decl[0] != "type" or decl[0] == "type":
                    if decl[1] != cls:
                        yield qualified(cls + "::" + decl[1]), "member " + decl[0], qualified(cls)
            if t == "{":
                if decl and decl[0] == "type" and head and "enum" not in head:
                    toks = skip_template_and_requires(head)
                    is_public = (not in_class and public_namespace())
                    stack.append(("class", decl[1], "private" if toks[0] == "class" else "public", is_public))
                else:
                    j = skip_balanced(tokens, i, "{", "}")  # a body, an initializer, an enumerator list
                    i = j
                    head = []
                    continue
            head = []
            i += 1
            continue
        if t == "}":
            if stack and stack[-1][0] == "end":
                count = stack.pop()[1]
                del stack[len(stack) - count:]
            elif stack:
                stack.pop()
            head = []
            i += 1
            continue
        head.append(t)
        i += 1


def public_names(root):
    names = {}
    for header in sorted((root / "include" / "ctgrad").rglob("*.hpp")):
        for name, kind, cls in scan(header.read_text()):
            names.setdefault(name, (kind, cls, header.relative_to(root / "include")))
    return names


def reference_sections(md):
    """{heading line: (code spans of the heading, code spans of its section)} for ### headings."""
    sections, current = {}, None
    for line in md.splitlines():
        if line.startswith("#"):
            current = None
            if line.startswith("### "):
                current = line
                sections[current] = (set(re.findall(r"`([^`]+)`", line)), [])
        elif current:
            sections[current][1].extend(re.findall(r"`([^`]+)`", line))
    return sections


def main():
    root = pathlib.Path(sys.argv[1])
    names = public_names(root)
    if "--list" in sys.argv[2:]:
        for name, (kind, cls, header) in sorted(names.items()):
            print(f"{name:45} {kind:18} {header}")
        return 0
    ref = root / "docs" / "reference.md"
    sections = reference_sections(ref.read_text() if ref.exists() else "")
    headed = {span: h for h, (spans, _) in sections.items() for span in spans}
    missing = []
    for name, (kind, cls, header) in sorted(names.items()):
        if cls is None:
            if name not in headed:
                missing.append(f"{name} ({kind}, {header}): no '### `{name}`' entry")
            continue
        member = name[len(cls) + 2:]
        section = sections.get(headed.get(cls, ""), (set(), []))[1]
        word = re.compile(r"(?<![\w:])" + re.escape(member) + r"(?!\w)")
        if name not in headed and not any(word.search(span) for span in section):
            missing.append(f"{name} ({kind}, {header}): not named in the section of `{cls}` (nor a heading of its own)")
    stale = [f"{h!r}: names nothing public" for h, (spans, _) in sections.items() if not spans & names.keys()]
    for m in missing + stale:
        print("MISSING" if m in missing else "STALE", m)
    print(f"{len(names) - len(missing)} names documented, {len(missing)} missing, {len(stale)} stale headings")
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main())

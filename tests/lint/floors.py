#!/usr/bin/env python3
"""The floors of the tree, checked.

protocols/ (rank 0) < detect/ (rank 1) < sensor/ (rank 2). A file may include
headers of its own floor and of the floors below, never above. Unit tests and
fuzz targets take the floor of the module they are named after
(tests/unit/test_smb2.c -> protocols/smb2.c) and obey the same rule.

Circles are looked for inside each floor, in two graphs:
  - includes: file A includes file B (from the #include "..." lines);
  - uses: object A refers to a symbol object B defines (nm over the built
    objects, when --objects is given). A circle behind a shared header (a
    header declaring functions of both sides) shows here only: the include
    lines of such a pair do not form a circle.

A circle listed in the allow file (one circle per line: its files, space
separated, '#' comments) is reported but passes; a listed circle that is no
longer there fails too, so the list cannot go stale.

Exit status 0 when the tree keeps its floors, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys

FLOORS = ["protocols", "detect", "sensor"]
RANK = {f: i for i, f in enumerate(FLOORS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def floor_of(rel):
    head = rel.split("/", 1)[0]
    return head if head in RANK else None


def module_floor(root, name):
    """Floor of the module a test or fuzz target is named after: the exact
    module, else a module it prefixes (fuzz_smb -> smb_conn), else the same
    for its first word (test_sigma_noalloc -> sigma)."""
    candidates = [name, name.split("_", 1)[0]]
    for cand in candidates:
        for fl in FLOORS:
            if os.path.exists(os.path.join(root, fl, cand + ".c")):
                return fl
        for fl in FLOORS:
            d = os.path.join(root, fl)
            if os.path.isdir(d) and any(f.startswith(cand) and f.endswith(".c") for f in os.listdir(d)):
                return fl
    return None


def includes(root, rel):
    """(line, included path relative to root or None when outside the tree)."""
    out = []
    base = os.path.dirname(rel)
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
        for no, line in enumerate(fh, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = None
            for cand in (os.path.join(base, m.group(1)), m.group(1)):
                norm = os.path.normpath(cand)
                if os.path.exists(os.path.join(root, norm)):
                    target = norm
                    break
            out.append((no, m.group(1), target))
    return out


def sources(root):
    files = []
    for fl in FLOORS:
        d = os.path.join(root, fl)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith((".c", ".h")):
                files.append(fl + "/" + f)
    return files


def checked_tests(root):
    """(file, floor) of every unit test and fuzz target."""
    out = []
    for d, prefix in (("tests/unit", "test_"), ("tests/fuzz", "fuzz_")):
        full = os.path.join(root, d)
        if not os.path.isdir(full):
            continue
        for f in sorted(os.listdir(full)):
            if f.startswith(prefix) and f.endswith(".c"):
                out.append((d + "/" + f, module_floor(root, f[len(prefix):-2])))
    return out


def sccs(nodes, edges):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(frozenset(comp))
    return comps


def symbol_edges(objdir):
    """Edges object -> object (as source paths: protocols/smb1.c) from nm."""
    defined, used = {}, {}
    for fl in FLOORS:
        d = os.path.join(objdir, fl)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith(".o") or f == "main.o":
                continue
            src = fl + "/" + f[:-2] + ".c"
            res = subprocess.run(["nm", os.path.join(d, f)], capture_output=True, text=True, check=True)
            for line in res.stdout.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == "U":
                    used.setdefault(src, set()).add(parts[1])
                elif len(parts) == 3 and parts[1] in "TDBRVW":
                    defined.setdefault(parts[2], src)
    edges = {}
    for src, syms in used.items():
        for s in syms:
            dst = defined.get(s)
            if dst and dst != src:
                edges.setdefault(src, set()).add(dst)
    return edges


def load_allowed(path):
    allowed = []
    if not path:
        return allowed
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].split()
            if line:
                allowed.append(frozenset(line))
    return allowed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--objects", help="build directory of objects (BUILD/obj) for the uses graph")
    ap.add_argument("--allow", help="file of known circles let through")
    a = ap.parse_args()
    root = a.root
    errors = []

    files = sources(root)
    inc_edges = {}
    for rel in files:
        rank = RANK[floor_of(rel)]
        for no, spelled, target in includes(root, rel):
            if target is None:
                continue
            tf = floor_of(target)
            if tf is None:
                continue
            if RANK[tf] > rank:
                errors.append(f"{rel}:{no}: includes \"{spelled}\" of {tf}/, a floor above {floor_of(rel)}/")
            elif tf == floor_of(rel):
                inc_edges.setdefault(rel, set()).add(target)
    for rel, fl in checked_tests(root):
        if fl is None:
            errors.append(f"{rel}: named after no module of {', '.join(FLOORS)}: its floor is unknown")
            continue
        for no, spelled, target in includes(root, rel):
            tf = floor_of(target) if target else None
            if tf and RANK[tf] > RANK[fl]:
                errors.append(f"{rel}:{no}: includes \"{spelled}\" of {tf}/, above the floor of its module ({fl}/)")

    circles = [("includes", c) for c in sccs(files, inc_edges)]
    if a.objects:
        sym = symbol_edges(a.objects)
        same = {s: {d for d in ds if floor_of(d) == floor_of(s)} for s, ds in sym.items()}
        for s, ds in sym.items():
            for d in ds:
                if RANK[floor_of(d)] > RANK[floor_of(s)]:
                    errors.append(f"{s}: uses {d}, a floor above")
        circles += [("uses", c) for c in sccs(sorted(same), same)]

    allowed = load_allowed(a.allow)
    seen_allowed = set()
    for kind, c in circles:
        text = " ".join(sorted(c))
        if c in allowed:
            seen_allowed.add(c)
            print(f"known circle ({kind}), allowed by {a.allow}: {text}")
        else:
            errors.append(f"circle of files ({kind}): {text}")
    for c in allowed:
        if c not in seen_allowed:
            errors.append(f"{a.allow}: the circle {' '.join(sorted(c))} is gone: remove it from the list")

    for e in errors:
        print("FAIL " + e)
    if errors:
        print(f"floors: {len(errors)} finding(s)")
        return 1
    print(f"floors: {len(files)} files, no include running up, no circle outside the allowed list")
    return 0


if __name__ == "__main__":
    sys.exit(main())

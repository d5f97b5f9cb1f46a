#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The layers of src/ may only look down (docs/architecture.md):
#
#   basic <- unit, policy, oci <- plan <- cgroup, net, image <- launch <- daemon, ctl
#
# The build enforces it: each library is compiled with the include
# directories of its own layer and of the layers below it, so an upward
# #include does not compile. This test proves that the build still does so,
# and says where a change broke it:
#  - every source of src/LAYER compiled by meson (compile_commands.json) gets
#    only -I directories of LAYER and the layers below it;
#  - with those flags, a header of the layer above is "not found", and a
#    header of the layer itself and of one below is found (so the failure is
#    the missing directory and nothing else);
#  - every #include "..." line under src/LAYER names a header of LAYER, of a
#    layer below it, or one that is not ours (config.h, system headers);
#  - a LAYER's *-internal.h header (its private structs, e.g. the Cgroup the
#    drivers share) is included by that layer only;
#  - systemd's headers are included by src/basic/dlopen-systemd.h only,
#    which routes every sd_* function of its list through the dlopen()ed
#    library, and each function of that list has its macro there.
#
#   test-layering.py SOURCE_ROOT BUILD_ROOT

import json
import os
import re
import shlex
import subprocess
import sys

# Each layer and the layers directly below it; the closure is allowed.
# net and image stand beside cgroup: on the plan, below the launcher;
# oci (the image store's read side) is below the plan, which resolves
# Image= with it.
BELOW = {
    'basic': [],
    'unit': ['basic'],
    'policy': ['basic'],
    'oci': ['basic'],
    'plan': ['unit', 'policy', 'oci'],
    'cgroup': ['plan'],
    'net': ['plan'],
    'image': ['plan'],
    'launch': ['cgroup', 'net', 'image'],
    'daemon': ['launch'],
    'ctl': ['launch'],
}

failures = 0


def fail(msg):
    global failures
    print('FAIL: ' + msg)
    failures += 1


def allowed(layer):
    seen = {layer}
    todo = [layer]
    while todo:
        for b in BELOW[todo.pop()]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: test-layering.py SOURCE_ROOT BUILD_ROOT')
    src = os.path.realpath(sys.argv[1])
    build = os.path.realpath(sys.argv[2])

    layers = sorted(d for d in os.listdir(os.path.join(src, 'src'))
                    if os.path.isdir(os.path.join(src, 'src', d)))
    for d in layers:
        if d not in BELOW:
            fail(f'src/{d}: a layer that tests/unit/test-layering.py and docs/architecture.md do not place')
    layers = [d for d in layers if d in BELOW]

    owner = {}
    for d in layers:
        for f in os.listdir(os.path.join(src, 'src', d)):
            if f.endswith('.h'):
                owner[f] = d

    # The sources: every #include of one of our headers looks down.
    inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for d in layers:
        ok = allowed(d)
        for f in sorted(os.listdir(os.path.join(src, 'src', d))):
            if not f.endswith(('.c', '.h')):
                continue
            with open(os.path.join(src, 'src', d, f), encoding='utf-8') as fh:
                for n, line in enumerate(fh, 1):
                    m = inc_re.match(line)
                    if not m:
                        continue
                    h = os.path.basename(m.group(1))
                    if h in owner and owner[h] not in ok:
                        fail(f'src/{d}/{f}:{n}: includes {h} of src/{owner[h]}, a layer above {d}')
                    elif h in owner and h.endswith('-internal.h') and owner[h] != d:
                        fail(f'src/{d}/{f}:{n}: includes {h}, which is private to src/{owner[h]}')

    # libsystemd is dlopen()ed (src/basic/dlopen-systemd.h): a direct
    # #include <systemd/...> elsewhere would declare sd_* functions that
    # call the library as linked, which no program links any more.
    wrapper = os.path.join('src', 'basic', 'dlopen-systemd.h')
    sd_re = re.compile(r'^\s*#\s*include\s*[<"]systemd/')
    for top in ('src', 'tests'):
        for root, _, files in os.walk(os.path.join(src, top)):
            for f in sorted(files):
                rel = os.path.relpath(os.path.join(root, f), src)
                if not f.endswith(('.c', '.h')) or rel == wrapper:
                    continue
                with open(os.path.join(root, f), encoding='utf-8', errors='replace') as fh:
                    for n, line in enumerate(fh, 1):
                        if sd_re.match(line):
                            fail(f'{rel}:{n}: includes a systemd header; include "dlopen-systemd.h" instead')
    with open(os.path.join(src, wrapper), encoding='utf-8') as fh:
        text = fh.read()
    listed = re.findall(r'^\s*X\((sd_\w+)\)', text, re.M)
    routed = set(re.findall(r'^#define (sd_\w+) \(dlopen_systemd_or_die\(\), sym_\1\)$', text, re.M))
    routed |= set(re.findall(r'^#define (sd_\w+) dlopen_\1$', text, re.M))
    if not listed:
        fail(f'{wrapper}: no X(sd_...) entries found (the check itself is broken)')
    if listed != sorted(set(listed)):
        fail(f'{wrapper}: DLOPEN_SYSTEMD_SYMBOLS is not sorted or has duplicates')
    for sym in listed:
        if sym not in routed:
            fail(f'{wrapper}: {sym} is listed but has no #define {sym} (dlopen_systemd_or_die(), sym_{sym})')

    # The build: the include directories each source is compiled with.
    with open(os.path.join(build, 'compile_commands.json'), encoding='utf-8') as fh:
        commands = json.load(fh)
    flags_of = {}
    src_dirs = {os.path.join(src, 'src', d): d for d in layers}
    src_dirs.update({os.path.join(build, 'src', d): d for d in layers})
    for c in commands:
        path = os.path.realpath(os.path.join(c['directory'], c['file']))
        rel = os.path.relpath(path, src)
        parts = rel.split(os.sep)
        if len(parts) < 3 or parts[0] != 'src' or parts[1] not in BELOW:
            continue
        # A test that builds a source of src/ into itself stands above it.
        if not c.get('output', 'src/').startswith('src' + os.sep):
            continue
        d = parts[1]
        ok = allowed(d)
        argv = shlex.split(c['command'])
        incs = []
        for i, a in enumerate(argv):
            if a == '-I' and i + 1 < len(argv):
                incs.append(argv[i + 1])
            elif a.startswith('-I'):
                incs.append(a[2:])
        for i in incs:
            p = os.path.realpath(os.path.join(c['directory'], i))
            # meson adds a target's private directory (LIB.a.p) too
            top = p
            while top not in src_dirs and top not in (src, build, '/'):
                top = os.path.dirname(top)
            if top in src_dirs and src_dirs[top] not in ok:
                fail(f'{rel}: compiled with -I{i}, a directory of src/{src_dirs[top]}, a layer above {d}')
        flags_of.setdefault(d, (c['directory'], argv[0],
                                [a for a in argv if a.startswith(('-I', '-D', '-std'))]))

    # With a layer's own flags, the layer above is out of reach. Only the
    # preprocessor runs: finding the header is the question.
    def compiles(d, header):
        cwd, cc, flags = flags_of[d]
        r = subprocess.run([cc] + flags + ['-E', '-o', os.devnull, '-x', 'c', '-'],
                           input=f'#include "{header}"\n', text=True, cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return r.returncode == 0, r.stdout

    def a_header(d):
        hs = sorted(h for h, o in owner.items() if o == d)
        return hs[0] if hs else None

    checked = 0
    for d in layers:
        if d not in flags_of:
            continue
        above = [u for u in layers if d in BELOW[u]]
        for u in above:
            h = a_header(u)
            if h is None:
                continue
            ok, out = compiles(d, h)
            if ok or 'No such file' not in out:
                fail(f'src/{d} can include {h} of src/{u}:\n{out}')
            checked += 1
        for b in [d] + BELOW[d]:
            h = a_header(b)
            if h is None:
                continue
            ok, out = compiles(d, h)
            if not ok:
                fail(f'src/{d} cannot include {h} of src/{b} (the check itself is broken):\n{out}')

    if checked == 0:
        fail('no layer was compiled against the one above it')
    if failures:
        print(f'{failures} layering violation(s)')
        sys.exit(1)
    print(f'ok: {len(layers)} layers, {checked} upward includes refused by the build')


main()

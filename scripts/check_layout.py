#!/usr/bin/env python3
"""The house's dependency directions, checked from the sources' own #include lines.

Every source file under core/, bindings/ and runner/ belongs to one folder (a "room"); each room
may include only the rooms listed for it below, and the rooms' actual includes must not form a
cycle. A file over 400 lines says why in its opening comment. Run by `make test`; `scripts/check_layout.py ROOT` checks another tree (the check's own
test plants forbidden includes in a copy). Exit status 1 names every file and line at fault.
"""
import os
import re
import sys

CORE = ['base', 'windows', 'history', 'telemetry', 'resilience', 'guard', 'actuators', 'audit', 'effects', 'autopilot', 'stats', 'canary']

# What each room may include, besides itself. Data flows one way: sources → aggregator →
# policies → guard → actuators → audit, so each rule names only rooms upstream of its own.
ALLOWED = {
    'core/base': [],
    'core/windows': ['core/base'],
    # The history keeps what windows held; it knows nothing of what reads or feeds them.
    'core/history': ['core/base', 'core/windows'],
    'core/telemetry': ['core/base', 'core/windows'],
    'core/resilience': ['core/base', 'core/windows'],
    # The guard decides on numbers alone: no windows, telemetry, actuators or audit.
    'core/guard': ['core/base'],
    # Actuators carry out a proposal; what is recorded of it is not theirs to know.
    'core/actuators': ['core/base', 'core/guard'],
    'core/audit': ['core/base', 'core/guard'],
    'core/effects': ['core/base', 'core/guard', 'core/actuators', 'core/audit'],
    # The autopilot's own judgement of itself (bounds, impact, drift) is numbers and time
    # alone, and a proposal's expected impact; the engine feeds it what the pipeline and the
    # history report.
    'core/autopilot': ['core/base', 'core/guard'],
    # Statistics are numbers alone: samples in, tests and estimates out.
    'core/stats': ['core/base'],
    # The canary judge is statistics over cohorts' figures: it knows no windows or engine.
    'core/canary': ['core/base', 'core/stats'],
    # A policy sees windows, their history and the statistics, and proposes changes; it never
    # touches telemetry or effects.
    'bindings': ['core/base', 'core/windows', 'core/history', 'core/guard', 'core/stats'],
    'bindings/testing': ['core/base', 'core/windows', 'core/history', 'core/guard', 'core/stats',
                         'bindings'],
}
_RUNNER_BELOW = ['core/' + c for c in CORE] + ['bindings', 'bindings/testing']
ALLOWED.update({
    'runner/config': _RUNNER_BELOW,
    # The engine never reaches up into the CLI, the control plane or the simulator.
    'runner/engine': _RUNNER_BELOW + ['runner/config'],
    'runner/dashboard': [],  # the page's files, embedded: they include nothing of ours
    'runner/control_plane': _RUNNER_BELOW + ['runner/config', 'runner/engine', 'runner/dashboard'],
    'runner/simulator': _RUNNER_BELOW + ['runner/config', 'runner/engine'],
    'runner/commands': _RUNNER_BELOW + ['runner/config', 'runner/engine', 'runner/control_plane',
                                        'runner/simulator'],
    'runner': _RUNNER_BELOW + ['runner/config', 'runner/engine', 'runner/control_plane',
                               'runner/simulator', 'runner/commands'],
})

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

# A source file longer than this says why in its opening comment ("over 500 lines ...").
MAX_LINES = 400
SAYS_WHY = re.compile(r'^//.*\bover \d+ lines\b')


def room_of_file(path):
    """The room a source file lives in, or None when it is not in core/, bindings/, runner/."""
    parts = path.split('/')
    if parts[0] == 'core':
        if parts[1:3] == ['include', 'setpoint'] and len(parts) > 4:
            return 'core/' + parts[3]
        if parts[1] == 'src' and len(parts) > 3:
            return 'core/' + parts[2]
        return 'core'  # a file directly in core/: not in any concept, reported as such
    if parts[0] == 'bindings':
        if 'testing' in parts[1:-1]:
            return 'bindings/testing'
        return 'bindings'
    if parts[0] == 'runner':
        return 'runner/' + parts[1] if len(parts) > 2 else 'runner'
    return None


def room_of_include(target, including_file, root):
    """The room an include line names, or None for a system or third-party header."""
    parts = target.split('/')
    if parts[0] == 'setpoint' and len(parts) > 2:
        if parts[1] == 'bindings':
            return 'bindings'
        if parts[1] == 'testing':
            return 'bindings/testing'
        return 'core/' + parts[1]
    here = os.path.dirname(including_file)
    for base in (here, 'runner'):  # quoted includes: beside the file, then from runner/'s top
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(root, candidate)):
            return room_of_file(candidate)
    return None


def sources(root):
    for top in ('core', 'bindings', 'runner'):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith(('.cpp', '.hpp', '.h')):
                    yield os.path.relpath(os.path.join(folder, name), root)


def find_cycle(edges):
    """One cycle among the rooms' actual includes, as a list of rooms, or None."""
    state = {}
    stack = []

    def visit(room):
        state[room] = 'open'
        stack.append(room)
        for nxt in sorted(edges.get(room, ())):
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[room] = 'done'
        return None

    for room in sorted(edges):
        if room not in state:
            found = visit(room)
            if found:
                return found
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    problems = []
    edges = {}
    for path in sorted(sources(root)):
        room = room_of_file(path)
        if room not in ALLOWED:
            problems.append(f'{path}: not in any room of the layout ({room}); add it to a '
                            'folder or its folder to scripts/check_layout.py')
            continue
        with open(os.path.join(root, path), encoding='utf-8', errors='replace') as f:
            lines = f.readlines()
        opening = [l for l in lines[:12] if l.startswith('//')]
        if len(lines) > MAX_LINES and not any(SAYS_WHY.match(l) for l in opening):
            problems.append(f'{path}: {len(lines)} lines, over {MAX_LINES}, and its opening comment '
                            'does not say why ("over N lines because ..."); split it or say why')
        for number, line in enumerate(lines, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = room_of_include(match.group(1), path, root)
            if target is None or target == room:
                continue
            edges.setdefault(room, set()).add(target)
            if target not in ALLOWED[room]:
                problems.append(f'{path}:{number}: {room} may not include {target} '
                                f'("{match.group(1)}")')
    cycle = find_cycle(edges)
    if cycle:
        problems.append('cycle between folders: ' + ' -> '.join(cycle))
    for problem in problems:
        print('check_layout: ' + problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())

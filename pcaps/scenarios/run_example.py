#!/usr/bin/python3
"""Runs one of impacket's own example tools (python3-impacket's examples/) against the sample server.

  run_example.py SEED TOOL.py ARGS...

The tool runs unchanged, as `python3 TOOL.py ARGS...` would run it, with two differences that keep
the capture the same from run to run: Python's random module is seeded with SEED (the tools draw
task, file and service names from it), and the server's name, not its address, goes into tree
connect paths (see common.py).
"""

import os
import random
import runpy
import sys

import common  # noqa: F401  (installs the tree-path name lookup)

EXAMPLES = "/usr/share/doc/python3-impacket/examples"


def main():
    seed, tool = int(sys.argv[1]), sys.argv[2]
    random.seed(seed)
    path = os.path.join(EXAMPLES, tool)
    sys.argv = [path] + sys.argv[3:]
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    main()

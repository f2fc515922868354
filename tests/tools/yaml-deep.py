#!/usr/bin/env python3
"""yaml-deep: hostile YAML nesting for the rule and configuration loaders.

    yaml-deep.py KIND DEPTH OUT

KIND is one of
  flow-map    "detection:" then DEPTH '{' on one line (libyaml took 15 s for 100,000)
  flow-seq    DEPTH '[' on one line
  block-seq   "- - - ... x": DEPTH block sequences on one line
  block-map   DEPTH mappings, each indented one more column
The file starts like a rule (title, logsource) so that the nesting is met
where a loader would walk into it.
"""
import sys

kind, depth, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head = "title: Deep\nlogsource:\n    product: windows\n"
if kind == "flow-map":
    body = "detection: " + "{a: " * depth + "x" + "}" * depth + "\n"
elif kind == "flow-seq":
    body = "detection: " + "[" * depth + "]" * depth + "\n"
elif kind == "block-seq":
    body = "detection:\n" + "- " * depth + "x\n"
elif kind == "block-map":
    body = "detection:\n" + "".join(" " * (i + 1) + "k%d:\n" % i for i in range(depth)) + " " * (depth + 1) + "x\n"
else:
    sys.exit("yaml-deep.py: unknown kind " + kind)
with open(out, "w") as f:
    f.write(head + body)

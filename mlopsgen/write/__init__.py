"""Writing a rendered tree to disk: atomic, symlink-safe, pruning only what mlopsgen wrote.

`paths` names things, `fs` holds the primitives that never follow a link,
`root` finds the output folder, `scan` reads the old tree, `plan` compares
without writing, and `tree` assembles the new tree and swaps it in.
"""

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.write.paths import safe_relative
from mlopsgen.write.plan import Change, plan_changes
from mlopsgen.write.root import OutputRoot
from mlopsgen.write.tree import write_tree

__all__ = ["MARKER", "Change", "OutputRoot", "plan_changes", "safe_relative", "write_tree"]

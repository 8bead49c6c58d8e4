"""Print the README's "Run it" or "Test it" command: the first or second ```sh block.

    python .ci/readme_commands.py run    # the demo command
    python .ci/readme_commands.py test   # the test-suite command

CI runs what this prints, so the README's commands are what CI proves.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def commands(text: str) -> dict[str, str]:
    """The run and test commands: the first two ``sh`` blocks, one line each."""
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    if len(blocks) < 2:
        raise SystemExit("README.md must open with two ```sh blocks: the run and test commands")
    run, test = (block.strip() for block in blocks[:2])
    for name, command in (("run", run), ("test", test)):
        if "\n" in command:
            raise SystemExit(f"README.md's {name} command must be one line")
    return {"run": run, "test": test}


if __name__ == "__main__":
    print(commands(README.read_text())[sys.argv[1]])

"""The `nashai` command: `nashai gpt train`, `nashai gpt sample`, `nashai tokenizer train`.

- `main.py`: the argument parser, the subcommands found through entry points, the error policy;
- `common.py`: what the subcommands share: `CommandError`, reading a text file, checking an output
  folder and a device;
- `gpt.py`: `nashai gpt train` and `nashai gpt sample`;
- `tokenizer.py`: `nashai tokenizer train`.

Adding a subcommand from another distribution
---------------------------------------------
Subcommands are found through the entry-point group `nashai.commands`. Each entry point names a
function `register(subparsers)` that receives the `argparse` sub-parsers object, adds its parser
and sets `handler`, the function that runs it (it gets the parsed `argparse.Namespace` and returns
an exit status, or None for 0):

```toml
[project.entry-points."nashai.commands"]
diffusion = "nashai.gen.cli:register"
```

```python
def register(subparsers):
    parser = subparsers.add_parser("diffusion", help="train and sample a diffusion model")
    parser.add_argument("--steps", type=int, default=1000)
    parser.set_defaults(handler=run)

def run(args):
    if args.steps < 1:
        raise argparse.ArgumentTypeError(f"--steps must be positive, got {args.steps}")
    ...
```

Bad input is reported by raising `argparse.ArgumentTypeError` (the standard library's, so a
layer needs nothing from this package; `CommandError` is a subclass): the command prints
`nashai: error: <message>` on one line and exits with status 2, without a traceback. The built-in
commands are registered the same way, in this distribution's pyproject.toml; the entry point's
name is the subcommand's name, and an installed entry point replaces a built-in one of that name.
"""

from nashai.cli.common import CommandError
from nashai.cli.main import main

__all__ = ["CommandError", "main"]

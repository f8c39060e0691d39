"""`python -m nashai.cli`: the `nashai` command."""

from nashai.cli.main import main

raise SystemExit(main())

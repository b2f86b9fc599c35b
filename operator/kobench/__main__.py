from kobench.cli import main

raise SystemExit(main())

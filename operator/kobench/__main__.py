from kobench.present.cli import main

raise SystemExit(main())

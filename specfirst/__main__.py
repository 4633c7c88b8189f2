from specfirst.cli import main

raise SystemExit(main())

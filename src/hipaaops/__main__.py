from hipaaops.cli import main

raise SystemExit(main())

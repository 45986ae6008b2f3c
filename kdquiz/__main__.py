from kdquiz.cli import main

raise SystemExit(main())

import sys

from elbocheck.cli import main

sys.exit(main())

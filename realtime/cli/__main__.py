import sys

from livedenoise.realtime.cli.main import main

sys.exit(main())

"""The benchmark helpers live in scripts/ (they are not part of the installed tool): import them from there."""

import os
import sys

SCRIPTS = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, "scripts")
sys.path.insert(0, os.path.abspath(SCRIPTS))

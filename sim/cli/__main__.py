"""`python -m sim.cli`: the fundsim command line."""

from sim.cli.main import main

main()

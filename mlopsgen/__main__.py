from mlopsgen.cli import main

main()

from supportgraph.cli import main

main()

from kuznia.cli.main import main

main()

from lapor.cli import main

main()

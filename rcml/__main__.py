from rcml._cli import main

main()

from cunzhan.cli import main

main()

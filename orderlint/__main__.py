from orderlint._entry import main

main()

from memorybot.cli import main

main()

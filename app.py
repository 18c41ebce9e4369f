"""The chat UI: `python app.py [--corpus C] [--index I] [--model M] [--host H] [--port P]`, the same as `qa serve`."""
import sys

from qa.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])

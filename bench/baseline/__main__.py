"""python -m bench.baseline FOLDER [OUTPUT.json]: one study folder's tables as JSON."""
import json
import sys

from cohorts.analysis.frames import read_folder

from . import tables

if __name__ == "__main__":
    document = json.dumps(tables(read_folder(sys.argv[1])), indent=1)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as handle:
            handle.write(document)
    else:
        print(document)
